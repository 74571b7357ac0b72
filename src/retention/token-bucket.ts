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

/**
 * A client-side token bucket matching one of EC2's per-account buckets (e.g. DeregisterImage:
 * burst 100, refill 5 per second), so deletions are paced under the limit instead of bouncing off it.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly capacity: number;
  private readonly refillPerSecond: number;
  private readonly clock: Clock;

  constructor(capacity: number, refillPerSecond: number, clock: Clock = systemClock) {
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.clock = clock;
    this.tokens = capacity;
    this.updatedAt = clock.now();
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
