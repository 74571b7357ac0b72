import { describe, expect, it } from 'vitest';
import { planOrphanSnapshots } from '../../src/retention/orphans.ts';
import { type Clock, TokenBucket } from '../../src/retention/token-bucket.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { image, NOW } from '../support/images.ts';

const HOUR_MS = 3_600_000;
const snapshot = (id: string, hoursOld: number, tags: Record<string, string> = { [TAG.managed]: 'true', [TAG.imageId]: 'ami-0gone' }) => ({
  snapshotId: id,
  startTime: new Date(NOW.getTime() - hoursOld * HOUR_MS).toISOString(),
  tags,
});

describe('planOrphanSnapshots', () => {
  it('deletes a managed snapshot whose image is gone once it is past the grace period, and says so', () => {
    const live = image(1, { snapshotIds: ['snap-live'] });

    const plan = planOrphanSnapshots([snapshot('snap-live', 48), snapshot('snap-old', 72), snapshot('snap-new', 2)], [live], {
      now: NOW,
      graceHours: 24,
    });

    expect(plan).toEqual([
      { snapshotId: 'snap-old', action: 'delete', reason: 'orphaned: ami-0gone is gone and no image uses it; 3 days old' },
      { snapshotId: 'snap-new', action: 'keep', reason: 'kept: no image uses it, but it is 2 hours old, within the 24-hour grace period' },
    ]);
  });

  it('deletes an orphan exactly at the end of the grace period, and one of an execution when no execution is running', () => {
    const plan = planOrphanSnapshots(
      [snapshot('snap-24h', 24), snapshot('snap-other-run', 30, { [TAG.managed]: 'true', [TAG.execution]: 'arn:earlier' })],
      [],
      { now: NOW, graceHours: 24 },
    );

    expect(plan.map((d) => [d.snapshotId, d.action])).toEqual([
      ['snap-24h', 'delete'],
      ['snap-other-run', 'delete'],
    ]);
    expect(plan[1]?.reason).toBe('orphaned: its image is gone and no image uses it; 1 days old');
  });

  it("keeps unmanaged, kept and this execution's snapshots", () => {
    const plan = planOrphanSnapshots(
      [
        snapshot('snap-unmanaged', 500, {}),
        snapshot('snap-keep', 500, { [TAG.managed]: 'true', [TAG.keep]: 'true' }),
        snapshot('snap-mine', 500, { [TAG.managed]: 'true', [TAG.execution]: 'arn:exec' }),
      ],
      [],
      { now: NOW, graceHours: 24, executionId: 'arn:exec' },
    );

    expect(plan.map((d) => d.action)).toEqual(['keep', 'keep', 'keep']);
  });
});

describe('TokenBucket', () => {
  const simulated = (): Clock & { t: number } => {
    const clock = {
      t: 0,
      now: () => clock.t,
      sleep: async (ms: number) => {
        clock.t += ms;
      },
    };
    return clock;
  };

  it('lets a burst through at once, then paces at the refill rate', async () => {
    const clock = simulated();
    const bucket = new TokenBucket(100, 5, clock);

    for (let i = 0; i < 100; i += 1) await bucket.take();
    const afterBurst = clock.t;
    for (let i = 0; i < 50; i += 1) await bucket.take();

    expect(afterBurst).toBe(0);
    expect(clock.t).toBeGreaterThanOrEqual(10_000);
    expect(clock.t).toBeLessThan(10_300);
  });
});

describe('TokenBucket across prune passes', () => {
  it('resumes from the level the previous pass saved, refilled for the time between', () => {
    const clock = { now: () => 0, sleep: async () => undefined };
    const first = new TokenBucket(100, 5, clock);
    for (let i = 0; i < 100; i += 1) void first.take();

    const saved = first.save(1_000_000);
    const next = new TokenBucket(100, 5, clock, saved, 1_002_000);

    expect(saved.tokens).toBe(0);
    expect(next.save(1_002_000).tokens).toBe(10);
  });
});
