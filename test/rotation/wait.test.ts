import { describe, expect, it } from 'vitest';
import { DEFAULT_WAIT, waitBeforePoll } from '../../src/rotation/backoff.ts';
import { advanceWait } from '../../src/rotation/check-image.ts';
import type { ImageProgress } from '../../src/rotation/create-image.ts';
import { pendingProgress } from '../support/progress.ts';

const start: ImageProgress = pendingProgress();

const pollUntil = (checks: number, policy = DEFAULT_WAIT) => {
  let progress = start;
  for (let i = 0; i < checks; i += 1) progress = advanceWait(progress, 'pending', undefined, policy);
  return progress;
};

describe('the wait between polls', () => {
  it('doubles from two minutes up to a ten-minute cap', () => {
    expect([0, 1, 2, 3, 4, 5].map((poll) => waitBeforePoll(poll, DEFAULT_WAIT))).toEqual([120, 240, 480, 600, 600, 600]);
  });

  it.each([
    [5 * 60, 2],
    [30 * 60, 5],
    [120 * 60, 14],
  ])('sees an image that takes %i s after %i checks', (readyAfter, checks) => {
    let progress = start;
    let made = 0;
    while (progress.state === 'pending') {
      const ready = progress.waitedSeconds >= readyAfter;
      progress = advanceWait(progress, ready ? 'available' : 'pending', undefined, DEFAULT_WAIT);
      made += 1;
    }
    expect(made).toBe(checks);
  });

  it('times out once the planned waiting reaches the cap, and never plans past it', () => {
    const policy = { ...DEFAULT_WAIT, timeoutSeconds: 1000 };

    const last = pollUntil(4, policy);

    expect(last.timedOut).toBe(true);
    expect(pollUntil(3, policy)).toMatchObject({ timedOut: false, waitedSeconds: 1000, nextWaitSeconds: 160 });
  });

  it('times out an image older than the cap, however little waiting was planned (a wait that ran to its deadline)', () => {
    expect(advanceWait(start, 'pending', undefined, DEFAULT_WAIT, [], DEFAULT_WAIT.timeoutSeconds - 1).timedOut).toBe(false);
    expect(advanceWait(start, 'pending', undefined, DEFAULT_WAIT, [], DEFAULT_WAIT.timeoutSeconds).timedOut).toBe(true);
    // An image that settled is never timed out, however old.
    expect(advanceWait(start, 'available', undefined, DEFAULT_WAIT, [], 99_999)).toMatchObject({ state: 'available', timedOut: false });
  });

  it('plans each wait with its deadline: an hour, at least the wait itself, at most the rest of the cap', () => {
    expect(pollUntil(1)).toMatchObject({ nextWaitSeconds: 240, deadlineSeconds: 3600 });
    const policy = { ...DEFAULT_WAIT, timeoutSeconds: 1000 };
    // 360 s planned of a 1,000 s cap: the next wait's deadline is that wait plus the 640 s left at most.
    expect(pollUntil(1, policy)).toMatchObject({ nextWaitSeconds: 240, waitedSeconds: 360, deadlineSeconds: 240 + 640 });
  });

  it('stops waiting at once for a failed image and keeps the reason', () => {
    expect(advanceWait(start, 'failed', 'Snapshot creation failed', DEFAULT_WAIT)).toMatchObject({
      state: 'failed',
      poll: 1,
      stateReason: 'Snapshot creation failed',
      nextWaitSeconds: 0,
    });
  });
});
