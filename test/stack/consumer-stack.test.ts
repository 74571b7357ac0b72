/**
 * The consumer side (infra/consumer-stack.yml), deployed by StackSet in each consumer account: cfn-lint finds no error
 * in it, and its role, evaluated as IAM evaluates it, lets in only the image account's publish role (with the external
 * id when one is set) and lets that role write only the parameters under its path.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { consumerRole } from '../../local/consumer-role.ts';
import { cfnLintErrors } from './cfn-lint.ts';

const CONSUMER = '111122223333';
const IMAGE_ACCOUNT = '123456789012';
const PUBLISH_ROLE = `arn:aws:iam::${IMAGE_ACCOUNT}:role/ami-rotator-prod-PublishImageRole-1A2B3C4D5E6F`;
const ROLE = `arn:aws:iam::${CONSUMER}:role/ami-rotator-consumer`;

/** Whether `principal` may assume the consumer role, its own identity allowing it: the trust policy decides. */
const mayAssume = async (principal: string, externalId: string | undefined, stack: { ExternalId?: string } = {}) => {
  const role = consumerRole(CONSUMER, { ImageAccountId: IMAGE_ACCOUNT, ...stack });
  const result = await runSimulation(
    {
      request: {
        principal,
        action: 'sts:AssumeRole',
        resource: { resource: ROLE, accountId: CONSUMER },
        contextVariables: {
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': principal.split(':')[4] ?? '',
          ...(externalId ? { 'sts:ExternalId': externalId } : {}),
        },
      },
      resourcePolicy: role.trust,
      identityPolicies: [{ name: 'any', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return result.resultType === 'single' ? result.overallResult : result.resultType;
};

/** Whether the consumer role's own policies allow an action on a resource of its account. */
const roleMay = async (action: string, resource: string) => {
  const role = consumerRole(CONSUMER, { ImageAccountId: IMAGE_ACCOUNT });
  const result = await runSimulation(
    {
      request: { principal: ROLE, action, resource: { resource, accountId: CONSUMER }, contextVariables: {} },
      identityPolicies: role.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return result.resultType === 'single' ? result.overallResult : result.resultType;
};

describe('the consumer stack', () => {
  it('passes cfn-lint without an error', async () => {
    expect(await cfnLintErrors('infra/consumer-stack.yml')).toEqual([]);
  });

  it("trusts the image account's publish role only, and with the external id when the stack sets one", async () => {
    expect(await mayAssume(PUBLISH_ROLE, undefined)).toBe('Allowed');
    expect(await mayAssume(`arn:aws:iam::${IMAGE_ACCOUNT}:role/Admin`, undefined)).not.toBe('Allowed');
    expect(await mayAssume('arn:aws:iam::444455556666:role/ami-rotator-prod-PublishImageRole-X', undefined)).not.toBe('Allowed');
    expect(await mayAssume(PUBLISH_ROLE, 'night-shift', { ExternalId: 'night-shift' })).toBe('Allowed');
    expect(await mayAssume(PUBLISH_ROLE, undefined, { ExternalId: 'night-shift' })).not.toBe('Allowed');
    expect(await mayAssume(PUBLISH_ROLE, 'day-shift', { ExternalId: 'night-shift' })).not.toBe('Allowed');
  });

  it('lets the role write the parameters under its path in any region, and nothing else', async () => {
    const parameter = (region: string, name: string) => `arn:aws:ssm:${region}:${CONSUMER}:parameter${name}`;

    expect(await roleMay('ssm:PutParameter', parameter('eu-west-1', '/golden/web-prod/latest'))).toBe('Allowed');
    expect(await roleMay('ssm:GetParameter', parameter('us-east-1', '/golden/web-prod/latest'))).toBe('Allowed');
    expect(await roleMay('ssm:PutParameter', parameter('us-east-1', '/prod/db/password'))).not.toBe('Allowed');
    expect(await roleMay('ssm:DeleteParameter', parameter('us-east-1', '/golden/web-prod/latest'))).not.toBe('Allowed');
    expect(await roleMay('ec2:RunInstances', `arn:aws:ec2:us-east-1:${CONSUMER}:instance/*`)).not.toBe('Allowed');
  });
});
