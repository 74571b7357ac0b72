/**
 * The start of an event-driven wait for an image (the image workflow's AwaitImage, a `.waitForTaskToken` task): stores
 * the task token against the image in the wait table, with the check the backoff plans (`checkAt`) and the progress so
 * far, then looks at the image once, so that an image that settled before the token was stored (its event already gone
 * by) ends the wait at once. What ends it later: the image's event (CompleteWait), or SweepWaits's check at `checkAt`,
 * which finds it settled; the task's own deadline (an hour) only when both have gone quiet. A table write that fails
 * raises WaitNotRegistered: the state machine then polls (its plain Wait), as before events.
 */
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { isGone } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';
import { WaitNotRegisteredError } from '../errors.ts';
import { logger } from '../lambda/logger.ts';
import type { WaitPolicy } from '../rotation/backoff.ts';
import type { ImageProgress } from '../rotation/create-image.ts';
import { completeTask } from './task-tokens.ts';
import { EXPIRY_MARGIN_SECONDS, imageKey, type WaitTable } from './wait-table.ts';

export interface AwaitImageEvent {
  token: string;
  /** The region the image is in (a copy's); the function's own when absent. */
  region?: string;
  /** The image and its wait so far: `nextWaitSeconds` is when it is checked, `deadlineSeconds` the task's timeout. */
  image: ImageProgress;
  /** The request's backoff, which SweepWaits follows between its checks. */
  wait: WaitPolicy;
  execution: { id: string };
}

/** What ends an AwaitImage (its task's output): who saw the image settle, and the wait's progress as it was left. */
export interface AwaitedImage {
  endedBy: 'event' | 'look' | 'sweep';
  state: string;
  image: ImageProgress;
  eventId?: string;
  errorMessage?: string;
}

/**
 * The progress CheckImage goes on from: the one the wait's output carries (SweepWaits may have checked, and planned,
 * since AwaitImage began), or the state's own when the wait ended otherwise (its deadline, or it could not start). A
 * deadline's hour is not in the planned waits; the wait cap counts it through the image's age (`advanceWait`).
 */
export const progressAfterWait = (image: ImageProgress, awaited: AwaitedImage | { Error?: string } | undefined): ImageProgress => {
  const carried = awaited && 'image' in awaited ? awaited.image : undefined;
  return carried?.imageId === image.imageId ? carried : image;
};

export interface AwaitImageClients {
  ec2: EC2Client;
  sfn: SFNClient;
  table: WaitTable;
  region: string;
  now?: () => Date;
}

export const awaitImage = async (clients: AwaitImageClients, event: AwaitImageEvent): Promise<{ state: string }> => {
  const { ec2, sfn, table } = clients;
  const { image } = event;
  const region = event.region || clients.region;
  const key = imageKey(region, image.imageId);
  // Whole seconds, rounded up: the check is never planned before the backoff's poll would have been.
  const nowSeconds = Math.ceil((clients.now?.() ?? new Date()).getTime() / 1000);
  try {
    await table.put({
      key,
      token: event.token,
      expiresAt: nowSeconds + image.deadlineSeconds + EXPIRY_MARGIN_SECONDS,
      executionArn: event.execution.id,
      check: { at: nowSeconds + image.nextWaitSeconds, region, progress: image, policy: event.wait },
    });
  } catch (error) {
    const code = awsErrorCode(error) ?? (error as Error).name;
    throw new WaitNotRegisteredError(`the wait for ${image.imageId} in ${region} could not be stored (${code}): polling instead`);
  }
  let state: string;
  try {
    const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [image.imageId] }));
    state = Images?.[0]?.State ?? 'gone';
  } catch (error) {
    if (!isGone(error)) throw error;
    state = 'gone';
  }
  if (state !== 'pending') {
    const output: AwaitedImage = { endedBy: 'look', state, image };
    const completion = await completeTask(sfn, event.token, output);
    await table.delete(key, event.token);
    logger.info('image settled before its event', { imageId: image.imageId, region, state, completion });
  }
  return { state };
};
