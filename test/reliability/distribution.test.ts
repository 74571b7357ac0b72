/**
 * The reliability suite for distribution: rotations into two other regions under faults, with the invariants of a
 * copy checked after every run: never two copies in a region for one execution, no copy left pending (or left at all
 * in a region that failed), one alert per failed execution, and no region pruned after its copy failed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../emulator/faults.ts';
import type { Ec2Emulator } from '../../emulator/server.ts';
import { localIam } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID, type LocalRunOptions, runRotationLocally } from '../../local/workflow.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { roleClientsFor, useEmulator } from '../support/emulator.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';
import { dieAfter, MANAGED } from './runs.ts';

const KEY_ID = '0d000000-0000-4000-8000-00000000c001';
const KEY = `arn:aws:kms:ap-southeast-2:${LOCAL_ACCOUNT_ID}:key/${KEY_ID}`;
const REGIONS = ['eu-west-1', 'ap-southeast-2'] as const;
/** Each region keeps its newest 2: with the new copy, its two older copies of three expire when the copy succeeds. */
const DISTRIBUTE = {
  regions: [
    { region: 'eu-west-1', retention: { keepLast: 2, maxAgeDays: null } },
    { region: 'ap-southeast-2', kmsKeyId: KEY, retention: { keepLast: 2, maxAgeDays: null } },
  ],
};
const emulator = useEmulator({ iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { distribute: JSON.stringify(DISTRIBUTE) }) });
const counts = { schedules: 0, survived: 0 };
beforeAll(() => {
  process.env.ROTATOR_DISTRIBUTE = JSON.stringify(DISTRIBUTE);
});
beforeEach(() => {
  process.env.ROTATOR_LOG_LEVEL = 'silent';
});
afterAll(() => {
  delete process.env.ROTATOR_DISTRIBUTE;
  console.log(`reliability (distribution): fault schedules ${counts.survived}/${counts.schedules} survived`);
});

const oldCopies = (region: string) => [1, 2, 3].map((n) => `ami-0${region === 'eu-west-1' ? 'e' : 'a'}${String(n).padStart(15, '0')}`);
const seed = (e: Ec2Emulator) => {
  seedInstance(e);
  for (const region of REGIONS)
    e.seed(
      {
        images: oldCopies(region).map((imageId, n) => ({
          imageId,
          name: `${FAMILY}-old-${n + 1}`,
          creationDate: new Date(Date.now() - (n + 1) * DAY_MS).toISOString(),
          tags: MANAGED,
        })),
        ...(region === 'ap-southeast-2' ? { kmsKeys: [{ keyId: KEY_ID }] } : {}),
      },
      region,
    );
};

interface Schedule {
  name: string;
  faults?: FaultPlan;
  options?: Partial<LocalRunOptions>;
  expect: 'SUCCEEDED' | 'FAILED' | 'EITHER';
  /** Regions whose copy must fail under this schedule. */
  failing?: string[];
}

const SCHEDULES: Schedule[] = [
  { name: 'no fault', expect: 'SUCCEEDED' },
  {
    name: 'lost CopyImage responses in every region',
    faults: { rules: [{ actions: ['CopyImage'], code: 'InternalError', when: 'after', times: 2 }] },
    expect: 'SUCCEEDED',
  },
  {
    name: 'throttling: 30% of calls in every region',
    faults: { seed: 7, rules: [{ code: 'RequestLimitExceeded', rate: 0.3 }] },
    expect: 'EITHER',
  },
  { name: 'a region down', faults: { rules: [{ code: 'Unavailable', region: 'eu-west-1' }] }, expect: 'FAILED', failing: ['eu-west-1'] },
  { name: 'the copy Lambda dies after CopyImage', options: { interceptInvoke: dieAfter('copy-image') }, expect: 'SUCCEEDED' },
  { name: 'a disabled key', faults: { disabledKeys: [KEY] }, expect: 'FAILED', failing: ['ap-southeast-2'] },
  {
    name: 'a copy that fails in one region',
    faults: { imageFates: [{ nameContains: FAMILY, fate: 'failed', region: 'eu-west-1' }] },
    expect: 'FAILED',
    failing: ['eu-west-1'],
  },
];

const tagsOf = (i: { tags: { key: string; value: string }[] }) => Object.fromEntries(i.tags.map((t) => [t.key, t.value]));

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
