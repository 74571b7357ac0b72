import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { Fixture } from '../../emulator/fixture.ts';
import { runRotationLocally } from '../../local/workflow.ts';
import { autoScalingClient } from '../../src/aws/auto-scaling-client.ts';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { readConfig } from '../../src/config.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { emptyProgress } from '../../src/retention/report.ts';
import { MAX_PRUNE_PASSES, pruneImages } from '../../src/retention/step.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { sourcePruneOf } from '../../src/workflow/contract.ts';
import { handlerClientsFor, useEmulator } from '../support/emulator.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const NOW = '2026-11-23T12:00:00.000Z';
const execution = { id: 'arn:aws:states:us-east-1:123456789012:execution:rotate:nightly', name: 'nightly', startTime: NOW };
const ago = (days: number) => new Date(Date.parse(NOW) - days * DAY_MS).toISOString();
const managed = (extra: Record<string, string> = {}) => ({ [TAG.managed]: 'true', [TAG.family]: FAMILY, ...extra });
const id = (prefix: string, n: number) => `${prefix}-0${n.toString(16).padStart(16, '0')}`;
const old = (n: number, extra: Partial<Fixture['images'] extends (infer I)[] | undefined ? I : never> = {}) => ({
  imageId: id('ami', n),
  name: `web-prod-${n}`,
  creationDate: ago(30 + n),
  tags: managed(),
  snapshotTags: managed(),
  ...extra,
});
const prune = (
  retention: Record<string, number> = { keepLast: 1, maxAgeDays: 1, minKeep: 1 },
  dryRun = false,
  clients: { ec2: EC2Client; autoScaling: AutoScalingClient } = { ec2: ec2Client(), autoScaling: autoScalingClient() },
) =>
  pruneImages(
    clients,
    { request: parseRotationRequest({ family: FAMILY, instanceId: 'i-0123456789abcdef0', retention, dryRun }, readConfig({})), execution },
    () => 900_000,
  );
const reasons = (result: Awaited<ReturnType<typeof prune>>) =>
  Object.fromEntries(result.plan.map((d) => [d.imageId, `${d.action}: ${d.reason}`]));
const newest = { imageId: id('ami', 0xfff), name: 'web-prod-newest', creationDate: ago(0.5), tags: managed(), snapshotTags: managed() };

describe('prune against EC2', () => {
  it("keeps every image in use or protected, never lists another account's, and deletes the rest with their snapshots", async () => {
    emulator().seed({
      images: [
        newest,
        old(1),
        old(2),
        old(3),
        old(4),
        old(5),
        old(6, { tags: managed({ [TAG.keep]: 'true' }) }),
        old(7, { deregistrationProtection: true }),
        old(8, { ownerId: '999999999999' }),
        old(9, { state: 'pending' }),
        old(10),
      ],
      instances: [{ imageId: id('ami', 1), state: 'stopped' }],
      launchTemplates: [
        {
          name: 'default-is-old',
          defaultVersion: 1,
          versions: [{ imageId: id('ami', 2) }, ...Array.from({ length: 12 }, () => ({ imageId: id('ami', 0xfff) }))],
        },
        { name: 'latest', versions: [{ imageId: 'ami-0aaaaaaaaaaaaaaaa' }, { imageId: id('ami', 3) }] },
      ],
      parameters: [{ name: '/golden/web-prod', value: id('ami', 4) }],
    });

    const result = await prune();

    expect(reasons(result)).toEqual({
      [id('ami', 0xfff)]: 'keep: kept: newest 1 (number 1)',
      [id('ami', 1)]: `keep: kept: in use by instance ${[...emulator().store.instances.keys()][0]}`,
      [id('ami', 2)]: expect.stringMatching(/^keep: kept: in use by launch template lt-\w+$/),
      [id('ami', 3)]: expect.stringMatching(/^keep: kept: in use by launch template lt-\w+$/),
      [id('ami', 4)]: 'keep: kept: in use by SSM parameter /golden/web-prod',
      [id('ami', 5)]: 'delete: expired: 35 days old, beyond the newest 1 and older than 1 days',
      [id('ami', 6)]: 'keep: kept: tagged ami-rotator:keep=true',
      [id('ami', 7)]: 'keep: kept: deregistration protection is enabled',
      [id('ami', 9)]: 'keep: kept: still pending',
      [id('ami', 10)]: 'delete: expired: 40 days old, beyond the newest 1 and older than 1 days',
    });
    expect([...emulator().store.images.keys()]).not.toContain(id('ami', 5));
    expect([...emulator().store.images.keys()]).toContain(id('ami', 8));
    expect(result.totals).toMatchObject({ deleted: 2, failed: 0 });
    const snapshotsLeft = [...emulator().store.snapshots.values()].filter(
      (s) => s.description.includes(id('ami', 5)) || s.description.includes(id('ami', 10)),
    );
    expect(snapshotsLeft).toEqual([]);
  });

  describe('when the minKeep floor rescues an expired image', () => {
    // Five images 2 to 6 days old, the 3-day one named by an SSM parameter, the 5-day one by a launch template.
    const family = () => {
      const aged = [2, 3, 4, 5, 6].map((days) => ({ ...old(days), creationDate: ago(days) }));
      emulator().seed({
        images: [newest, ...aged],
        launchTemplates: [{ name: 'web', versions: [{ imageId: id('ami', 5) }] }],
        parameters: [{ name: '/golden/web-prod/pinned', value: id('ami', 3) }],
      });
    };

    it('never deletes an image in use, even one the floor would have rescued before usage was known', async () => {
      family();

      const result = await prune({ maxAgeDays: 1, minKeep: 3 });

      expect(reasons(result)).toMatchObject({
        [id('ami', 2)]: 'delete: expired: 2 days old, older than 1 days',
        [id('ami', 3)]: 'keep: kept: in use by SSM parameter /golden/web-prod/pinned',
        [id('ami', 4)]: 'delete: expired: 4 days old, older than 1 days',
        [id('ami', 5)]: expect.stringMatching(/^keep: kept: in use by launch template lt-\w+$/),
        [id('ami', 6)]: 'delete: expired: 6 days old, older than 1 days',
      });
      expect(emulator().store.images.has(id('ami', 3))).toBe(true);
      expect(result.totals).toMatchObject({ deleted: 3, failed: 0 });
    });

    it('never disables an image in use either', async () => {
      family();

      await prune({ maxAgeDays: 1, minKeep: 3, disableBeforeDeleteDays: 2 });

      expect(emulator().store.images.get(id('ami', 3))?.state).toBe('available');
      expect(emulator().store.images.get(id('ami', 5))?.state).toBe('available');
      expect(emulator().store.images.get(id('ami', 4))?.state).toBe('disabled');
    });
  });

  it('disables an expired image and tags it when the first DisableImage answer was lost and the retry meets IncorrectState', async () => {
    emulator().seed({ images: [newest, old(1)] });
    emulator().injectFaults({ rules: [{ actions: ['DisableImage'], code: 'InternalError', when: 'after', times: 1 }] });

    const result = await prune({ keepLast: 1, maxAgeDays: 1, minKeep: 1, disableBeforeDeleteDays: 2 });

    expect(
      emulator()
        .requests.filter((r) => r.action === 'DisableImage')
        .map((r) => r.errorCode),
    ).toEqual(['InternalError', 'IncorrectState']);
    expect(emulator().store.images.get(id('ami', 1))?.state).toBe('disabled');
    expect(
      emulator()
        .store.images.get(id('ami', 1))
        ?.tags.map((t) => t.key),
    ).toContain(TAG.disabledAt);
    expect(result.totals).toMatchObject({ disabled: 1, failed: 0 });
  });

  it('keeps images that Auto Scaling groups launch: a pinned template version, a launch configuration, an override', async () => {
    emulator().seed({
      images: [newest, old(1), old(2), old(3), old(4)],
      launchTemplates: [
        {
          launchTemplateId: 'lt-0aaaaaaaaaaaaaaa1',
          name: 'asg',
          defaultVersion: 12,
          versions: [{ imageId: id('ami', 1) }, ...Array.from({ length: 11 }, () => ({ imageId: id('ami', 0xfff) }))],
        },
      ],
      launchConfigurations: [{ name: 'legacy-lc', imageId: id('ami', 2) }],
      autoScalingGroups: [
        { name: 'pinned', launchTemplate: { launchTemplateId: 'lt-0aaaaaaaaaaaaaaa1', version: '1' } },
        { name: 'legacy', launchConfigurationName: 'legacy-lc' },
        {
          name: 'mixed',
          mixedInstancesPolicy: {
            launchTemplate: { launchTemplateName: 'asg', version: '$Latest' },
            overrides: [{ imageId: id('ami', 3) }],
          },
        },
      ],
    });

    const result = await prune();

    expect(reasons(result)).toMatchObject({
      [id('ami', 1)]:
        'keep: kept: in use by launch template lt-0aaaaaaaaaaaaaaa1, Auto Scaling group pinned (launch template lt-0aaaaaaaaaaaaaaa1 version 1)',
      [id('ami', 2)]: 'keep: kept: in use by Auto Scaling group legacy (launch configuration legacy-lc)',
      [id('ami', 3)]: 'keep: kept: in use by Auto Scaling group mixed (instance type override)',
      [id('ami', 4)]: expect.stringMatching(/^delete: expired/),
    });
  });

  it('keeps every expired image when Auto Scaling cannot be read, and says so in the one alert', async () => {
    emulator().seed({ images: [newest, old(1)] });
    emulator().injectFaults({ rules: [{ actions: ['DescribeAutoScalingGroups'], code: 'AccessDenied' }] });

    const result = await prune();

    expect(reasons(result)[id('ami', 1)]).toBe(
      'keep: kept: usage could not be established (reading Auto Scaling groups failed: AccessDenied)',
    );
    expect(result.alert?.message).toMatch(/1 expired image\(s\): kept: usage could not be established .*pruning is held back/);
    expect(result.alert?.message).toContain('Pruning is held back: no expired image was deleted');
    expect(result.alert?.message).not.toContain('every other expired image was deleted');
  });

  it('keeps every expired image when DescribeImageReferences is refused: nothing else sees SSM parameters', async () => {
    emulator().seed({
      images: [newest, old(1), old(2)],
      instances: [{ imageId: id('ami', 1), state: 'running' }],
      parameters: [{ name: '/golden/web-prod', value: id('ami', 2) }],
    });
    emulator().injectFaults({ rules: [{ actions: ['DescribeImageReferences'], code: 'UnauthorizedOperation' }] });

    const result = await prune();

    expect(reasons(result)[id('ami', 2)]).toMatch(
      /^keep: kept: usage could not be established \(DescribeImageReferences .*UnauthorizedOperation\)$/,
    );
    expect(result.usage).toMatch(/^unknown \(DescribeImageReferences .*UnauthorizedOperation\): every expired image is kept$/);
    expect(result.totals.deleted).toBe(0);
    expect(emulator().mutatingRequests()).toEqual([]);
  });

  it('lets the step retry when DescribeImageReferences is throttled, instead of deciding anything', async () => {
    emulator().seed({ images: [newest, old(1)] });
    emulator().injectFaults({ rules: [{ actions: ['DescribeImageReferences'], code: 'RequestLimitExceeded' }] });

    // One attempt: what the step does once the SDK's own retries are spent, without waiting out their backoff.
    await expect(
      prune(undefined, false, handlerClientsFor(emulator(), 'PruneImagesRole', { AWS_MAX_ATTEMPTS: '1' })),
    ).rejects.toMatchObject({
      name: 'Ec2Throttled',
    });
    expect(emulator().mutatingRequests()).toEqual([]);
  });

  it('checks usage ten images at a time, so more than ten candidates still see SSM parameters and old template versions', async () => {
    emulator().seed({
      images: [newest, ...Array.from({ length: 24 }, (_, n) => old(n + 1))],
      parameters: [{ name: '/golden/web-prod/latest', value: id('ami', 23) }],
      launchTemplates: [{ name: 'pinned', defaultVersion: 2, versions: [{ imageId: id('ami', 24) }, { imageId: id('ami', 0xfff) }] }],
    });

    const result = await prune();

    expect(reasons(result)[id('ami', 23)]).toBe('keep: kept: in use by SSM parameter /golden/web-prod/latest');
    expect(reasons(result)[id('ami', 24)]).toMatch(/^keep: kept: in use by launch template lt-\w+$/);
    expect(result.totals.deleted).toBe(22);
    const batches = emulator().requests.filter((r) => r.action === 'DescribeImageReferences');
    expect(batches.map((r) => (r.params.ImageId as string[]).length)).toEqual([10, 10, 4]);
  });

  it('counts an image as deleted when the first DeregisterImage response was lost and the retry meets InvalidAMIID.Unavailable', async () => {
    emulator().seed({ images: [newest, old(1)] });
    emulator().injectFaults({ rules: [{ actions: ['DeregisterImage'], code: 'InternalError', when: 'after', times: 1 }] });

    const result = await prune();

    expect(
      emulator()
        .requests.filter((r) => r.action === 'DeregisterImage')
        .map((r) => r.errorCode),
    ).toEqual(['InternalError', 'InvalidAMIID.Unavailable']);
    expect(result.totals.deleted).toBe(1);
    expect(result.failures).toEqual([]);
    expect(emulator().store.snapshots.size).toBe(1);
  });

  it('prunes a disabled managed image like an expired one, unless something protects it, and never calls its snapshots orphans', async () => {
    emulator().seed({
      images: [
        newest,
        { ...old(1), state: 'disabled', creationDate: ago(0.2) },
        { ...old(2), state: 'disabled', tags: managed({ [TAG.keep]: 'true' }) },
      ],
    });

    const result = await prune({ keepLast: 5, maxAgeDays: 5, minKeep: 1 });

    expect(reasons(result)).toEqual({
      [newest.imageId]: 'keep: kept: newest 5 (number 1)',
      [id('ami', 1)]: 'delete: disabled: counts towards no rule, pruned like an expired image',
      [id('ami', 2)]: `keep: kept: tagged ${TAG.keep}=true`,
    });
    expect(emulator().store.images.has(id('ami', 1))).toBe(false);
    expect(result.totals.orphanSnapshots).toBe(0);
  });

  it('alerts once when the last pass the state machine allows still leaves work, instead of succeeding silently', async () => {
    emulator().seed({ images: [newest, old(1), old(2)] });
    const request = parseRotationRequest(
      { family: FAMILY, instanceId: 'i-0123456789abcdef0', retention: { keepLast: 1, maxAgeDays: 1, minKeep: 1 } },
      readConfig({}),
    );
    // The passes before found both old images expired and deleted neither.
    const empty = emptyProgress('keep the newest 1', false);
    const progress = { ...empty, iteration: MAX_PRUNE_PASSES - 1, totals: { ...empty.totals, images: 3, kept: 1, expired: 2 } };

    const result = await pruneImages({ ec2: ec2Client(), autoScaling: autoScalingClient() }, { request, execution, progress }, () => 0);

    expect(result).toMatchObject({ done: false, iteration: MAX_PRUNE_PASSES });
    expect(result.alert?.message).toContain(`Pruning stopped after ${MAX_PRUNE_PASSES} passes with work left`);
    expect(result.alert?.subject).toBe('ami-rotator: web-prod rotated, 2 image(s) left to prune');
    expect(result.alert?.message).not.toContain('0 item(s)');
  });

  it('keeps and reports a snapshot that another image still uses', async () => {
    const shared = 'snap-0aaaaaaaaaaaaaaaa';
    emulator().seed({
      snapshots: [{ snapshotId: shared, startTime: ago(40), tags: managed() }],
      images: [
        newest,
        old(1, { snapshotIds: [shared] }),
        { imageId: 'ami-0bbbbbbbbbbbbbbbb', name: 'someone-else', creationDate: ago(2), snapshotIds: [shared] },
      ],
    });

    const result = await prune();

    expect(result.totals.deleted).toBe(1);
    expect(emulator().store.snapshots.has(shared)).toBe(true);
    expect(result.failures).toEqual([
      { resource: shared, reason: `kept: still used by another image (image ${id('ami', 1)} was deregistered)` },
    ]);
  });

  it('goes on after one deletion fails, reports each outcome and writes one alert', async () => {
    emulator().seed({ images: [newest, old(1), old(2), old(3)] });
    emulator().injectFaults({
      rules: [{ actions: ['DeregisterImage'], params: { ImageId: id('ami', 2) }, code: 'InvalidParameterValue' }],
    });

    const result = await prune();

    expect(result.totals).toMatchObject({ expired: 3, deleted: 2, failed: 1 });
    expect(result.failures).toEqual([
      { resource: `${id('ami', 2)} (web-prod-2)`, reason: expect.stringMatching(/^deregistration failed: InvalidParameterValue/) },
    ]);
    expect(result.alert?.subject).toBe('ami-rotator: web-prod rotated, 1 item(s) not pruned');
    expect(result.alert?.message).toContain(`- ${id('ami', 2)} (web-prod-2): deregistration failed: InvalidParameterValue`);
  });

  it('deletes managed snapshots whose image is gone, after the grace period', async () => {
    emulator().seed({
      images: [newest],
      snapshots: [
        { snapshotId: 'snap-0cccccccccccccccc', startTime: ago(3), tags: managed({ [TAG.imageId]: 'ami-0dddddddddddddddd' }) },
        { snapshotId: 'snap-0eeeeeeeeeeeeeeee', startTime: ago(0.5), tags: managed() },
      ],
    });

    const result = await prune();

    expect(result.totals).toMatchObject({ orphanSnapshots: 1, orphanSnapshotsDeleted: 1 });
    expect([...emulator().store.snapshots.keys()]).toContain('snap-0eeeeeeeeeeeeeeee');
    expect([...emulator().store.snapshots.keys()]).not.toContain('snap-0cccccccccccccccc');
  });

  it('changes nothing on a dry run', async () => {
    emulator().seed({ images: [newest, old(1), old(2)], snapshots: [{ startTime: ago(5), tags: managed() }] });

    const result = await prune(undefined, true);

    expect(result.totals).toMatchObject({ expired: 2, deleted: 0, orphanSnapshots: 1 });
    expect(emulator().mutatingRequests()).toEqual([]);
  });
});

describe('the resumable prune loop', () => {
  it('hands back "more to do" when its time runs low, and the state machine calls it again until every expired image is gone', async () => {
    seedInstance(emulator());
    emulator().seed({
      images: Array.from({ length: 115 }, (_, n) => ({
        name: `web-prod-old-${n}`,
        creationDate: ago(10 + n / 100),
        tags: managed(),
        snapshotTags: managed(),
      })),
    });

    const run = await runRotationLocally({
      input: input({ retention: { keepLast: 3, maxAgeDays: 2, minKeep: 1 } }),
      lambdaTimeoutMs: { 'prune-images': 2_500 },
    });

    const prune = sourcePruneOf(run.output) as { iteration: number; totals: Record<string, number>; done: boolean };
    expect(run.status).toBe('SUCCEEDED');
    expect(prune.iteration).toBeGreaterThanOrEqual(2);
    expect(prune).toMatchObject({ done: true, totals: { expired: 113, deleted: 113, failed: 0 } });
    expect([...emulator().store.images.values()]).toHaveLength(3);
  });
});
