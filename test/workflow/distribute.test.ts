import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ec2Emulator } from '../../emulator/server.ts';
import { localIam } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID, runRotationLocally } from '../../local/workflow.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';

const KEY_ID = '0d000000-0000-4000-8000-000000000001';
const KEY = `arn:aws:kms:ap-southeast-2:${LOCAL_ACCOUNT_ID}:key/${KEY_ID}`;
/** The deployment copies to eu-west-1 (keeping the newest 2 there) and to ap-southeast-2, encrypted. */
const DISTRIBUTE = {
  regions: [
    { region: 'eu-west-1', retention: { keepLast: 2, maxAgeDays: null } },
    { region: 'ap-southeast-2', kmsKeyId: KEY },
  ],
};
const PARAMETER = '/golden/web-prod/latest';
const emulator = useEmulator({ iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { distribute: JSON.stringify(DISTRIBUTE) }) });
process.env.ROTATOR_LOG_LEVEL = 'silent';
beforeAll(() => {
  process.env.ROTATOR_DISTRIBUTE = JSON.stringify(DISTRIBUTE);
});
afterAll(() => {
  delete process.env.ROTATOR_DISTRIBUTE;
});

const tagsOf = (image: { tags: { key: string; value: string }[] } | undefined) =>
  Object.fromEntries((image?.tags ?? []).map((t) => [t.key, t.value]));
/** Earlier copies of the family in a region, newest first, a day apart; and the family's parameter there. */
const seedRegion = (e: Ec2Emulator, region: string, copies: number, extra: Record<string, unknown> = {}) =>
  e.seed(
    {
      images: Array.from({ length: copies }, (_, n) => ({
        imageId: `ami-0${region === 'eu-west-1' ? 'e' : 'a'}${String(n + 1).padStart(15, '0')}`,
        name: `${FAMILY}-old-${n + 1}`,
        creationDate: new Date(Date.now() - (n + 1) * DAY_MS).toISOString(),
        tags: { [TAG.managed]: 'true', [TAG.family]: FAMILY },
      })),
      parameters: [{ name: PARAMETER, value: `ami-0${region === 'eu-west-1' ? 'e' : 'a'}000000000000001`, dataType: 'aws:ec2:image' }],
      ...extra,
    },
    region,
  );
const seedAll = (e: Ec2Emulator) => {
  seedInstance(e);
  seedRegion(e, 'eu-west-1', 4);
  seedRegion(e, 'ap-southeast-2', 1, { kmsKeys: [{ keyId: KEY_ID }] });
};
const ofExecution = (e: Ec2Emulator, region: string, executionArn: string) =>
  [...e.storeIn(region).images.values()].filter((i) => tagsOf(i)[TAG.execution] === executionArn);
const distributed = () => input({ publish: { parameter: PARAMETER } });

describe('a rotation that copies to other regions', () => {
  it('copies into every region at once, each copy tagged, published and pruned under its region policy, with no alert', async () => {
    seedAll(emulator());

    const run = await runRotationLocally({ input: distributed() });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.alerts).toEqual([]);
    const [source] = ofExecution(emulator(), 'us-east-1', run.executionArn);
    for (const region of ['eu-west-1', 'ap-southeast-2']) {
      const copies = ofExecution(emulator(), region, run.executionArn);
      expect(copies.map((c) => [region, c.state, c.name])).toEqual([[region, 'available', source?.name]]);
      expect(tagsOf(copies[0])).toMatchObject({
        [TAG.family]: FAMILY,
        [TAG.managed]: 'true',
        [TAG.status]: 'available',
        [TAG.copiedFrom]: source?.imageId,
        [TAG.sourceRegion]: 'us-east-1',
      });
      expect(emulator().storeIn(region).parameters.get(PARAMETER)?.value).toBe(copies[0]?.imageId);
    }
    // eu-west-1 keeps its newest 2 (the new copy and the newest old one); ap-southeast-2 the family's 7 days.
    expect([...emulator().storeIn('eu-west-1').images.keys()].sort()).toEqual(
      [ofExecution(emulator(), 'eu-west-1', run.executionArn)[0]?.imageId, 'ami-0e000000000000001'].sort(),
    );
    expect(emulator().storeIn('ap-southeast-2').images.size).toBe(2);
    const encrypted = [...emulator().storeIn('ap-southeast-2').snapshots.values()].filter((s) => s.kmsKeyId === KEY);
    expect(encrypted.length).toBeGreaterThan(0);
    // The two copies were in progress together: both CopyImage calls came before either copy was first looked at (a look
    // names the copy; the family's listing in a region after its CopyImage filters by tag).
    const calls = emulator().requests.filter(
      (r) => r.action === 'CopyImage' || (r.action === 'DescribeImages' && r.region !== 'us-east-1' && r.params.ImageId !== undefined),
    );
    expect(calls.slice(0, 2).map((r) => r.action)).toEqual(['CopyImage', 'CopyImage']);
  });

  it("tells a copy region's prune that left images behind in the night's one prune alert, and still announces the good image", async () => {
    seedAll(emulator());
    emulator().injectFaults({ rules: [{ code: 'UnauthorizedOperation', actions: ['DeregisterImage'], region: 'eu-west-1' }] });

    const run = await runRotationLocally({ input: distributed() });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.alerts.map((a) => a.subject)).toEqual([`ami-rotator: ${FAMILY} rotated, 3 item(s) not pruned`]);
    expect(run.alerts[0]?.message).toMatch(/^In eu-west-1:\n/);
    expect(run.busEvents.map((e) => e.detailType)).toContain('AMI Rotated');
    // Nothing was deregistered there; ap-southeast-2 and its copy are done as on any night.
    expect(emulator().storeIn('eu-west-1').images.size).toBe(5);
    expect(emulator().storeIn('eu-west-1').parameters.get(PARAMETER)?.value).toBe(
      ofExecution(emulator(), 'eu-west-1', run.executionArn)[0]?.imageId,
    );
    const regions = (run.output as { distribution: { regions: { region: string; source: boolean; pruneIncomplete: boolean }[] } })
      .distribution.regions;
    expect(regions.map((r) => [r.region, r.source, r.pruneIncomplete])).toEqual([
      ['us-east-1', true, false],
      ['eu-west-1', false, true],
      ['ap-southeast-2', false, false],
    ]);
  });

  it('names every region whose prune left something behind in one alert, the source region first', async () => {
    seedAll(emulator());
    seedRegion(emulator(), 'us-east-1', 9);
    emulator().injectFaults({ rules: [{ code: 'UnauthorizedOperation', actions: ['DeregisterImage'] }] });

    const run = await runRotationLocally({ input: distributed() });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.subject).toBe(`ami-rotator: ${FAMILY} rotated, pruning incomplete in us-east-1, eu-west-1`);
    expect(run.alerts[0]?.message).toMatch(/In us-east-1 \(the source region\):\n[\s\S]*\n\nIn eu-west-1:\n/);
  });

  it('says a region whose publish fails keeps its good copy, unpublished, and the previous image in use', async () => {
    seedAll(emulator());
    emulator().injectFaults({ rules: [{ actions: ['PutParameter'], code: 'AccessDeniedException', region: 'ap-southeast-2' }] });

    const run = await runRotationLocally({ input: distributed() });

    const [copy] = ofExecution(emulator(), 'ap-southeast-2', run.executionArn);
    expect(run).toMatchObject({ status: 'FAILED', error: 'DistributionFailed' });
    expect(copy?.state).toBe('available');
    expect(emulator().storeIn('ap-southeast-2').parameters.get(PARAMETER)?.value).toBe('ami-0a000000000000001');
    const line = run.alerts[0]?.message.split('\n').find((l) => l.includes('ap-southeast-2: FAILED')) ?? '';
    expect(line).toContain(`its copy ${copy?.imageId} is kept, available and not published`);
    expect(line).not.toContain('its copy was removed');
    expect(run.alerts[0]?.message).not.toMatch(/A failed region got no new image \(its copy was removed\)/);
  });

  it('isolates a region whose copy fails: its copy removed, nothing published or pruned there, the other done, one alert', async () => {
    seedAll(emulator());
    emulator().injectFaults({ disabledKeys: [KEY] });

    const run = await runRotationLocally({ input: distributed() });

    expect(run).toMatchObject({ status: 'FAILED', error: 'DistributionFailed' });
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.subject).toBe(`ami-rotator: ${FAMILY} rotated, copy failed in ap-southeast-2`);
    expect(run.alerts[0]?.message).toMatch(
      /ap-southeast-2: FAILED at CheckImage: ImageCreationFailed: .*InvalidKMSKey.*its copy was removed/,
    );
    expect(run.alerts[0]?.message).toMatch(/eu-west-1: copied, published, pruned/);
    expect(ofExecution(emulator(), 'ap-southeast-2', run.executionArn)).toEqual([]);
    expect(emulator().storeIn('ap-southeast-2').images.size).toBe(1);
    expect(emulator().storeIn('ap-southeast-2').parameters.get(PARAMETER)?.value).toBe('ami-0a000000000000001');
    expect(emulator().storeIn('eu-west-1').parameters.get(PARAMETER)?.value).toBe(
      ofExecution(emulator(), 'eu-west-1', run.executionArn)[0]?.imageId,
    );
    expect(emulator().storeIn('eu-west-1').images.size).toBe(2);
  });

  it.each([
    [
      'its response is lost after EC2 accepted it',
      { rules: [{ actions: ['CopyImage'], code: 'InternalError', when: 'after' as const, times: 1, region: 'eu-west-1' }] },
      undefined,
    ],
    ['the copy Lambda dies after EC2 accepted it', {}, 'copy-image'],
  ])('makes one copy per region when %s', async (_what, faults, dies) => {
    seedAll(emulator());
    emulator().injectFaults(faults);

    const run = await runRotationLocally({
      input: distributed(),
      interceptInvoke: async (fn, invoke, attempt) => {
        const result = await invoke();
        if (fn === dies && attempt === 1) throw Object.assign(new Error('Lambda died'), { name: 'Lambda.ServiceException' });
        return result;
      },
    });

    expect(run.status).toBe('SUCCEEDED');
    for (const region of ['eu-west-1', 'ap-southeast-2']) expect(ofExecution(emulator(), region, run.executionArn)).toHaveLength(1);
    expect(emulator().requests.filter((r) => r.action === 'CopyImage').length).toBeGreaterThan(2);
  });

  it('completes the other regions when one region does not answer at all, and says so in one alert', async () => {
    seedAll(emulator());
    emulator().injectFaults({ rules: [{ code: 'Unavailable', region: 'ap-southeast-2' }] });
    // Two attempts a call, not six: the same outcome, without the SDK's real backoff between them.
    process.env.AWS_MAX_ATTEMPTS = '2';

    const run = await runRotationLocally({ input: distributed() }).finally(() => {
      delete process.env.AWS_MAX_ATTEMPTS;
    });

    expect(run).toMatchObject({ status: 'FAILED', error: 'DistributionFailed' });
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.message).toMatch(/ap-southeast-2: FAILED at CopyImage: Ec2Unavailable/);
    expect(emulator().storeIn('ap-southeast-2').images.size).toBe(1);
    expect(ofExecution(emulator(), 'eu-west-1', run.executionArn)).toHaveLength(1);
  });

  it('refuses, before anything is made, a region the deployment does not copy to', async () => {
    seedAll(emulator());

    const run = await runRotationLocally({ input: input({ distribute: { regions: [{ region: 'sa-east-1' }] } }) });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(run.cause).toContain(
      "distribute.regions.0.region: expected one of this deployment's regions (eu-west-1, ap-southeast-2), got sa-east-1",
    );
    expect(emulator().requests.filter((r) => r.mutating)).toEqual([]);
  });
});
