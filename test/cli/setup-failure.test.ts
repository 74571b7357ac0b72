import { describe, expect, it } from 'vitest';
import { setupFailureLine } from '../../src/cli/setup-failure.ts';

const credentialsError = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });

describe('the line for a command that could not reach AWS at all', () => {
  it('names the setting for a missing region', () => {
    expect(setupFailureLine(new Error('Region is missing'), {})).toBe(
      'no AWS region: set AWS_REGION (for example export AWS_REGION=us-east-1), or use a profile that sets one',
    );
  });

  it('names the profile that gives no credentials, and how to check or log in to it', () => {
    expect(setupFailureLine(credentialsError, { AWS_PROFILE: 'prod-admin' })).toBe(
      'the profile "prod-admin" gives no credentials (Could not load credentials from any providers): check it with aws configure list-profiles, and for an SSO profile run aws sso login --profile prod-admin',
    );
  });

  it('says what to set when there is no profile and no keys', () => {
    expect(setupFailureLine(credentialsError, {})).toMatch(/^no AWS credentials: set AWS_PROFILE/);
  });

  it('says nothing of an error that is not about setup', () => {
    expect(setupFailureLine(Object.assign(new Error('throttled'), { name: 'Ec2Throttled' }), {})).toBeUndefined();
  });
});
