/**
 * The stage's rollback (statemachine/rollback.asl.json), run from its file with the real handlers and every call as the
 * role that makes it: the previous good image published again in the source and the copy region, the withdrawn one set
 * aside, and the next night neither publishing nor counting it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localIam } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID, runRollbackLocally, runRotationLocally } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { sourcePruneOf } from '../../src/workflow/contract.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, nextSecond, seedInstance } from '../support/workflow.ts';

const PARAMETER = '/golden/web-prod/latest';
const DISTRIBUTE = { regions: [{ region: 'eu-west-1' }] };
const SETTINGS = { ROTATOR_DISTRIBUTE: JSON.stringify(DISTRIBUTE), ROTATOR_PUBLISH: JSON.stringify({ parameter: PARAMETER }) };
const emulator = useEmulator({ iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { distribute: SETTINGS.ROTATOR_DISTRIBUTE }) });
process.env.ROTATOR_LOG_LEVEL = 'silent';
beforeAll(() => {
  Object.assign(process.env, SETTINGS);
});
afterAll(() => {
  for (const name of Object.keys(SETTINGS)) delete process.env[name];
});

const tagsOf = (image: { tags: { key: string; value: string }[] } | undefined) =>
  Object.fromEntries((image?.tags ?? []).map((t) => [t.key, t.value]));
const night = async () => {
  await nextSecond();
  const run = await runRotationLocally({ input: input() });
  expect(run.status).toBe('SUCCEEDED');
  return run;
};
const imageOf = (region: string, executionArn: string) =>
  [...emulator().storeIn(region).images.values()].find((i) => tagsOf(i)[TAG.execution] === executionArn)?.imageId;
const published = () => ['us-east-1', 'eu-west-1'].map((r) => emulator().storeIn(r).parameters.get(PARAMETER)?.value);

describe('ami-rotator rollback, as an execution of the stage', () => {
  it("publishes the previous good image in both regions, sets tonight's aside, and the next night neither publishes nor counts it", async () => {
    seedInstance(emulator());
    const good = await night();
    const bad = await night();
    const [goodImage, goodCopy] = ['us-east-1', 'eu-west-1'].map((r) => imageOf(r, good.executionArn));
    const [badImage, badCopy] = ['us-east-1', 'eu-west-1'].map((r) => imageOf(r, bad.executionArn));
    const before = published();

    const rollback = await runRollbackLocally({ input: { family: FAMILY } });
    const after = published();
    const next = await night();

    expect(before).toEqual([badImage, badCopy]);
    expect(rollback.status).toBe('SUCCEEDED');
    expect(rollback.alerts).toEqual([]);
    expect(after).toEqual([goodImage, goodCopy]);
    for (const [region, id] of [
      ['us-east-1', badImage],
      ['eu-west-1', badCopy],
    ] as const)
      expect(
        tagsOf(
          emulator()
            .storeIn(region)
            .images.get(id ?? ''),
        ),
      ).toMatchObject({
        [TAG.status]: 'rolled-back',
        [TAG.rolledBackBy]: rollback.executionArn,
      });
    expect(rollback.busEvents.map((e) => [e.detailType, e.detail.imageId, e.detail.withdrawnImageId])).toEqual([
      ['AMI Rolled Back', goodImage, badImage],
    ]);
    // The next night: its previous image is the good one, and the set-aside one counts towards no rule.
    const announced = next.busEvents.find((e) => e.detailType === 'AMI Rotated');
    expect(announced?.detail.previousImageId).toBe(goodImage);
    const plan = sourcePruneOf(next.output)?.plan as { imageId: string; reason: string }[];
    expect(plan.find((d) => d.imageId === badImage)?.reason).toMatch(/^kept for inspection: rolled back by .* \(counts towards no rule/);
    expect(published()[0]).toBe(imageOf('us-east-1', next.executionArn));
  });

  it('publishes the same image when the same rollback runs again (a redrive, the same name): never one more step back', async () => {
    seedInstance(emulator());
    const first = await night();
    await night();
    await night();
    const target = () => published()[0];

    const once = await runRollbackLocally({ input: { family: FAMILY }, executionName: 'rollback-web-prod-1' });
    const after = target();
    const again = await runRollbackLocally({ input: { family: FAMILY }, executionName: 'rollback-web-prod-1' });

    expect([once.status, again.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(target()).toBe(after);
    expect(after).not.toBe(imageOf('us-east-1', first.executionArn));
    // Another rollback is one more step back: to the first night's image.
    expect((await runRollbackLocally({ input: { family: FAMILY } })).status).toBe('SUCCEEDED');
    expect(target()).toBe(imageOf('us-east-1', first.executionArn));
  });

  it('passes over an older image the family could no longer share (made private) and publishes the one before it', async () => {
    seedInstance(emulator());
    const first = await night();
    const second = await night();
    await night();
    const privateImage = imageOf('us-east-1', second.executionArn) ?? '';
    emulator().store.images.get(privateImage)?.tags.push({ key: TAG.withdrawnAt, value: '2026-12-01T02:00:00Z' });
    // The stage shares the family's images with an account: an image made private could not be launched there.
    process.env.ROTATOR_DISTRIBUTE = JSON.stringify({ ...DISTRIBUTE, share: { accounts: ['111122223333'] } });

    const rollback = await runRollbackLocally({ input: { family: FAMILY } }).finally(() => {
      process.env.ROTATOR_DISTRIBUTE = SETTINGS.ROTATOR_DISTRIBUTE;
    });

    expect(rollback.status).toBe('SUCCEEDED');
    expect(published()[0]).toBe(imageOf('us-east-1', first.executionArn));
  });

  it('shows what it would change on a dry run, and changes nothing', async () => {
    seedInstance(emulator());
    await night();
    await night();
    const before = published();

    const dry = await runRollbackLocally({ input: { family: FAMILY, dryRun: true } });

    expect(dry.status).toBe('SUCCEEDED');
    expect((dry.output as { plan: { changes: string[] } }).plan.changes).toEqual([
      expect.stringMatching(/^us-east-1 \(source\): publish ami-\w+ instead of ami-\w+: parameter \/golden\/web-prod\/latest$/),
      expect.stringMatching(/^eu-west-1: publish ami-\w+ instead of ami-\w+: parameter \/golden\/web-prod\/latest$/),
      expect.stringMatching(/^set aside ami-\w+ \(web-prod-\d{8}-\d{6}\) and its copies: tagged ami-rotator:status=rolled-back/),
    ]);
    expect(published()).toEqual(before);
    expect(
      emulator()
        .mutatingRequests()
        .filter((r) => r.action === 'CreateTags' && JSON.stringify(r.params).includes('rolled-back')),
    ).toEqual([]);
  });

  it.each([
    { case: 'an image that is gone', to: 'ami-0123456789abcdef0', says: /ami-0123456789abcdef0 is gone/ },
    { case: 'the image it would withdraw', to: 'newest', says: /is the family's newest image, the one a rollback withdraws/ },
    { case: 'an image set aside', to: 'set-aside', says: /is set aside \(failed its boot test\): it is never published again/ },
  ])('refuses $case with one line and one alert, changing nothing', async ({ to, says }) => {
    seedInstance(emulator());
    const first = await night();
    const second = await night();
    const ids = { newest: imageOf('us-east-1', second.executionArn), 'set-aside': imageOf('us-east-1', first.executionArn) };
    if (to === 'set-aside')
      emulator()
        .store.images.get(ids['set-aside'] ?? '')
        ?.tags.push({ key: TAG.status, value: 'boot-test-failed' });
    const before = published();
    const mutations = emulator().mutatingRequests().length;

    const refused = await runRollbackLocally({ input: { family: FAMILY, to: ids[to as keyof typeof ids] ?? to } });

    expect(refused).toMatchObject({ status: 'FAILED', error: 'RollbackRefused' });
    expect(refused.alerts.map((a) => a.subject)).toEqual([`ami-rotator: ${FAMILY} rollback failed at PlanRollback: RollbackRefused`]);
    expect(refused.alerts[0]?.message).toMatch(says);
    expect(published()).toEqual(before);
    expect(emulator().mutatingRequests()).toHaveLength(mutations);
  });
});
