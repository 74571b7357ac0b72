/**
 * Rotations whose waits end on EC2's events, with the events dropped, duplicated, delayed and reordered at random
 * (the emulator's clock passes while the workflow waits, SweepWaits runs every minute of it; some images fail): every
 * image is seen, none is tagged twice, in one wait (the sweeper's checks cost no transitions), no execution waits past
 * its image's readiness plus the backoff's longest wait, and each failure sends one alert.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../emulator/faults.ts';
import * as amiEventRule from '../../local/ami-event-rule.ts';
import { DEFAULT_WAIT } from '../../src/rotation/backoff.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { timedRotation } from '../support/timed-rotation.ts';
import { FAMILY, seedInstance } from '../support/workflow.ts';

// The emulator's clock stands still but for the time the waits let pass: what the workflow saw is exact.
const STARTED = Date.now();
const emulator = useEmulator({ imageSeconds: 600, now: () => new Date(STARTED) });
process.env.ROTATOR_LOG_LEVEL = 'silent';
const ROTATIONS = 12;

describe('event-driven waits under event faults', () => {
  it(`sees every image once, on time, over ${ROTATIONS} rotations with events dropped, repeated, delayed and reordered`, async () => {
    const random = seededRandom(29);
    const problems: string[] = [];
    let byEvent = 0;
    let failed = 0;
    for (let n = 0; n < ROTATIONS; n += 1) {
      emulator().reset();
      seedInstance(emulator());
      const minutes = [5, 12, 30, 47][n % 4] as number;
      emulator().options.imageSeconds = minutes * 60;
      const fails = n % 6 === 5;
      if (fails) emulator().injectFaults({ imageFates: [{ nameContains: FAMILY, fate: 'failed' }] });
      amiEventRule.setFaults({ drop: random() * 0.6, duplicate: random() * 0.6, maxDelayMs: Math.floor(random() * 30), seed: n });
      const { run, seenAfter, endings } = await timedRotation(emulator());
      const late = seenAfter - minutes * 60;
      const endedByEvent = endings.some((e) => e.startsWith('event:'));
      if (endedByEvent) byEvent += 1;
      const tagged = emulator().requests.filter(
        (r) => r.action === 'CreateTags' && r.acted && JSON.stringify(r.params).includes(TAG.completedAt),
      ).length;
      if (fails) {
        failed += 1;
        if (run.status !== 'FAILED' || run.error !== 'ImageCreationFailed')
          problems.push(`#${n}: a failed image ended ${run.status} ${run.error}`);
        if (run.alerts.length !== 1) problems.push(`#${n}: ${run.alerts.length} alerts for a failed image`);
      } else {
        if (run.status !== 'SUCCEEDED') problems.push(`#${n}: ${run.status} ${run.error}`);
        if (tagged !== 1) problems.push(`#${n}: the image was tagged complete ${tagged} times`);
      }
      if (!(late >= 0 && late <= DEFAULT_WAIT.maxSeconds + 1)) problems.push(`#${n}: seen ${late} s after ready (${minutes} min)`);
      if (endings.length !== 1) problems.push(`#${n}: ${endings.length} waits (${endings.join(', ')}) for a ${minutes}-minute image`);
    }

    expect(problems).toEqual([]);
    expect(failed).toBeGreaterThan(0);
    // Some waits were ended by an event, some (their events dropped) by SweepWaits's check.
    expect(byEvent).toBeGreaterThan(ROTATIONS / 4);
    expect(byEvent).toBeLessThan(ROTATIONS);
    expect(amiEventRule.deliveries.some((d) => d.copies === 2)).toBe(true);
    expect(amiEventRule.deliveries.some((d) => d.copies === 0)).toBe(true);
  }, 120_000);
});
