/**
 * The reliability suite for distribution: rotations into two other regions under faults, with the invariants of a
 * copy checked after every run: never two copies in a region for one execution, no copy left pending (or left at all
 * in a region that failed), one alert per failed execution, and no region pruned after its copy failed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runRotationLocally } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { roleClientsFor } from '../support/emulator.ts';
import { input } from '../support/workflow.ts';
import { oldCopies, REGIONS, SCHEDULES, seed, tagsOf, useDistributionEmulator } from './distribution-run.ts';

const emulator = useDistributionEmulator();
const counts = { schedules: 0, survived: 0 };
afterAll(() => {
  console.log(`reliability (distribution): fault schedules ${counts.survived}/${counts.schedules} survived`);
});

describe('distribution under faults', () => {
  it.each(SCHEDULES.map((s) => [s.name, s] as const))('%s: ends in a known state with every invariant kept', async (_name, schedule) => {
    counts.schedules += 1;
    seed(emulator());
    if (schedule.faults) emulator().injectFaults(schedule.faults);

    const run = await runRotationLocally({
      input: input({ publish: { parameter: '/golden/web-prod/latest' } }),
      // The standard mode and 3 attempts, so faults reach the state machine's retries; two for a region that is down.
      clients: roleClientsFor(emulator(), { AWS_RETRY_MODE: 'standard', AWS_MAX_ATTEMPTS: schedule.name === 'a region down' ? '2' : '3' }),
      ...schedule.options,
    });

    if (schedule.expect !== 'EITHER') expect(run.status).toBe(schedule.expect);
    expect(run.alerts).toHaveLength(run.status === 'FAILED' ? 1 : 0);
    for (const region of REGIONS) {
      const images = [...emulator().storeIn(region).images.values()];
      const ours = images.filter((i) => tagsOf(i)[TAG.execution] === run.executionArn);
      // Never two copies in a region for one execution; none left pending.
      expect([region, ours.length <= 1, ours.every((i) => i.state === 'available')]).toEqual([region, true, true]);
      const copied = ours.length === 1;
      if (schedule.failing?.includes(region)) expect([region, copied]).toEqual([region, false]);
      // A region is pruned only after its copy succeeded: otherwise every old copy is still there.
      const old = oldCopies(region).filter((id) => images.some((i) => i.imageId === id));
      expect([region, old.length]).toEqual([region, copied ? 1 : 3]);
    }
    if (run.status === 'FAILED') expect(run.alerts[0]?.subject).toMatch(/copy failed in|failed at/);
    counts.survived += 1;
  });
});
