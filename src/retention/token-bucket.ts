/** Time as the pacer sees it: real in a Lambda, simulated in the benchmark. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  // Monotonic: pacing must not jump when the wall clock does.
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A bucket's level at a moment of wall time: carried from one prune pass to the next. */
export interface BucketState {
  tokens: number;
  savedAt: number;
}

/**
 * A client-side token bucket matching one of EC2's per-account buckets (e.g. DeregisterImage:
 * burst 100, refill 5 per second), so deletions are paced under the limit instead of bouncing off it.
 * EC2's bucket does not refill when a Lambda ends, so a pass resumes the bucket the previous one saved.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly capacity: number;
  private readonly refillPerSecond: number;
  private readonly clock: Clock;

  /** Full, or as a previous invocation left it (`saved`), refilled for the wall time since. */
  constructor(capacity: number, refillPerSecond: number, clock: Clock = systemClock, saved?: BucketState, wallNow = Date.now()) {
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.clock = clock;
    this.tokens = saved ? Math.min(capacity, saved.tokens + (Math.max(0, wallNow - saved.savedAt) / 1000) * refillPerSecond) : capacity;
    this.updatedAt = clock.now();
  }

  /** What the next invocation needs to go on pacing where this one stopped. */
  save(wallNow = Date.now()): BucketState {
    this.refill();
    return { tokens: this.tokens, savedAt: wallNow };
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.refillPerSecond);
    this.updatedAt = now;
  }

  /** Waits until a token is free, then takes it. */
  async take(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.refillPerSecond) * 1000));
    }
  }
}

/** EC2's published per-account buckets for the calls prune makes (burst, refill per second). */
export const EC2_BUCKETS = {
  DeregisterImage: { capacity: 100, refillPerSecond: 5 },
  DeleteSnapshot: { capacity: 100, refillPerSecond: 5 },
} as const;

/** A bucket matching EC2's for one call, resumed from a previous pass's `saved` level when given. */
export const ec2Bucket = (call: keyof typeof EC2_BUCKETS, clock: Clock = systemClock, saved?: BucketState): TokenBucket =>
  new TokenBucket(EC2_BUCKETS[call].capacity, EC2_BUCKETS[call].refillPerSecond, clock, saved);
