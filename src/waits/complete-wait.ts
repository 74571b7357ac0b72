/**
 * Ends the wait an event answers. EventBridge delivers EC2's `EC2 AMI State Change` (an image `available` or `failed`;
 * EC2 User Guide, "Monitor AMI events using Amazon EventBridge") and Systems Manager's `EC2 Command Status-change
 * Notification` (a command that ended: `Success`, `Failed`, `TimedOut`, `Cancelled`; Systems Manager User Guide,
 * "Amazon EventBridge event examples for Systems Manager"); the wait table says which task waits for that image or
 * command in that region, and SendTaskSuccess ends it with the state. Events are best effort: a duplicate or a late one
 * finds the task ended (a normal answer) or no item; an event of a state that ends no wait is ignored without a call;
 * an event for something nobody waits for costs one read.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { logger } from '../lambda/logger.ts';
import type { AwaitedImage } from './await-image.ts';
import { completeTask } from './task-tokens.ts';
import { commandKey, imageKey, type WaitTable } from './wait-table.ts';

export interface WaitEvent {
  id?: string;
  source?: string;
  'detail-type'?: string;
  region?: string;
  detail?: { ImageId?: string; State?: string; ErrorMessage?: string; 'command-id'?: string; status?: string };
}

export type WaitOutcome = { outcome: 'completed' | 'already-ended'; subject: string; state: string } | { outcome: 'ignored'; why: string };

const IMAGE_ENDS = new Set(['available', 'failed']);
// The command-level event's final statuses (the invocation's Undeliverable or Terminated show there as Failed).
const COMMAND_ENDS = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

/** What the event is about (an image or a command), its state, and whether that state ends a wait; or why it is ignored. */
const readEvent = (event: WaitEvent): { key: string; subject: string; state: string } | { why: string } => {
  const kind =
    event.source === 'aws.ec2' && event['detail-type'] === 'EC2 AMI State Change'
      ? 'image'
      : event.source === 'aws.ssm' && event['detail-type'] === 'EC2 Command Status-change Notification'
        ? 'command'
        : undefined;
  if (!kind) return { why: `not an event that ends a wait (${event.source} ${event['detail-type']})` };
  const subject = (kind === 'image' ? event.detail?.ImageId : event.detail?.['command-id']) ?? '';
  const state = (kind === 'image' ? event.detail?.State : event.detail?.status) ?? '';
  if (!subject || !event.region) return { why: `no ${kind} id or region in the event` };
  if (!(kind === 'image' ? IMAGE_ENDS : COMMAND_ENDS).has(state)) return { why: `${subject} became ${state}: that ends no wait` };
  return { key: kind === 'image' ? imageKey(event.region, subject) : commandKey(event.region, subject), subject, state };
};

export const completeWait = async (
  { sfn, table, now }: { sfn: SFNClient; table: WaitTable; now?: () => Date },
  event: WaitEvent,
): Promise<WaitOutcome> => {
  const read = readEvent(event);
  if ('why' in read) return { outcome: 'ignored', why: read.why };
  const { key, subject, state } = read;
  const item = await table.get(key, Math.floor((now?.() ?? new Date()).getTime() / 1000));
  if (!item) return { outcome: 'ignored', why: `no workflow waits for ${subject} in ${event.region}` };
  const output: Omit<AwaitedImage, 'image'> & { image?: AwaitedImage['image'] } = {
    endedBy: 'event',
    state,
    ...(item.check ? { image: item.check.progress } : {}),
    ...(event.id ? { eventId: event.id } : {}),
    ...(event.detail?.ErrorMessage ? { errorMessage: event.detail.ErrorMessage } : {}),
  };
  const completion = await completeTask(sfn, item.token, output);
  await table.delete(key, item.token);
  logger.info('wait ended by an event', { subject, region: event.region, state, completion, execution: item.executionArn });
  return { outcome: completion, subject, state };
};
