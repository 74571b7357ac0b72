/**
 * Waiting for an image on EC2's event, against today's polling: the emulator in time mode (an image takes 5, 30 or 120
 * minutes of its clock, which passes while the workflow waits), the real state machine, the local wait table and rule.
 * Four ways for each duration: events delivered or every one lost, with or without the family's history (five earlier
 * images that took as long). SweepWaits runs at each whole minute of the emulator's clock, as its schedule would.
 * Reports when the image was seen past its readiness, the state machine's checks and SweepWaits's looks, the wait's
 * transitions (AwaitImage, CheckImage, IsImageReady, WaitForImage) and the rotation's; and the backoff's polling as it was.
 * The wait table is the bench's (bench/run.ts starts it before any rotation).
 */
import { startEmulator } from '../emulator/server.ts';
import * as amiEventRule from '../local/ami-event-rule.ts';
import { emulatorClients, localIam } from '../local/clients.ts';
import { DEMO_FAMILY, DEMO_INSTANCE_ID, demoAccount } from '../local/demo-account.ts';
import { LOCAL_ACCOUNT_ID, runRotationLocally } from '../local/workflow.ts';
import { TAG } from '../src/rotation/tags.ts';
import { checksFor } from './api-cost.ts';

export interface WaitRun {
  minutes: number;
  events: 'delivered' | 'lost';
  history: boolean;
  /** Seconds between the image becoming available and the workflow seeing it. */
  lateSeconds: number;
  checks: number;
  /** SweepWaits's looks at the image (DescribeImages by image-id filter): no state transitions. */
  sweeperLooks: number;
  waitTransitions: number;
  transitions: number;
}

export interface EventWaits {
  runs: WaitRun[];
  /** Today's polling (the backoff alone), for each duration: checks, when seen (s late) and the rotation's transitions. */
  polling: { minutes: number; checks: number; lateSeconds: number; transitions: number }[];
}

const WAIT_STATES = new Set(['AwaitImage', 'CheckImage', 'IsImageReady', 'WaitForImage']);

export const measureEventWaits = async (): Promise<EventWaits> => {
  // The clock stands still but for the time the waits let pass.
  const started = Date.now();
  const emulator = await startEmulator({ iam: localIam(LOCAL_ACCOUNT_ID), now: () => new Date(started) });
  emulator.onEvent(amiEventRule.deliver);
  const runs: WaitRun[] = [];
  try {
    for (const minutes of [5, 30, 120])
      for (const history of [false, true])
        for (const events of ['delivered', 'lost'] as const) {
          emulator.reset();
          const now = new Date();
          const account = demoAccount(now);
          // The demo family's earlier images, stripped of (or given) the completion time that makes its history.
          emulator.seed({
            ...account,
            images: account.images?.map((i) => {
              const { [TAG.completedAt]: _, ...tags } = (i.tags ?? {}) as Record<string, string>;
              const created = Date.parse(i.creationDate ?? now.toISOString());
              return history
                ? { ...i, tags: { ...tags, [TAG.completedAt]: new Date(created + minutes * 60_000).toISOString() } }
                : { ...i, tags };
            }),
          });
          emulator.options.imageSeconds = minutes * 60;
          amiEventRule.setFaults(events === 'lost' ? { drop: 1 } : {});
          let created = 0;
          let seen = 0;
          const run = await runRotationLocally({
            input: { family: DEMO_FAMILY, instanceId: DEMO_INSTANCE_ID },
            clients: (role, region) => emulatorClients(emulator.url, region ? { AWS_REGION: region } : {}, role),
            passTime: (seconds) => emulator.passTime(seconds),
            now: () => emulator.options.now(),
            onEvent: (event) => {
              const name = (event as { state?: { name?: string } }).state?.name;
              if (event.type === 'StateEntered' && name === 'ImageInSourceRegion') created = emulator.options.now().getTime();
              if (event.type === 'StateEntered' && name === 'TagImage') seen = emulator.options.now().getTime();
            },
          });
          if (run.status !== 'SUCCEEDED') throw new Error(`the event-wait rotation failed: ${run.error} ${run.cause}`);
          const entered = run.events.filter((e) => e.type === 'StateEntered').map((e) => (e as { state: { name: string } }).state.name);
          runs.push({
            minutes,
            events,
            history,
            lateSeconds: Math.max(0, Math.floor((seen - created) / 1000) - minutes * 60),
            checks: entered.filter((n) => n === 'CheckImage').length,
            sweeperLooks: emulator.requests.filter((r) => r.action === 'DescribeImages' && JSON.stringify(r.params).includes('"image-id"'))
              .length,
            waitTransitions: entered.filter((n) => WAIT_STATES.has(n)).length,
            transitions: run.transitions,
          });
        }
  } finally {
    amiEventRule.setFaults({});
    delete emulator.options.imageSeconds;
    await emulator.close();
  }
  // Today's polling: the same rotation's other states, plus three transitions a check.
  const base = runs.find((r) => r.minutes === 30 && r.events === 'lost' && !r.history);
  const others = base ? base.transitions - base.waitTransitions : 0;
  const polling = [5, 30, 120].map((minutes) => {
    const { checks, seenAfter } = checksFor(minutes);
    return { minutes, checks, lateSeconds: Math.round(seenAfter * 60 - minutes * 60), transitions: others + 3 * checks };
  });
  return { runs, polling };
};
