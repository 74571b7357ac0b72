import { describe, expect, it } from 'vitest';
import { runRotationLocally } from '../../local/workflow.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { MAX_USAGE_REPORT_WAITS } from '../../src/retention/step.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { sourcePruneOf } from '../../src/workflow/contract.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, nextSecond, seedInstance } from '../support/workflow.ts';

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
    (sourcePruneOf(run.output) as { plan: { imageId: string; reason: string }[] }).plan.find((d) => d.imageId === old(n).imageId)?.reason;
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

  /** Image names are to the second: the next night starts in the next second, as nights do. */
  /** The image as a night a day later finds it: made private `hours` ago (its withdrawn-at tag moved back). */
  const madePrivate = (n: number, hoursAgo: number) => {
    const image = emulator().store.images.get(old(n).imageId);
    if (!image) throw new Error(`no image ${old(n).imageId}`);
    image.tags = image.tags.map((t) =>
      t.key === TAG.withdrawnAt ? { ...t, value: new Date(Date.now() - hoursAgo * 3_600_000).toISOString() } : t,
    );
    return image;
  };

  it('retires an expired shared image nobody uses over two nights: private the first, deregistered once a day has shown no launch', async () => {
    seedInstance(emulator());
    emulator().seed({ images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n === 8 ? sharedOld(n) : old(n))) });

    const first = await night();

    expect(first.status).toBe('SUCCEEDED');
    const image = emulator().store.images.get(old(8).imageId);
    expect(image?.launchPermissions).toEqual([]);
    expect(image?.tags.find((t) => t.key === TAG.withdrawnAt)?.value).toMatch(/^\d{4}-/);
    const at = (action: string) =>
      emulator().requests.findIndex((r) => r.action === action && r.params.ImageId === old(8).imageId && r.status === 200);
    // Marked before it is made private: a withdrawal whose answer is lost is still found by the next night.
    expect(
      emulator().requests.findIndex((r) => r.action === 'CreateTags' && JSON.stringify(r.params).includes(TAG.withdrawnAt)),
    ).toBeLessThan(at('ResetImageAttribute'));
    expect(reasonOf(first, 8)).toMatch(
      new RegExp(
        `^withdraw: .*; no other account uses it \\(usage report amiur-[0-9a-f]+, .*\\); made private tonight .*; launch permission withdrawn from ${CONSUMER}, ${OU}$`,
      ),
    );
    expect(first.alerts).toEqual([]);

    await nextSecond();
    const sameDay = await night();
    madePrivate(8, 25);
    await nextSecond();
    const dayLater = await night();

    expect(reasonOf(sameDay, 8)).toMatch(
      /^kept: private since .*; retired once EC2's launch record, 24 hours behind, covers the withdrawal/,
    );
    expect(emulator().store.images.has(old(8).imageId)).toBe(false);
    const deleted = (sourcePruneOf(dayLater.output) as { deleted: { imageId: string; reason: string }[] }).deleted;
    expect(deleted.find((d) => d.imageId === old(8).imageId)?.reason).toMatch(
      /nor launched it before its launch permissions were withdrawn at/,
    );
    expect(dayLater.alerts).toEqual([]);
  });

  it("shares an image again when a launch made 2 hours before it was made private shows in EC2's record the day after", async () => {
    seedInstance(emulator());
    emulator().seed({ images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n === 8 ? sharedOld(n) : old(n))) });
    const shareInput = () =>
      runRotationLocally({
        input: input({ retention: { keepLast: 2, maxAgeDays: null }, distribute: { share: { accounts: [CONSUMER] } } }),
      });
    // Launched and stopped again: no usage report shows it, and EC2 reports the launch only 24 hours later.
    const image = emulator().store.images.get(old(8).imageId);
    if (image) image.launches = [Date.now() - 2 * 3_600_000];

    await shareInput();
    const privateNight = emulator().store.images.get(old(8).imageId)?.launchPermissions.length;
    madePrivate(8, 25);
    if (image) image.launches = [Date.now() - 27 * 3_600_000];
    await nextSecond();
    const dayLater = await shareInput();

    expect(privateNight).toBe(0);
    expect(emulator().store.images.get(old(8).imageId)?.launchPermissions).toContainEqual({ userId: CONSUMER });
    expect(
      emulator()
        .store.images.get(old(8).imageId)
        ?.tags.map((t) => t.key),
    ).not.toContain(TAG.withdrawnAt);
    expect(reasonOf(dayLater, 8)).toMatch(
      /^share again: made private to retire it, but in use by another account: a launch 1 day\(s\) ago/,
    );
    expect(dayLater.alerts).toEqual([]);
  });

  it('never deregisters an image made private whose withdrawal did not finish: private now, counted again from now, one alert', async () => {
    seedInstance(emulator());
    const withdrawnAt = new Date(Date.now() - 30 * 3_600_000).toISOString();
    emulator().seed({
      images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
        n === 8 ? sharedOld(n, { tags: { ...managed, [TAG.shared]: 'true', [TAG.withdrawnAt]: withdrawnAt } }) : old(n),
      ),
    });

    const run = await night();

    const image = emulator().store.images.get(old(8).imageId);
    expect(image?.launchPermissions).toEqual([]);
    expect(image?.tags.find((t) => t.key === TAG.withdrawnAt)?.value).not.toBe(withdrawnAt);
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.message).toContain('still shared with 111122223333');
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
