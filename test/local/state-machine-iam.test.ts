import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../emulator/iam.ts';
import { stackRoles } from '../../local/stack-roles.ts';
import { stateMachineRoles, taskChecks } from '../../local/state-machine-iam.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const at = { region: REGION, account: ACCOUNT };
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:ami-rotator-local-AlertTopic`;

/** A state machine's role as the stack deploys it, or without the statements of the given Sids. */
const roleOf = (file: string, withoutSids: string[] = []) => {
  const name = stateMachineRoles()[file];
  const role = stackRoles({ stage: 'local', accountId: ACCOUNT, region: REGION }).find((r) => r.name === name);
  if (!role) throw new Error(`no role for ${file}`);
  const policies = role.policies.map((p) => ({
    ...p,
    policy: { ...p.policy, Statement: p.policy.Statement.filter((st) => !withoutSids.includes(String((st as { Sid?: string }).Sid))) },
  }));
  return { arn: role.arn, policies };
};
const refusal = (principal: ReturnType<typeof roleOf>, resource: string, input: Record<string, unknown>) => {
  const asked = taskChecks(resource, input as never, at);
  if (!asked) throw new Error('no checks');
  return refusalOf(principal, asked.checks, ACCOUNT, REGION);
};
const announce = (source: string) => ({
  Entries: [{ EventBusName: 'default', Source: source, DetailType: 'AMI Rotated', Detail: {} }],
});

describe("the state machines' own calls, evaluated as their roles", () => {
  it('names the role each state machine runs as', () => {
    expect(stateMachineRoles()).toEqual({
      'rotate-ami': 'StateMachineRole',
      'prepare-instance': 'PrepareWorkflowRole',
      'image-in-region': 'ImageWorkflowRole',
      rollback: 'RollbackWorkflowRole',
      promote: 'PromoteWorkflowRole',
    });
  });

  it("lets the rotation publish its alert, and refuses it once the role's PublishAlerts statement is gone", async () => {
    const publish = { TopicArn: TOPIC, Subject: 'x', Message: 'y' };

    const allowed = await refusal(roleOf('rotate-ami'), 'arn:aws:states:::sns:publish', publish);
    const refused = await refusal(roleOf('rotate-ami', ['PublishAlerts']), 'arn:aws:states:::sns:publish', publish);

    expect(allowed).toBeUndefined();
    expect(refused).toMatch(
      /StateMachineRole.* is not authorized to perform: sns:Publish on resource: arn:aws:sns:us-east-1:\d+:ami-rotator-local-AlertTopic/,
    );
  });

  it("puts ami-rotator's own events on the default bus, and no other source's: the keys EventBridge sends are evaluated", async () => {
    const own = await refusal(roleOf('rotate-ami'), 'arn:aws:states:::events:putEvents', announce('ami-rotator'));
    const other = await refusal(roleOf('rotate-ami'), 'arn:aws:states:::events:putEvents', announce('aws.ec2'));

    expect(own).toBeUndefined();
    expect(other).toMatch(/events:PutEvents on resource: arn:aws:events:us-east-1:\d+:event-bus\/default/);
  });

  it('starts and follows the image workflow as a child, and the image workflow may not start one', async () => {
    const child = { StateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ami-rotator-local-image-in-region`, Input: {} };
    const sync = 'arn:aws:states:::states:startExecution.sync:2';

    expect(await refusal(roleOf('rotate-ami'), sync, child)).toBeUndefined();
    expect(await refusal(roleOf('rotate-ami', ['FollowChildWorkflows']), sync, child)).toMatch(/states:DescribeExecution/);
    expect(await refusal(roleOf('image-in-region'), sync, child)).toMatch(/states:StartExecution/);
  });

  it("invokes only its own step's functions", async () => {
    const fn = (file: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ami-rotator-local-${file}`;

    expect(await refusal(roleOf('rotate-ami'), fn('validate-input'), {})).toBeUndefined();
    expect(await refusal(roleOf('rotate-ami'), fn('boot-test'), {})).toMatch(/lambda:InvokeFunction/);
    expect(await refusal(roleOf('image-in-region'), fn('boot-test'), {})).toBeUndefined();
  });

  it('names a Task whose calls it does not know, rather than letting it through', () => {
    expect(() => taskChecks('arn:aws:states:::sqs:sendMessage', {}, at)).toThrow(/No authorization known/);
  });
});
