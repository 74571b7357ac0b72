/**
 * Prune at scale. Planning time for 1,000 to 100,000 images; and a prune of 10,000 expired images
 * (20,000 snapshots) against the emulator on a simulated clock: the token buckets' waits and a
 * modelled call latency advance it, nothing sleeps. A model of EC2's own bucket counts any call our
 * pacing would have let through too early.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { startEmulator } from '../emulator/server.ts';
import { localIam, roleCredentials } from '../local/clients.ts';
import { LOCAL_ACCOUNT_ID } from '../local/workflow.ts';
import type { ManagedImage } from '../src/retention/inventory.ts';
import { planRetention } from '../src/retention/plan.ts';
import { DAY_MS } from '../src/retention/policy.ts';
import { ORPHAN_GRACE_HOURS, runPrune } from '../src/retention/prune.ts';
import { type Clock, ec2Bucket } from '../src/retention/token-bucket.ts';
import { TAG } from '../src/rotation/tags.ts';
import { round, type Stats, stats } from './stats.ts';

export interface PlanTiming {
  images: number;
  ms: Stats;
}

export interface PruneScale {
  planning: PlanTiming[];
  expired: number;
  snapshots: number;
  passes: number;
  longestPassSeconds: number;
  simulatedSeconds: number;
  limitSeconds: number;
  ratioToLimit: number;
  callsByAction: Record<string, number>;
  earlyCalls: number;
  realSeconds: number;
}

const NOW = new Date('2027-06-01T00:00:00Z');
const managedTags = { [TAG.managed]: 'true', [TAG.family]: 'web-prod' };

const inventory = (count: number): ManagedImage[] =>
  Array.from({ length: count }, (_, n) => ({
    imageId: `ami-${n.toString(16).padStart(17, '0')}`,
    name: `web-prod-${n}`,
    state: n % 97 === 0 ? 'failed' : 'available',
    ownerId: '123456789012',
    creationDate: new Date(NOW.getTime() - (n % 400) * DAY_MS - n).toISOString(),
    tags: n % 50 === 0 ? { ...managedTags, [TAG.keep]: 'true' } : managedTags,
    deregistrationProtected: false,
    snapshotIds: [`snap-${n.toString(16).padStart(17, '0')}`],
  }));

export const measurePlanning = (sizes: readonly number[], runs: number): PlanTiming[] =>
  sizes.map((images) => {
    const data = inventory(images);
    const samples: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const started = performance.now();
      planRetention(data, { family: 'web-prod', policy: { keepLast: 7, maxAgeDays: 7, minKeep: 2 }, now: NOW, accountId: '123456789012' });
      samples.push(performance.now() - started);
    }
    return { images, ms: stats(samples) };
  });

/**
 * EC2's side, stated here on its own rather than read from src/: the DeregisterImage bucket as the EC2
 * API reference's "Request throttling" page gives it. If our pacing constants drift from it, the
 * "no deregistration faster than EC2 refills" budget fails.
 */
const EC2_DEREGISTER_BUCKET = { capacity: 100, refillPerSecond: 5 } as const;

/** Simulated time, with EC2's bucket for DeregisterImage modelled beside ours. */
class Simulation implements Clock {
  t = 0;
  private serverTokens: number = EC2_DEREGISTER_BUCKET.capacity;
  private serverAt = 0;
  early = 0;
  now = () => this.t;
  sleep = async (ms: number) => {
    this.t += ms;
  };
  /** EC2's side: a call with no token left would have been throttled. */
  serverTake(): void {
    const { capacity, refillPerSecond } = EC2_DEREGISTER_BUCKET;
    this.serverTokens = Math.min(capacity, this.serverTokens + ((this.t - this.serverAt) / 1000) * refillPerSecond);
    this.serverAt = this.t;
    if (this.serverTokens < 1) this.early += 1;
    else this.serverTokens -= 1;
  }
}

const LAMBDA_TIMEOUT_MS = 900_000;
const CALL_LATENCY_MS = 60;
const CONCURRENCY = 4;

export const measurePrune = async (expired: number): Promise<Omit<PruneScale, 'planning'>> => {
  const emulator = await startEmulator({ iam: localIam(LOCAL_ACCOUNT_ID) });
  const sim = new Simulation();
  // A client of its own: the simulated latency must not reach the process's shared one. Signed as the prune's role.
  const connection = { endpoint: emulator.url, region: 'us-east-1', credentials: roleCredentials('PruneImagesRole') };
  const ec2 = new EC2Client(connection);
  const autoScaling = new AutoScalingClient(connection);
  ec2.middlewareStack.add(
    (next, context) => async (args) => {
      // Calls run CONCURRENCY at a time: each costs its share of the modelled latency.
      sim.t += CALL_LATENCY_MS / CONCURRENCY;
      if (context.commandName === 'DeregisterImageCommand') sim.serverTake();
      return next(args);
    },
    { step: 'initialize', name: 'simulatedLatency' },
  );
  const realStart = performance.now();
  emulator.seed({
    images: Array.from({ length: expired + 3 }, (_, n) => ({
      name: `web-prod-${n}`,
      creationDate: new Date(NOW.getTime() - (n + 30) * DAY_MS).toISOString(),
      tags: managedTags,
      snapshotTags: managedTags,
      volumes: [{ deviceName: '/dev/xvda' }, { deviceName: '/dev/xvdb' }],
    })),
  });
  const settings = { family: 'web-prod', policy: { keepLast: 3, minKeep: 2 }, now: NOW, orphanGraceHours: ORPHAN_GRACE_HOURS };
  // One pair of buckets across passes, as EC2's own buckets do not refill when a Lambda ends.
  const deregister = ec2Bucket('DeregisterImage', sim);
  const deleteSnapshot = ec2Bucket('DeleteSnapshot', sim);
  let passes = 0;
  let longest = 0;
  let done = false;
  while (!done && passes < 50) {
    const passStart = sim.t;
    passes += 1;
    const result = await runPrune({ ec2, autoScaling }, settings, {
      deregister,
      deleteSnapshot,
      remainingMs: () => LAMBDA_TIMEOUT_MS - (sim.t - passStart),
      reserveMs: 60_000,
      concurrency: CONCURRENCY,
    });
    done = result.done;
    longest = Math.max(longest, sim.t - passStart);
  }
  const callsByAction = emulator.countByAction();
  const snapshotsLeft = emulator.store.snapshots.size;
  await emulator.close();
  // The physical limit as EC2 sets it: every deregistration at the refill rate (the burst of 100 is a 20 s head start).
  const limitSeconds = expired / EC2_DEREGISTER_BUCKET.refillPerSecond;
  return {
    expired,
    snapshots: (expired + 3) * 2 - snapshotsLeft,
    passes,
    longestPassSeconds: round(longest / 1000),
    simulatedSeconds: round(sim.t / 1000),
    limitSeconds,
    ratioToLimit: round(sim.t / 1000 / limitSeconds, 3),
    callsByAction,
    earlyCalls: sim.early,
    realSeconds: round((performance.now() - realStart) / 1000),
  };
};
