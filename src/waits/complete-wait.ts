/**
 * Ends the wait an event answers: EventBridge delivers EC2's `EC2 AMI State Change` (an image `available` or `failed`;
 * EC2 User Guide, "Monitor AMI events using Amazon EventBridge"); the wait table says which task waits for that image in
 * that region, and SendTaskSuccess ends it with the state. Events are best effort: a duplicate or a late one finds the
 * task ended (a normal answer) or no item; an event of a state that ends no wait is ignored without a call; an event
 * for an image nobody waits for costs one read.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { logger } from '../lambda/logger.ts';
import type { AwaitedImage } from './await-image.ts';
import { completeTask } from './task-tokens.ts';
import { imageKey, type WaitTable } from './wait-table.ts';

export interface AmiStateChangeEvent {
  id?: string;
  source?: string;
  'detail-type'?: string;
  region?: string;
  detail?: { ImageId?: string; State?: string; ErrorMessage?: string };
}

export type WaitOutcome = { outcome: 'completed' | 'already-ended'; imageId: string; state: string } | { outcome: 'ignored'; why: string };

const ENDS_A_WAIT = new Set(['available', 'failed']);

export const completeWait = async (
  { sfn, table, now }: { sfn: SFNClient; table: WaitTable; now?: () => Date },
  event: AmiStateChangeEvent,
): Promise<WaitOutcome> => {
  if (event.source !== 'aws.ec2' || event['detail-type'] !== 'EC2 AMI State Change')
    return { outcome: 'ignored', why: `not an EC2 AMI State Change (${event.source} ${event['detail-type']})` };
  const imageId = event.detail?.ImageId;
  const state = event.detail?.State ?? '';
  if (!imageId || !event.region) return { outcome: 'ignored', why: 'no image id or region in the event' };
  if (!ENDS_A_WAIT.has(state)) return { outcome: 'ignored', why: `${imageId} became ${state}: that ends no wait` };
  const key = imageKey(event.region, imageId);
  const item = await table.get(key, Math.floor((now?.() ?? new Date()).getTime() / 1000));
  if (!item) return { outcome: 'ignored', why: `no workflow waits for ${imageId} in ${event.region}` };
  const output: Omit<AwaitedImage, 'image'> & { image?: AwaitedImage['image'] } = {
    endedBy: 'event',
    state,
    ...(item.check ? { image: item.check.progress } : {}),
    ...(event.id ? { eventId: event.id } : {}),
    ...(event.detail?.ErrorMessage ? { errorMessage: event.detail.ErrorMessage } : {}),
  };
  const completion = await completeTask(sfn, item.token, output);
  await table.delete(key, item.token);
  logger.info('wait ended by an event', { imageId, region: event.region, state, completion, execution: item.executionArn });
  return { outcome: completion, imageId, state };
};
