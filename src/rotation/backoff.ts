/** How long to wait between polls of a pending image: growing from `initialSeconds` by `factor`, capped at `maxSeconds`. */
export interface WaitPolicy {
  initialSeconds: number;
  factor: number;
  maxSeconds: number;
  /** Give up (clean up and fail with ImageCreationTimedOut) once this much waiting has been planned. */
  timeoutSeconds: number;
}

/**
 * Two minutes, then doubling to a ten-minute cap: a 30-minute image is seen after 5 polls and a
 * 2-hour one after 14, against 60 and 240 polls at a fixed 30 s (each poll costs three state transitions).
 */
export const DEFAULT_WAIT: WaitPolicy = { initialSeconds: 120, factor: 2, maxSeconds: 600, timeoutSeconds: 4 * 3600 };

/** The wait before poll number `poll + 1` (poll 0 is the wait right after CreateImage). */
export const waitBeforePoll = (poll: number, policy: WaitPolicy): number =>
  Math.min(policy.maxSeconds, Math.round(policy.initialSeconds * policy.factor ** poll));

/**
 * The longest an event-driven wait (AwaitImage) lasts before the state machine looks itself: an hour, or what is left
 * of the wait cap. The checks between are made by SweepWaits, outside the state machine (no transitions); this deadline
 * only matters when the events and the sweeper have both gone quiet, and bounds how late the image is then seen.
 */
export const SAFETY_NET_SECONDS = 3600;

/** The deadline of the wait that plans `nextWaitSeconds` before its check, with `waitedSeconds` planned in all so far. */
export const awaitDeadline = (nextWaitSeconds: number, waitedSeconds: number, policy: WaitPolicy): number =>
  Math.min(Math.max(nextWaitSeconds, SAFETY_NET_SECONDS), nextWaitSeconds + Math.max(0, policy.timeoutSeconds - waitedSeconds));
