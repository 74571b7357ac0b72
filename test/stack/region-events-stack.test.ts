/**
 * The per-copy-region stack (infra/region-events-stack.yml): cfn-lint finds no error, it forwards only the AMI states
 * that end a wait, and its role may put events on the home region's default bus only.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cfnLintErrors } from './cfn-lint.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
const template = async () =>
  parse(await readFile(new URL('../../infra/region-events-stack.yml', import.meta.url), 'utf8')) as { Resources: Record<string, Resource> };

describe('the copy regions’ event forwarding stack', () => {
  it('passes cfn-lint without an error', async () => {
    expect(await cfnLintErrors('infra/region-events-stack.yml')).toEqual([]);
  });

  it('forwards only available and failed AMI states of this account, to the home region’s default bus, as a role that may put there only', async () => {
    const { Resources } = await template();
    const rule = Resources.ForwardAmiEvents?.Properties as {
      EventPattern: Record<string, unknown>;
      Targets: { Arn: unknown; RoleArn: unknown }[];
    };
    const role = Resources.ForwardRole?.Properties as {
      Policies: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } }[];
    };

    expect(rule.EventPattern).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['EC2 AMI State Change'],
      account: [{ Ref: 'AWS::AccountId' }],
      detail: { State: ['available', 'failed'] },
    });
    expect(rule.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::Sub': 'arn:${AWS::Partition}:events:${HomeRegion}:${AWS::AccountId}:event-bus/default' } }),
    ]);
    expect(role.Policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      expect.objectContaining({
        Action: 'events:PutEvents',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:events:${HomeRegion}:${AWS::AccountId}:event-bus/default' },
      }),
    ]);
  });
});
