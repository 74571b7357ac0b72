/**
 * The start of an event-driven wait for a prepare document (the prepare workflow's AwaitCommand, a `.waitForTaskToken`
 * task whose timeout is the next look's deadline, 30 s doubling to 2 minutes): stores the task token against the
 * command in the wait table, then reads the command once, so that one that ended before the token was stored ends the
 * wait at once. Systems Manager's `EC2 Command Status-change Notification` (CompleteWait) ends it the moment the
 * document ends; with every event lost, the deadline is the look polling made. A table write that fails raises
 * WaitNotRegistered: the state machine then waits the plain way.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { GetCommandInvocationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { awsErrorCode } from '../aws/failures.ts';
import { WaitNotRegisteredError } from '../errors.ts';
import { logger } from '../lambda/logger.ts';
import { COMMAND_FAILED } from '../rotation/command-status.ts';
import { completeTask } from './task-tokens.ts';
import { commandKey, EXPIRY_MARGIN_SECONDS, type WaitTable } from './wait-table.ts';

export interface AwaitCommandEvent {
  token: string;
  commandId: string;
  instanceId: string;
  /** The task's deadline, in seconds from now: the item outlives it by a day. */
  timeoutSeconds: number;
  execution: { id: string };
}

/** A command's statuses that end it: Success, or those CheckPreparing fails on (prepare.ts). */
const COMMAND_ENDED = new Set(['Success', ...COMMAND_FAILED]);

export interface AwaitCommandClients {
  ssm: SSMClient;
  sfn: SFNClient;
  table: WaitTable;
  region: string;
  now?: () => Date;
}

export const awaitCommand = async (clients: AwaitCommandClients, event: AwaitCommandEvent): Promise<{ status: string }> => {
  const { ssm, sfn, table, region } = clients;
  const key = commandKey(region, event.commandId);
  const nowSeconds = Math.ceil((clients.now?.() ?? new Date()).getTime() / 1000);
  try {
    await table.put({
      key,
      token: event.token,
      expiresAt: nowSeconds + event.timeoutSeconds + EXPIRY_MARGIN_SECONDS,
      executionArn: event.execution.id,
    });
  } catch (error) {
    const code = awsErrorCode(error) ?? (error as Error).name;
    throw new WaitNotRegisteredError(`the wait for command ${event.commandId} could not be stored (${code}): polling instead`);
  }
  let status = 'Pending';
  try {
    const invocation = await ssm.send(new GetCommandInvocationCommand({ CommandId: event.commandId, InstanceId: event.instanceId }));
    status = invocation.Status ?? 'Pending';
  } catch (error) {
    // Just sent, the invocation may not be known yet: it has not ended.
    if (awsErrorCode(error) !== 'InvocationDoesNotExist') throw error;
  }
  if (COMMAND_ENDED.has(status)) {
    const completion = await completeTask(sfn, event.token, { endedBy: 'look', state: status });
    await table.delete(key, event.token);
    logger.info('command ended before its event', { commandId: event.commandId, status, completion });
  }
  return { status };
};
