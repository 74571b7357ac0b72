import type { EC2Client } from '@aws-sdk/client-ec2';
import { awaitDeadline, type WaitPolicy, waitBeforePoll } from './backoff.ts';
import type { ImageProgress } from './create-image.ts';
import { completedAtOf, describeImage, type ImageSnapshot, snapshotsOf } from './images.ts';

/**
 * The next step of a wait, from the image's state: pure, so the schedule is tested without EC2. The wait cap holds on
 * the waits planned so far, or on the time since EC2 created the image (`elapsedSeconds`): a wait that ended at its
 * deadline, its checks unmade, still counts.
 */
export const advanceWait = (
  progress: ImageProgress,
  state: string | undefined,
  reason: string | undefined,
  policy: WaitPolicy,
  snapshots: ImageSnapshot[] = [],
  elapsedSeconds = 0,
  completedAt?: string,
): ImageProgress => {
  const poll = progress.poll + 1;
  if (state === 'available' || state === 'failed') {
    return {
      ...progress,
      state,
      poll,
      nextWaitSeconds: 0,
      deadlineSeconds: 0,
      timedOut: false,
      snapshots,
      ...(reason ? { stateReason: reason } : {}),
      ...(state === 'available' && completedAt ? { completedAt } : {}),
    };
  }
  if (progress.waitedSeconds >= policy.timeoutSeconds || elapsedSeconds >= policy.timeoutSeconds)
    return { ...progress, poll, nextWaitSeconds: 0, deadlineSeconds: 0, timedOut: true };
  const next = Math.min(waitBeforePoll(poll, policy), policy.timeoutSeconds - progress.waitedSeconds);
  const waitedSeconds = progress.waitedSeconds + next;
  return {
    ...progress,
    state: 'pending',
    poll,
    nextWaitSeconds: next,
    waitedSeconds,
    deadlineSeconds: awaitDeadline(next, waitedSeconds, policy),
    timedOut: false,
  };
};

/** Seconds since EC2 created the image (its CreationDate), as of `now`; 0 when it does not say. */
export const secondsSinceCreation = (image: { CreationDate?: string | undefined }, now: Date): number => {
  const created = Date.parse(image.CreationDate ?? '');
  return Number.isNaN(created) ? 0 : Math.max(0, (now.getTime() - created) / 1000);
};

/** Looks at the image once; never sleeps: the state machine's waits do the waiting. */
export const checkRotationImage = async (
  ec2: EC2Client,
  progress: ImageProgress,
  policy: WaitPolicy,
  now: Date = new Date(),
): Promise<ImageProgress> => {
  const image = await describeImage(ec2, progress.imageId);
  return advanceWait(
    progress,
    image.State,
    image.StateReason?.Message,
    policy,
    snapshotsOf(image),
    secondsSinceCreation(image, now),
    completedAtOf(image),
  );
};
