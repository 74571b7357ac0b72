import { describe, expect, it } from 'vitest';
import { runRotationLocally } from '../../local/workflow.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { MAX_USAGE_REPORT_WAITS } from '../../src/retention/step.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';
const CONSUMER = '111122223333';
const OU = 'arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56';
const managed = { [TAG.managed]: 'true', [TAG.family]: FAMILY };
const old = (n: number, extra: Record<string, unknown> = {}) => ({
  imageId: `ami-0b${String(n).padStart(15, '0')}`,
  name: `${FAMILY}-old-${n}`,
  creationDate: new Date(Date.now() - (n + 10) * DAY_MS).toISOString(),
  tags: managed,
  ...extra,
});

describe('a rotation that shares its image', () => {
  it('tags the new image shared, then gives its launch permission to the accounts and OUs asked, before publishing', async () => {
    seedInstance(emulator());

    const run = await runRotationLocally({
      input: input({
        distribute: { share: { accounts: [CONSUMER], organizationalUnits: [OU] } },
        publish: { parameter: '/golden/web-prod/latest' },
      }),
    });

    expect(run.status).toBe('SUCCEEDED');
    const [image] = [...emulator().store.images.values()];
    expect(image?.launchPermissions).toEqual([{ userId: CONSUMER }, { organizationalUnitArn: OU }]);
    expect(image?.tags).toContainEqual({ key: TAG.shared, value: 'true' });
    const modify = emulator().requests.findIndex((r) => r.action === 'ModifyImageAttribute');
    const put = emulator().requests.findIndex((r) => r.action === 'PutParameter');
    expect(modify).toBeGreaterThan(-1);
    expect(modify).toBeLessThan(put);
  });

  const reasonOf = (run: Awaited<ReturnType<typeof runRotationLocally>>, n: number) =>
    (run.output as { prune: { plan: { imageId: string; reason: string }[] } }).prune.plan.find((d) => d.imageId === old(n).imageId)?.reason;
  const entered = (run: Awaited<ReturnType<typeof runRotationLocally>>, name: string) =>
    run.events.filter((e) => e.type === 'StateEntered' && (e as { state: { name: string } }).state.name === name).length;
  const night = () => runRotationLocally({ input: input({ retention: { keepLast: 2, maxAgeDays: null } }) });
  const sharedOld = (n: number, extra: Record<string, unknown> = {}) =>
    old(n, {
      tags: { ...managed, [TAG.shared]: 'true' },
      launchPermissions: [{ userId: CONSUMER }, { organizationalUnitArn: OU }],
      ...extra,
    });

  it('keeps an expired shared image that another account still launches, after waiting in the state machine for its report', async () => {
    seedInstance(emulator());
    emulator().seed({
      images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n === 8 ? sharedOld(n) : old(n))),
      consumers: [{ accountId: CONSUMER, instances: [old(8).imageId] }],
    });

    const run = await night();

    expect(run.status).toBe('SUCCEEDED');
    expect(emulator().store.images.has(old(8).imageId)).toBe(true);
    expect(emulator().store.images.get(old(8).imageId)?.launchPermissions).toHaveLength(2);
    expect(emulator().store.images.has(old(7).imageId)).toBe(false);
    expect(reasonOf(run, 8)).toMatch(
      new RegExp(`^kept: in use by another account: 1 instance in ${CONSUMER} \\(usage report amiur-[0-9a-f]+, \\d{4}-\\d\\d-\\d\\dT`),
    );
    // Pending at the first look (the emulator's pendingPolls is 1): one wait, then the pass that reads it.
    expect(entered(run, 'WaitForUsageReports')).toBe(2);
    expect(emulator().requests.filter((r) => r.action === 'CreateImageUsageReport')).toHaveLength(1);
    expect(run.alerts).toEqual([]);
  });

  it('retires an expired shared image its report shows nobody uses: launch permissions withdrawn first, who lost access said', async () => {
    seedInstance(emulator());
    emulator().seed({ images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n === 8 ? sharedOld(n) : old(n))) });

    const run = await night();

    expect(run.status).toBe('SUCCEEDED');
    expect(emulator().store.images.has(old(8).imageId)).toBe(false);
    const at = (action: string) =>
      emulator().requests.findIndex((r) => r.action === action && r.params.ImageId === old(8).imageId && r.status === 200);
    expect(at('ResetImageAttribute')).toBeGreaterThan(-1);
    expect(at('ResetImageAttribute')).toBeLessThan(at('DeregisterImage'));
    const deleted = (run.output as { prune: { deleted: { imageId: string; reason: string }[] } }).prune.deleted;
    expect(deleted.find((d) => d.imageId === old(8).imageId)?.reason).toMatch(
      new RegExp(`; no other account uses it \\(usage report amiur-[0-9a-f]+, .*\\); launch permission withdrawn from ${CONSUMER}, ${OU}$`),
    );
    expect(run.alerts).toEqual([]);
  });

  it('keeps a shared image launched within keepLaunchedWithinDays without asking for a report', async () => {
    seedInstance(emulator());
    const launched = new Date(Date.now() - 2 * DAY_MS - 60_000).toISOString();
    emulator().seed({ images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n === 8 ? sharedOld(n, { lastLaunchedTime: launched }) : old(n))) });

    const run = await night();

    expect(emulator().store.images.has(old(8).imageId)).toBe(true);
    expect(reasonOf(run, 8)).toBe(
      `kept: in use by another account: a launch 2 day(s) ago (LastLaunchedTime ${launched}, within keepLaunchedWithinDays 7)`,
    );
    expect(emulator().requests.filter((r) => r.action === 'CreateImageUsageReport')).toEqual([]);
  });

  it.each([
    [
      'its report fails',
      { usageReportFates: [{ imageId: old(8).imageId, fate: 'error' as const }] },
      2,
      /its usage report amiur-[0-9a-f]+ failed/,
    ],
    [
      'its report is never ready: after the last wait',
      { usageReportFates: [{ imageId: old(8).imageId, fate: 'stuck' as const }] },
      MAX_USAGE_REPORT_WAITS,
      /its usage report amiur-[0-9a-f]+ was not ready in time/,
    ],
  ])('keeps a shared image whose usage is unknown (%s) and says so in one alert', async (_what, faults, waits, why) => {
    seedInstance(emulator());
    emulator().seed({ images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n === 8 ? sharedOld(n) : old(n))) });
    emulator().faults.set(faults);

    const run = await night();

    expect(run.status).toBe('SUCCEEDED');
    expect(emulator().store.images.has(old(8).imageId)).toBe(true);
    expect(emulator().store.images.has(old(7).imageId)).toBe(false);
    expect(reasonOf(run, 8)).toMatch(why);
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.message).toContain(`${old(8).imageId}: shared with other accounts: `);
    expect(run.alerts[0]?.message).toContain('The shared images whose use by other accounts is unknown are kept');
    // A report that fails ends the waits (pending at one look, failed at the next: two waits); one never ready is
    // waited for as long as the step allows, no longer.
    expect(entered(run, 'WaitForUsageReports')).toBe(waits);
  });

  it('requests no usage report on a dry run', async () => {
    seedInstance(emulator());
    emulator().seed({
      images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n === 8 ? old(n, { tags: { ...managed, [TAG.shared]: 'true' } }) : old(n))),
    });

    const run = await runRotationLocally({ input: input({ dryRun: true, retention: { keepLast: 2, maxAgeDays: null } }) });

    expect(run.status).toBe('SUCCEEDED');
    expect(emulator().requests.filter((r) => r.mutating)).toEqual([]);
  });
});
