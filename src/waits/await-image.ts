/**
 * The start of an event-driven wait for an image (the image workflow's AwaitImage, a `.waitForTaskToken` task whose
 * timeout is the next check's deadline): stores the task token against the image in the wait table, then looks at
 * the image once, so that an image that settled before the token was stored (its event already gone by) ends the wait
 * at once. A table write that fails loses nothing: the task ends at its deadline and the image is checked, as a poll.
 */
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { isGone } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';
import { logger } from '../lambda/logger.ts';
import { completeTask } from './task-tokens.ts';
import { EXPIRY_MARGIN_SECONDS, imageKey, type WaitTable } from './wait-table.ts';

export interface AwaitImageEvent {
  token: string;
  imageId: string;
  /** The region the image is in (a copy's); the function's own when absent. */
  region?: string;
  /** The task's deadline, in seconds from now: the item outlives it by a day. */
  timeoutSeconds: number;
  execution: { id: string };
}

export interface AwaitImageResult {
  /** Whether the token was stored: false means the wait ends at its deadline, as a poll. */
  registered: boolean;
  /** The image's state at the look after storing; not pending: the wait was ended by this look. */
  state: string;
}

export interface AwaitImageClients {
  ec2: EC2Client;
  sfn: SFNClient;
  table: WaitTable;
  region: string;
  now?: () => Date;
}

export const awaitImage = async (clients: AwaitImageClients, event: AwaitImageEvent): Promise<AwaitImageResult> => {
  const { ec2, sfn, table } = clients;
  const region = event.region || clients.region;
  const key = imageKey(region, event.imageId);
  const nowSeconds = Math.floor((clients.now?.() ?? new Date()).getTime() / 1000);
  let registered = true;
  try {
    await table.put({
      key,
      token: event.token,
      expiresAt: nowSeconds + event.timeoutSeconds + EXPIRY_MARGIN_SECONDS,
      executionArn: event.execution.id,
    });
  } catch (error) {
    registered = false;
    logger.warn('wait not registered: the image is checked at the deadline instead', {
      imageId: event.imageId,
      region,
      error: awsErrorCode(error) ?? (error as Error).name,
    });
  }
  let state: string;
  try {
    const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [event.imageId] }));
    state = Images?.[0]?.State ?? 'gone';
  } catch (error) {
    if (!isGone(error)) throw error;
    state = 'gone';
  }
  if (state !== 'pending') {
    const completion = await completeTask(sfn, event.token, { state, by: 'check' });
    if (registered) await table.delete(key, event.token);
    logger.info('image settled before its event', { imageId: event.imageId, region, state, completion });
  }
  return { registered, state };
};
