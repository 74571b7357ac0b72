/**
 * Re-runs of every distribution fault schedule under the same execution name, the re-run's copies refused: what the
 * first run published is kept, one copy per region, each region's floor, no region pruned that the first run did not
 * copy to (distribution-run.ts has the schedules).
 */
import { describe, expect, it } from 'vitest';
import { runRotationLocally } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { roleClientsFor } from '../support/emulator.ts';
import { input } from '../support/workflow.ts';
import { oldCopies, REGIONS, SCHEDULES, seed, tagsOf, useDistributionEmulator } from './distribution-run.ts';

const emulator = useDistributionEmulator();

describe('distribution re-run under the same execution name', () => {
  // Every schedule, whatever its first run did: a re-run of the same input may follow any outcome.
  it.each(SCHEDULES.map((s) => [s.name, s] as const))(
    '%s, then the same input again under the same execution name, its copies refused: nothing published removed, one copy per region, no region pruned that the first run did not reach, the completion time of the source kept',
    async (_name, schedule) => {
      seed(emulator());
      if (schedule.faults) emulator().injectFaults(schedule.faults);
      const again = { input: input({ publish: { parameter: '/golden/web-prod/latest' } }), executionName: 'nightly-rerun' };
      const clients = roleClientsFor(emulator(), { AWS_RETRY_MODE: 'standard', AWS_MAX_ATTEMPTS: '2' });
      const first = await runRotationLocally({ ...again, clients, ...schedule.options });
      emulator().injectFaults({});
      const publishedFirst = Object.fromEntries(
        REGIONS.map((r) => [r, emulator().storeIn(r).parameters.get('/golden/web-prod/latest')?.value]),
      );
      // The regions whose copy the first run made: only they may have been pruned.
      const copiedFirst = Object.fromEntries(
        REGIONS.map((r) => [
          r,
          [...emulator().storeIn(r).images.values()].some(
            (i) => tagsOf(i)[TAG.execution] === first.executionArn && i.state === 'available',
          ),
        ]),
      );
      const completedAt = () =>
        [...emulator().store.images.values()].map(tagsOf).find((tags) => tags[TAG.execution] === first.executionArn)?.[TAG.completedAt];
      const completedFirst = completedAt();
      // The re-run's copies fail for good, everywhere: its clean-up must not take what the first run made and published.
      emulator().injectFaults({ rules: [{ actions: ['CopyImage'], code: 'InvalidParameterValue' }] });

      const second = await runRotationLocally({ ...again, clients });

      for (const region of REGIONS) {
        const images = [...emulator().storeIn(region).images.values()];
        const ours = images.filter((i) => tagsOf(i)[TAG.execution] === second.executionArn);
        const published = emulator().storeIn(region).parameters.get('/golden/web-prod/latest')?.value;
        // What the first run published is still there (the re-run may publish a newer one), and one copy per region.
        if (publishedFirst[region] !== undefined)
          expect([region, images.some((i) => i.imageId === publishedFirst[region] && i.state === 'available')]).toEqual([region, true]);
        expect([region, ours.length <= 1, published === undefined || images.some((i) => i.imageId === published)]).toEqual([
          region,
          true,
          true,
        ]);
        // The region's floor (keepLast 2): never fewer than two available images of the family.
        expect([region, images.filter((i) => i.state === 'available').length >= 2]).toEqual([region, true]);
        // A region the first run did not copy to, whose re-run copy fails: not pruned by either.
        if (!copiedFirst[region])
          expect([region, oldCopies(region).filter((id) => images.some((i) => i.imageId === id)).length]).toEqual([region, 3]);
      }
      expect([first.executionArn === second.executionArn, second.alerts.length <= 1]).toEqual([true, true]);
      // The source image keeps the time the run that saw it become available tagged it with (its history, its usual duration).
      expect([completedFirst !== undefined, completedAt()]).toEqual([true, completedFirst]);
    },
  );
});
