import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const { distributeResources } = createRequire(import.meta.url)('../../infra/distribute.cjs') as {
  distributeResources: (
    stage: string,
    raw: string,
    roles: Record<string, unknown>,
  ) => Record<string, { Type: string; Properties: Record<string, unknown> }>;
};
const KEY = 'arn:aws:kms:ap-southeast-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe("the distribute parameter, as the stack's roles read it", () => {
  it.each([
    ['not JSON', 'eu-west-1', 'distribute: expected JSON such as {"regions": [{"region": "eu-west-1"}]}'],
    ['no regions', '{"regions": []}', 'distribute: expected {"regions": [{"region": ...}, ...]}'],
    ['a malformed region', '{"regions": [{"region": "Europe"}]}', 'distribute: expected region names such as eu-west-1, got "Europe"'],
    [
      'a key of another region',
      `{"regions": [{"region": "eu-west-1", "kmsKeyId": "${KEY}"}]}`,
      `distribute: eu-west-1: expected kmsKeyId to be a key ARN in eu-west-1, got "${KEY}"`,
    ],
  ])('refuses %s before anything is deployed', (_what, raw, message) => {
    expect(() => distributeResources('prod', raw, {})).toThrow(message);
  });

  it('gives the copy role no copy, no tagging and no key when the deployment copies nowhere', () => {
    const { CopyImageRole, ...others } = distributeResources('prod', '', {});
    const actions = JSON.stringify(CopyImageRole?.Properties);

    expect(others).toEqual({});
    expect(actions).not.toContain('ec2:CopyImage');
    expect(actions).not.toContain('kms:');
  });
});
