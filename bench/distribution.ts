/**
 * A rotation into three other regions, on the emulator: the copies take 20, 45 and 30 minutes (settling after as
 * many checks as the backoff makes for that long), and the planned waits of each region's iteration are its time.
 * The Map runs the regions at once, so the distribution takes as long as its slowest region, not their sum: shown
 * from the calls themselves (every CopyImage before any copy is first looked at), then timed on the waits planned.
 */
import { startEmulator } from '../emulator/server.ts';
import * as amiEventRule from '../local/ami-event-rule.ts';
import { emulatorClients, localIam } from '../local/clients.ts';
import { DEMO_FAMILY, DEMO_INSTANCE_ID, demoAccount } from '../local/demo-account.ts';
import { type EventLog, LOCAL_ACCOUNT_ID, runRotationLocally } from '../local/workflow.ts';
import { checksFor } from './api-cost.ts';
import { round } from './stats.ts';

const SOURCE = 'us-east-1';
const KEY_ID = '0d000000-0000-4000-8000-00000000b001';
const COPIES = [
  { region: 'eu-west-1', minutes: 20 },
  { region: 'ap-southeast-2', minutes: 45, kmsKeyId: `arn:aws:kms:ap-southeast-2:${LOCAL_ACCOUNT_ID}:key/${KEY_ID}` },
  { region: 'sa-east-1', minutes: 30 },
];

export interface RegionCost {
  region: string;
  copyMinutes: number;
  /** The planned waits of the region's iteration: until its copy was seen, then its publishing. */
  waitedMinutes: number;
  transitions: number;
  calls: number;
}

export interface DistributionCost {
  regions: RegionCost[];
  sourceMinutes: number;
  /** The distribution as it ran (the regions at once): its slowest region. */
  distributionMinutes: number;
  /** Had the regions run one after another. */
  sequentialMinutes: number;
  slowestCopyMinutes: number;
  concurrent: boolean;
  transitions: number;
}

type Entered = EventLog & { state: { name: string; input: Record<string, unknown> } };
const regionOf = (event: Entered): string => {
  const input = event.state.input ?? {};
  const target = input.target as { region?: string } | undefined;
  return target?.region ?? (typeof input.region === 'string' ? input.region : SOURCE);
};
const waitSeconds = (event: Entered): number => {
  const input = event.state.input;
  // A wait that ran to its deadline (the look after it found the image pending, or settled it): its planned time.
  if (event.state.name === 'AwaitImage' || event.state.name === 'WaitForImage')
    return Number((input.image as { nextWaitSeconds?: number }).nextWaitSeconds ?? 0);
  if (event.state.name === 'WaitForParameter') return Number((input.published as { nextWaitSeconds?: number }).nextWaitSeconds ?? 0);
  return 0;
};

export const measureDistribution = async (): Promise<DistributionCost> => {
  const distribute = { regions: COPIES.map(({ region, kmsKeyId }) => ({ region, ...(kmsKeyId ? { kmsKeyId } : {}) })) };
  const emulator = await startEmulator({ iam: localIam(LOCAL_ACCOUNT_ID, SOURCE, { distribute: JSON.stringify(distribute) }) });
  const before = process.env.ROTATOR_DISTRIBUTE;
  process.env.ROTATOR_DISTRIBUTE = JSON.stringify(distribute);
  try {
    emulator.seed(demoAccount(new Date()));
    emulator.seed({ kmsKeys: [{ keyId: KEY_ID }] }, 'ap-southeast-2');
    // Each wait looks twice (AwaitImage after storing its token, CheckImage at the deadline): an image seen at the
    // backoff's k-th check settles at look 2k. Copies are in other regions, whose events the stack's rule never sees.
    const settleAt = (minutes: number) => 2 * checksFor(minutes).checks - 1;
    emulator.options.pendingPolls = settleAt(10);
    emulator.options.pendingPollsIn = Object.fromEntries(COPIES.map((c) => [c.region, settleAt(c.minutes)]));
    const run = await runRotationLocally({
      input: { family: DEMO_FAMILY, instanceId: DEMO_INSTANCE_ID, publish: { parameter: '/golden/web-prod/latest' } },
      clients: (role, region) => emulatorClients(emulator.url, region ? { AWS_REGION: region } : {}, role),
    });
    if (run.status !== 'SUCCEEDED') throw new Error(`the distribution benchmark failed: ${run.error} ${run.cause}`);
    const entered = run.events.filter((e): e is Entered => e.type === 'StateEntered');
    const minutesIn = (region: string, state?: string) => {
      const waits = entered.filter((e) => regionOf(e) === region && (state === undefined || e.state.name === state));
      return round(waits.reduce((sum, e) => sum + waitSeconds(e), 0) / 60);
    };
    const regions = COPIES.map((c) => ({
      region: c.region,
      copyMinutes: c.minutes,
      waitedMinutes: minutesIn(c.region),
      transitions: entered.filter((e) => regionOf(e) === c.region).length,
      calls: emulator.requests.filter((r) => r.region === c.region).length,
    }));
    // At once: every copy was started before any region's copy was first looked at.
    const inCopies = emulator.requests.filter((r) => r.region !== SOURCE);
    // A look at a copy names it (ImageId.1); the family's history listing after each CopyImage filters by tag.
    const firstLook = inCopies.findIndex((r) => r.action === 'DescribeImages' && r.params.ImageId !== undefined);
    const lastCopy = inCopies.map((r) => r.action).lastIndexOf('CopyImage');
    const copyWaits = regions.map((r) => r.waitedMinutes);
    return {
      regions,
      sourceMinutes: minutesIn(SOURCE),
      distributionMinutes: Math.max(...copyWaits),
      sequentialMinutes: round(
        copyWaits.reduce((a, b) => a + b, 0),
        1,
      ),
      slowestCopyMinutes: Math.max(...regions.map((r) => minutesIn(r.region, 'AwaitImage'))),
      concurrent: lastCopy >= 0 && firstLook > lastCopy && regions.every((r) => r.calls > 0),
      transitions: run.transitions,
    };
  } finally {
    if (before === undefined) delete process.env.ROTATOR_DISTRIBUTE;
    else process.env.ROTATOR_DISTRIBUTE = before;
    await emulator.close();
  }
};

export interface CopyEventRun {
  /** The forwarding stack (infra/region-events-stack.yml) deployed in every copy region, or in none (the sweeper alone). */
  events: 'forwarded' | 'not forwarded';
  /** Per region: its copy's time, and how long after it was available the workflow saw it (emulator's clock). */
  regions: { region: string; copyMinutes: number; lateSeconds: number }[];
  /** DistributeImage from its start to its end, every region's publish and prune included (emulator's clock). */
  distributionMinutes: number;
  slowestCopyMinutes: number;
}

/**
 * The same three copies on the emulator's clock (time mode: each copy takes its minutes, which pass while the workflow
 * waits; SweepWaits looks at each whole minute), with the copy regions' AMI events forwarded to the stack's region and
 * without: when each copy is seen after it is available, and how long the distribution takes against its slowest copy.
 */
export const measureCopyEvents = async (): Promise<CopyEventRun[]> => {
  const distribute = { regions: COPIES.map(({ region, kmsKeyId }) => ({ region, ...(kmsKeyId ? { kmsKeyId } : {}) })) };
  const started = Date.now();
  const emulator = await startEmulator({
    iam: localIam(LOCAL_ACCOUNT_ID, SOURCE, { distribute: JSON.stringify(distribute) }),
    now: () => new Date(started),
    imageSeconds: 10 * 60,
  });
  emulator.onEvent(amiEventRule.deliver);
  const before = process.env.ROTATOR_DISTRIBUTE;
  process.env.ROTATOR_DISTRIBUTE = JSON.stringify(distribute);
  const runs: CopyEventRun[] = [];
  try {
    for (const events of ['forwarded', 'not forwarded'] as const) {
      emulator.reset();
      emulator.options.imageSecondsIn = Object.fromEntries(COPIES.map((c) => [c.region, c.minutes * 60]));
      emulator.seed(demoAccount(new Date()));
      emulator.seed({ kmsKeys: [{ keyId: KEY_ID }] }, 'ap-southeast-2');
      amiEventRule.forwardFrom(events === 'forwarded' ? COPIES.map((c) => c.region) : []);
      // When each image's wait ended (the workflow saw it): CompleteWait on its event, or SweepWaits at a look. The
      // resumed iteration's next state may be entered later on the shared clock, which the other waits move meanwhile.
      const seen = new Map<string, number>();
      let [mapStarted, mapEnded] = [0, 0];
      const run = await runRotationLocally({
        input: { family: DEMO_FAMILY, instanceId: DEMO_INSTANCE_ID, publish: { parameter: '/golden/web-prod/latest' } },
        clients: (role, region) => emulatorClients(emulator.url, region ? { AWS_REGION: region } : {}, role),
        passTime: (seconds) => emulator.passTime(seconds),
        now: () => emulator.options.now(),
        interceptInvoke: async (name, invoke) => {
          const result = (await invoke()) as { outcome?: string; subject?: string; ended?: { imageId: string; why: string }[] };
          const at = emulator.options.now().getTime();
          if (name === 'complete-wait' && result?.outcome === 'completed' && result.subject && !seen.has(result.subject))
            seen.set(result.subject, at);
          if (name === 'sweep-waits')
            for (const ended of result?.ended ?? []) if (ended.why === 'settled' && !seen.has(ended.imageId)) seen.set(ended.imageId, at);
          return result;
        },
        onEvent: (event) => {
          const state = (event as { state?: { name?: string } }).state;
          const at = emulator.options.now().getTime();
          // An event that ended a wait did so when EC2 sent it: the rule delivers it at once (no delivery faults here).
          for (const d of amiEventRule.deliveries) if (d.endedWait && !seen.has(d.subject)) seen.set(d.subject, Date.parse(d.time));
          if (event.type === 'StateEntered' && state?.name === 'DistributeImage') mapStarted = at;
          if (event.type === 'StateExited' && state?.name === 'DistributeImage') mapEnded = at;
        },
      });
      if (run.status !== 'SUCCEEDED') throw new Error(`the copy-event benchmark failed: ${run.error} ${run.cause}`);
      runs.push({
        events,
        regions: COPIES.map((c) => {
          // When the copy became available: the emulator's own record of it (time mode).
          const copy = [...emulator.storeIn(c.region).images.values()].find((i) => i.readyAt !== undefined);
          const seenAt = seen.get(copy?.imageId ?? '') ?? Number.POSITIVE_INFINITY;
          return {
            region: c.region,
            copyMinutes: c.minutes,
            lateSeconds: Math.floor(seenAt / 1000) - Math.floor((copy?.readyAt ?? 0) / 1000),
          };
        }),
        distributionMinutes: round((mapEnded - mapStarted) / 60_000),
        slowestCopyMinutes: Math.max(...COPIES.map((c) => c.minutes)),
      });
    }
  } finally {
    amiEventRule.forwardFrom([]);
    if (before === undefined) delete process.env.ROTATOR_DISTRIBUTE;
    else process.env.ROTATOR_DISTRIBUTE = before;
    await emulator.close();
  }
  return runs;
};
