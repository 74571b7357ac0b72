import type { EC2Client } from '@aws-sdk/client-ec2';
import { awaitDeadline, type WaitPolicy, waitBeforePoll } from './backoff.ts';
import type { ImageProgress } from './create-image.ts';
import { describeImage, type ImageSnapshot, snapshotsOf } from './images.ts';

/** The next step of a wait, from the image's state: pure, so the schedule is tested without EC2. */
export const advanceWait = (
  progress: ImageProgress,
  state: string | undefined,
  reason: string | undefined,
  policy: WaitPolicy,
  snapshots: ImageSnapshot[] = [],
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
    };
  }
  if (progress.waitedSeconds >= policy.timeoutSeconds) return { ...progress, poll, nextWaitSeconds: 0, deadlineSeconds: 0, timedOut: true };
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

/** Looks at the image once; never sleeps: the state machine's Wait state does the waiting. */
export const checkRotationImage = async (ec2: EC2Client, progress: ImageProgress, policy: WaitPolicy): Promise<ImageProgress> => {
  const image = await describeImage(ec2, progress.imageId);
  return advanceWait(progress, image.State, image.StateReason?.Message, policy, snapshotsOf(image));
};
