import { describe, expect, it } from 'vitest';
import * as amiEventRule from '../../local/ami-event-rule.ts';
import { SAFETY_NET_SECONDS } from '../../src/rotation/backoff.ts';
import { useEmulator } from '../support/emulator.ts';
import { timedRotation } from '../support/timed-rotation.ts';
import { FAMILY, leftBy, seedInstance, statesEntered } from '../support/workflow.ts';

// Time mode: a new image takes 30 minutes of the emulator's clock, which passes while a callback task waits.
const IMAGE_SECONDS = 1800;
// The emulator's clock stands still but for the time the waits let pass: what the workflow saw is exact.
const STARTED = Date.now();
const emulator = useEmulator({ imageSeconds: IMAGE_SECONDS, now: () => new Date(STARTED) });
process.env.ROTATOR_LOG_LEVEL = 'silent';

const rotate = () => timedRotation(emulator());

describe('waiting for an image on its event', () => {
  it("sees the image the moment EC2's event says it is available, not at the next check", async () => {
    seedInstance(emulator());

    const { run, seenAfter, endings } = await rotate();

    expect(run.status).toBe('SUCCEEDED');
    expect(seenAfter).toBe(IMAGE_SECONDS);
    // One wait: SweepWaits looked at 120, 360, 840 and 1,440 s (pending) without a transition; the event ended it.
    expect(endings).toEqual(['event: available']);
    expect(statesEntered(run.events, 'CheckImage')).toBe(1);
    expect(amiEventRule.deliveries.filter((d) => d.state === 'available').at(-1)?.copies).toBe(1);
  });

  it("with every event lost, SweepWaits sees it at the backoff's check: as polling did, in one wait", async () => {
    seedInstance(emulator());
    amiEventRule.setFaults({ drop: 1 });

    const { run, seenAfter, endings } = await rotate();

    expect(run.status).toBe('SUCCEEDED');
    // The backoff's checks: 120 + 240 + 480 + 600 + 600 = 2,040 s, the first check after 1,800 s.
    expect(seenAfter).toBe(2040);
    expect(endings).toEqual(['sweep: available']);
    // Polling entered CheckImage five times; the sweeper's four looks at a pending image cost no transition.
    expect(statesEntered(run.events, 'CheckImage')).toBe(1);
  });

  it('with the events and the sweeper both gone quiet, the deadline ends the wait: the image is seen within the hour', async () => {
    seedInstance(emulator());
    amiEventRule.setFaults({ drop: 1 });

    const { run, seenAfter, endings } = await timedRotation(emulator(), {
      interceptInvoke: (file, invoke) => (file === 'sweep-waits' ? Promise.reject(new Error('sweeper down')) : invoke()),
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(seenAfter).toBe(SAFETY_NET_SECONDS);
    expect(endings).toEqual(['States.Timeout']);
  });

  it('hands a wait back to the state machine before its deadline, and fails an image that never settles at the wait cap', async () => {
    seedInstance(emulator());
    emulator().injectFaults({ imageFates: [{ nameContains: FAMILY, fate: 'stuck' }] });
    amiEventRule.setFaults({ drop: 1 });

    const { run, endings } = await rotate();

    expect(run).toMatchObject({ status: 'FAILED', error: 'ImageCreationTimedOut' });
    // Four hours of the default cap: the sweeper hands each wait back before its hour, never the deadline.
    expect(endings.length).toBeLessThanOrEqual(5);
    expect(endings.every((e) => e === 'sweep: pending')).toBe(true);
    expect(run.cause).toMatch(/still pending after 14400 s of waiting/);
    expect(run.alerts).toHaveLength(1);
  });

  it('takes a duplicated event as one: the second finds the wait over, the image is tagged once', async () => {
    seedInstance(emulator());
    amiEventRule.setFaults({ duplicate: 1 });

    const { run, seenAfter } = await rotate();

    expect(run.status).toBe('SUCCEEDED');
    expect(seenAfter).toBe(IMAGE_SECONDS);
    expect(statesEntered(run.events, 'TagImage')).toBe(1);
    // The event that ended the wait was delivered twice: the second found the task over and the wait removed.
    const [image] = [...emulator().store.images.values()];
    expect(amiEventRule.deliveries.filter((d) => d.subject === image?.imageId && d.state === 'available').map((d) => d.copies)).toEqual([
      2,
    ]);
  });

  it('cleans up an image whose event says failed, with the one alert of today', async () => {
    seedInstance(emulator());
    emulator().injectFaults({ imageFates: [{ nameContains: FAMILY, fate: 'failed' }] });

    const { run, endings } = await rotate();

    expect(run).toMatchObject({ status: 'FAILED', error: 'ImageCreationFailed' });
    expect(endings.at(-1)).toBe('event: failed');
    expect(run.alerts).toHaveLength(1);
    expect(leftBy(emulator(), run.executionArn)).toEqual({ images: [], snapshots: [] });
  });

  it("checks a family's image first when its history says it is usually ready: with every event lost, on time", async () => {
    seedInstance(emulator());
    const day = 86_400_000;
    // Five earlier images of the family, each seen available 30 minutes after EC2 created it.
    emulator().seed({
      images: [1, 2, 3, 4, 5].map((n) => {
        const created = new Date(Date.now() - n * day);
        return {
          name: `${FAMILY}-earlier-${n}`,
          creationDate: created.toISOString(),
          tags: {
            'ami-rotator:managed': 'true',
            'ami-rotator:family': FAMILY,
            'ami-rotator:completed-at': new Date(created.getTime() + IMAGE_SECONDS * 1000).toISOString(),
          },
        };
      }),
    });
    amiEventRule.setFaults({ drop: 1 });

    const { run, seenAfter, endings } = await rotate();

    expect(run.status).toBe('SUCCEEDED');
    expect(seenAfter).toBe(IMAGE_SECONDS);
    // The sweeper's first check is at the family's usual 1,800 s, not the backoff's 120.
    expect(endings).toEqual(['sweep: available']);
    expect(statesEntered(run.events, 'CheckImage')).toBe(1);
  });

  it('falls back to polling when the wait table cannot be written, and loses no wait', async () => {
    seedInstance(emulator());
    const table = process.env.ROTATOR_WAIT_TABLE;
    process.env.ROTATOR_WAIT_TABLE = 'no-such-table';

    const { run, seenAfter, endings } = await rotate().finally(() => {
      process.env.ROTATOR_WAIT_TABLE = table;
    });

    expect(run.status).toBe('SUCCEEDED');
    // AwaitImage says WaitNotRegistered each time, and the plain Wait polls on the backoff's schedule.
    expect(seenAfter).toBe(2040);
    expect(endings).toEqual(Array(5).fill('WaitNotRegistered'));
    expect(statesEntered(run.events, 'WaitForImage')).toBe(5);
  });
});
