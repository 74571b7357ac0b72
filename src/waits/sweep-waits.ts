/**
 * The checks between events (SweepWaits, every minute on an EventBridge schedule): each wait whose check is due, or
 * falls due within the minute, is checked at its time, as the backoff would have polled it, but outside the state
 * machine, so a two-hour image costs the workflow one wait instead of fourteen. An image that settled (its event lost
 * or late) ends the wait with SendTaskSuccess; one still pending gets its next check planned by the same backoff
 * (`advanceWait`); a wait whose next check would come after its task's deadline, or that has reached the wait cap, is
 * handed back to the state machine, whose CheckImage decides. Each wait stands alone: one that fails is logged and
 * tried at the next minute.
 */
import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { awsErrorCode } from '../aws/failures.ts';
import { logger } from '../lambda/logger.ts';
import { advanceWait, secondsSinceCreation } from '../rotation/check-image.ts';
import { completedAtOf, snapshotsOf } from '../rotation/images.ts';
import type { AwaitedImage } from './await-image.ts';
import { completeTask } from './task-tokens.ts';
import { EXPIRY_MARGIN_SECONDS, type WaitItem, type WaitTable } from './wait-table.ts';

/** How often the schedule invokes the sweeper; it handles what falls due before the next invocation. */
export const SWEEP_EVERY_SECONDS = 60;
/** A wait is handed back this long before its task's deadline at the latest, so the deadline never races a check. */
export const HAND_BACK_MARGIN_SECONDS = 120;
/** Image ids per DescribeImages: an `image-id` filter takes at most 200 values (Filter data type). */
const IMAGES_PER_CALL = 200;

export interface SweepClients {
  /** EC2 signed for a region (the image's: the source's or a copy's). */
  ec2In: (region: string) => EC2Client;
  sfn: SFNClient;
  table: WaitTable;
  now?: () => Date;
  /** Lets `seconds` pass (a timer; the emulator's clock in a local run in its time mode). */
  sleep?: (seconds: number) => Promise<void>;
}

export interface SweepResult {
  /** Waits checked: ended (settled, or handed back), planned again, or failed. */
  ended: { imageId: string; region: string; state: string; why: 'settled' | 'hand-back' }[];
  planned: { imageId: string; region: string; checkAt: string }[];
  failed: { key: string; error: string }[];
}

const timer = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));

const describeIn = async (ec2: EC2Client, imageIds: string[]): Promise<Map<string, Image>> => {
  const found = new Map<string, Image>();
  for (let start = 0; start < imageIds.length; start += IMAGES_PER_CALL) {
    // A filter, not ImageIds: an id that no longer exists is simply absent, instead of failing the whole call.
    const { Images } = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'image-id', Values: imageIds.slice(start, start + IMAGES_PER_CALL) }],
      }),
    );
    for (const image of Images ?? []) if (image.ImageId) found.set(image.ImageId, image);
  }
  return found;
};

/** Checks the waits that are due at one moment: one DescribeImages per region, then each wait ended or planned again. */
const checkDue = async (clients: SweepClients, due: WaitItem[], nowSeconds: number, result: SweepResult): Promise<void> => {
  const byRegion = Map.groupBy(due, (item) => item.check?.region ?? '');
  for (const [region, items] of byRegion) {
    let images: Map<string, Image>;
    try {
      images = await describeIn(
        clients.ec2In(region),
        items.map((i) => i.check?.progress.imageId ?? ''),
      );
    } catch (error) {
      const code = awsErrorCode(error) ?? (error as Error).name;
      for (const item of items) result.failed.push({ key: item.key, error: code });
      continue;
    }
    for (const item of items) {
      const check = item.check;
      if (!check) continue;
      const { imageId } = check.progress;
      try {
        const image = images.get(imageId);
        // Gone (deregistered meanwhile): the state machine's CheckImage says so, with its own error.
        const progress = image
          ? advanceWait(
              check.progress,
              image.State,
              image.StateReason?.Message,
              check.policy,
              snapshotsOf(image),
              secondsSinceCreation(image, new Date(nowSeconds * 1000)),
              completedAtOf(image),
            )
          : check.progress;
        const state = image ? progress.state : 'gone';
        const settled = state !== 'pending' || progress.timedOut;
        const deadline = item.expiresAt - EXPIRY_MARGIN_SECONDS;
        if (settled || nowSeconds + progress.nextWaitSeconds > deadline - HAND_BACK_MARGIN_SECONDS) {
          const output: AwaitedImage = { endedBy: 'sweep', state, image: progress };
          await completeTask(clients.sfn, item.token, output);
          await clients.table.delete(item.key, item.token);
          result.ended.push({ imageId, region, state, why: settled ? 'settled' : 'hand-back' });
        } else {
          const at = nowSeconds + progress.nextWaitSeconds;
          if (await clients.table.reschedule(item.key, item.token, at, progress))
            result.planned.push({ imageId, region, checkAt: new Date(at * 1000).toISOString() });
        }
      } catch (error) {
        result.failed.push({ key: item.key, error: awsErrorCode(error) ?? (error as Error).name });
      }
    }
  }
};

export const sweepWaits = async (clients: SweepClients): Promise<SweepResult> => {
  const clock = () => Math.floor((clients.now?.() ?? new Date()).getTime() / 1000);
  const sleep = clients.sleep ?? timer;
  const result: SweepResult = { ended: [], planned: [], failed: [] };
  const started = clock();
  // Everything due before the next invocation, each at its own second: never earlier than the backoff's poll.
  const due = await clients.table.due(started + SWEEP_EVERY_SECONDS - 1);
  const moments = [...new Set(due.map((item) => Math.max(started, item.check?.at ?? started)))].sort((a, b) => a - b);
  for (const moment of moments) {
    const now = clock();
    if (moment > now) await sleep(moment - now);
    await checkDue(
      clients,
      due.filter((item) => Math.max(started, item.check?.at ?? started) === moment),
      Math.max(clock(), moment),
      result,
    );
  }
  if (due.length > 0 || result.failed.length > 0) logger.info('waits swept', { ...result });
  return result;
};
