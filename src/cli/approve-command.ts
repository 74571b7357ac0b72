/**
 * `ami-rotator approve` and `reject`: the answer to a promotion's approval request (docs/channels.md). The request is
 * a callback task of the stage's promotion state machine (AwaitApproval); its token is in the execution's history
 * (TaskScheduled, the SNS message's `taskToken` attribute), so the person answering needs to know only the stage and
 * the family. Approve: SendTaskSuccess (the candidate is checked again and published to the stable channel); reject:
 * SendTaskFailure with PromotionRejected (the stable channel is unchanged, the candidate set aside, one alert).
 */
import {
  DescribeExecutionCommand,
  paginateGetExecutionHistory,
  paginateListExecutions,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { ERROR } from '../workflow/contract.ts';
import { familyFlag, parseFlags, UsageError } from './flags.ts';
import { findStateMachine, STATE_MACHINE_FLAGS } from './state-machine.ts';

const usageOf = (
  verb: 'approve' | 'reject',
) => `usage: ami-rotator ${verb} --family NAME [--reason TEXT] [--stage STAGE | --state-machine-arn ARN]

${
  verb === 'approve'
    ? `Approves the family's candidate that awaits approval: it is checked again (one rolled back meanwhile is not
promoted) and published to the stable channel (the family's parameter, launch templates and consumers) in every
region, each read back; an AMI Promoted event says so.`
    : `Rejects the family's candidate that awaits approval: the stable channel is unchanged, the candidate and its copies
are set aside (ami-rotator:status=rejected: never promoted, never a rollback target, pruned by age), and one alert
says so.`
}
The request is the stage's promotion (state machine ami-rotator-STAGE-promote) waiting in its AwaitApproval step;
its alert names this command. Step Functions through AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_SFN (states:ListExecutions,
DescribeExecution, GetExecutionHistory, ${verb === 'approve' ? 'SendTaskSuccess' : 'SendTaskFailure'}).

  --family NAME            the family whose candidate is answered (required: a stage may promote several)
  --reason TEXT            why, recorded in the execution${verb === 'reject' ? ' and the alert' : ''} (at most 1000 characters)
  --stage STAGE            the deployment's stage (default dev)
  --state-machine-arn ARN  the promotion state machine, when it is not named after a stage

Exit codes: 0 answered; 1 no candidate of the family awaits approval, or the answer came too late; 2 a usage error.`;

export const APPROVE_USAGE = usageOf('approve');
export const REJECT_USAGE = usageOf('reject');

/** SendTaskFailure's cause is at most 32,768 characters (API Reference); a reason is kept to a readable line. */
const MAX_REASON = 1000;

/** A promotion waiting for its answer: the execution, its candidate and the token of its approval task. */
export interface AwaitingApproval {
  executionArn: string;
  imageId: string;
  token: string;
}

/** The waiting approval of a family's promotion, newest first; undefined when none waits. */
export const findAwaitingApproval = async (
  sfn: SFNClient,
  stateMachineArn: string,
  family: string,
): Promise<AwaitingApproval | undefined> => {
  for await (const page of paginateListExecutions({ client: sfn }, { stateMachineArn, statusFilter: 'RUNNING' })) {
    for (const execution of page.executions ?? []) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
      const input = JSON.parse(described.input ?? '{}') as { family?: string; imageId?: string };
      if (input.family !== family || !execution.executionArn) continue;
      let token: string | undefined;
      let answered = false;
      for await (const history of paginateGetExecutionHistory({ client: sfn }, { executionArn: execution.executionArn })) {
        for (const event of history.events ?? []) {
          const scheduled = event.taskScheduledEventDetails;
          if (event.type === 'TaskScheduled' && scheduled?.resource === 'publish.waitForTaskToken') {
            const parameters = JSON.parse(scheduled.parameters ?? '{}') as { MessageAttributes?: { taskToken?: { StringValue?: string } } };
            token = parameters.MessageAttributes?.taskToken?.StringValue;
            answered = false;
          }
          if (event.type === 'TaskSucceeded' || event.type === 'TaskFailed' || event.type === 'TaskTimedOut')
            answered = token !== undefined;
        }
      }
      if (token && !answered) return { executionArn: execution.executionArn, imageId: input.imageId ?? '?', token };
    }
  }
  return undefined;
};

export const runApproveCommand = async (
  verb: 'approve' | 'reject',
  argv: readonly string[],
  sfn: SFNClient,
  print: (line: string) => void,
): Promise<number> => {
  const usage = usageOf(verb);
  const values = parseFlags(argv, { family: { type: 'string' }, reason: { type: 'string' }, ...STATE_MACHINE_FLAGS }, usage);
  const family = familyFlag(values.family);
  if (!family) throw new UsageError(`--family: required (the family whose candidate you ${verb})\n\n${usage}`);
  const reason = values.reason === undefined ? undefined : String(values.reason);
  if (reason !== undefined && (reason.trim() === '' || reason.length > MAX_REASON))
    throw new UsageError(`--reason: expected 1 to ${MAX_REASON} characters, got ${reason.length}`);
  const stateMachineArn = await findStateMachine(sfn, values, '-promote');
  const waiting = await findAwaitingApproval(sfn, stateMachineArn, family);
  if (!waiting) {
    print(`no candidate of family ${family} awaits approval in ${stateMachineArn.split(':').pop()}: nothing was answered`);
    return 1;
  }
  const answeredAt = new Date().toISOString();
  try {
    if (verb === 'approve')
      await sfn.send(
        new SendTaskSuccessCommand({
          taskToken: waiting.token,
          output: JSON.stringify({ approved: true, answeredAt, ...(reason ? { reason } : {}) }),
        }),
      );
    else
      await sfn.send(
        new SendTaskFailureCommand({
          taskToken: waiting.token,
          error: ERROR.PromotionRejected,
          cause: `Rejected with ami-rotator reject at ${answeredAt}${reason ? `: ${reason}` : ' (no reason given)'}`,
        }),
      );
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist' || name === 'InvalidToken') {
      print(`the approval of ${waiting.imageId} is over (${name}): the deadline passed or it was answered; nothing was changed`);
      return 1;
    }
    throw error;
  }
  print(
    verb === 'approve'
      ? `approved ${waiting.imageId} (family ${family}): it is checked again and published to the stable channel; follow ${waiting.executionArn}`
      : `rejected ${waiting.imageId} (family ${family}): the stable channel is unchanged and the candidate is set aside; ${waiting.executionArn}`,
  );
  return 0;
};
