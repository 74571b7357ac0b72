/**
 * A copy region's AMI events: they reach the stack's rule only where the forwarding stack (infra/region-events-stack.yml)
 * is deployed in that region; then a copy is seen the moment it is available, as the source image is; without it the
 * sweeper finds it at the backoff's next look.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as amiEventRule from '../../local/ami-event-rule.ts';
import { localIam } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID, runRotationLocally } from '../../local/workflow.ts';
import { useEmulator } from '../support/emulator.ts';
import { waitEndings } from '../support/timed-rotation.ts';
import { input, seedInstance } from '../support/workflow.ts';

// Time mode: every image, the copy too, takes 30 minutes of the emulator's clock.
const IMAGE_SECONDS = 1800;
const STARTED = Date.now();
const DISTRIBUTE = { regions: [{ region: 'eu-west-1' }] };
const emulator = useEmulator({
  iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { distribute: JSON.stringify(DISTRIBUTE) }),
  imageSeconds: IMAGE_SECONDS,
  now: () => new Date(STARTED),
});
beforeAll(() => {
  process.env.ROTATOR_DISTRIBUTE = JSON.stringify(DISTRIBUTE);
});
afterAll(() => {
  delete process.env.ROTATOR_DISTRIBUTE;
});

/** A rotation copying to eu-west-1; when the copy was seen, in seconds after its region's workflow started. */
const rotate = async () => {
  seedInstance(emulator());
  const entered: [string, string, number][] = [];
  const run = await runRotationLocally({
    input: input({ distribute: DISTRIBUTE }),
    passTime: (seconds) => emulator().passTime(seconds),
    now: () => emulator().options.now(),
    onEvent: (event) => {
      const state = (event as { state?: { name?: string; input?: { region?: string } } }).state;
      if (event.type === 'StateEntered' && state?.name)
        entered.push([state.name, state.input?.region ?? '', emulator().options.now().getTime()]);
    },
  });
  const inCopy = entered.filter(([, region]) => region === 'eu-west-1');
  const started = inCopy.find(([name]) => name === 'AwaitImage')?.[2] ?? 0;
  const seen = inCopy.find(([name]) => name === 'TagImage')?.[2] ?? 0;
  return { run, copySeenAfter: Math.floor((seen - started) / 1000), endings: waitEndings(run, 'AwaitImage') };
};

describe("a copy region's AMI events", () => {
  it("end the copy's wait the moment it is available where the forwarding stack is deployed", async () => {
    amiEventRule.forwardFrom(['eu-west-1']);

    const { run, copySeenAfter, endings } = await rotate();

    expect(run.status).toBe('SUCCEEDED');
    expect(endings).toEqual(['event: available', 'event: available']);
    expect(copySeenAfter).toBeLessThanOrEqual(IMAGE_SECONDS + 60);
  });

  it("never reach the stack's rule without it: the sweeper sees the copy at the backoff's next look", async () => {
    const { run, copySeenAfter, endings } = await rotate();

    expect(run.status).toBe('SUCCEEDED');
    expect(endings).toEqual(['event: available', 'sweep: available']);
    expect(copySeenAfter).toBeGreaterThan(IMAGE_SECONDS + 60);
  });
});
