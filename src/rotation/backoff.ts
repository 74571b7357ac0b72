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
