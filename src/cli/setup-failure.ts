/**
 * One line for a command that could not reach AWS at all: no region, no credentials, a profile that gives none.
 * What the SDK says ("Could not load credentials from any providers", "Region is missing") names no setting to change.
 */
type Env = Readonly<Record<string, string | undefined>>;

/** What to set, when `error` is a call that could not be made for want of a region or credentials; undefined otherwise. */
export const setupFailureLine = (error: unknown, env: Env): string | undefined => {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (/^Region is missing/.test(text) || (name === 'ConfigurationError' && /Region is missing/.test(text)))
    return 'no AWS region: set AWS_REGION (for example export AWS_REGION=us-east-1), or use a profile that sets one';
  const credentials = name === 'CredentialsProviderError' || /Could not load credentials|could not be found or parsed|\bSSO\b/.test(text);
  if (!credentials) return undefined;
  if (env.AWS_PROFILE)
    return `the profile "${env.AWS_PROFILE}" gives no credentials (${text.split('\n')[0]}): check it with aws configure list-profiles, and for an SSO profile run aws sso login --profile ${env.AWS_PROFILE}`;
  return 'no AWS credentials: set AWS_PROFILE to a configured profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)';
};
