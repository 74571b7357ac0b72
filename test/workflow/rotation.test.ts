import { afterEach, describe, expect, it, vi } from 'vitest';
import * as amiEventRule from '../../local/ami-event-rule.ts';
import { runRotationLocally } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { sourcePruneOf } from '../../src/workflow/contract.ts';
import { roleClientsFor, useEmulator } from '../support/emulator.ts';
import { FAMILY, INSTANCE, input, leftBy, seedInstance, statesEntered } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';
afterEach(() => {
  vi.useRealTimers();
});

describe('the rotation workflow, run from the state machine file', () => {
  it('creates, waits for, tags and keeps one image, with its snapshots tagged, and sends no alert', async () => {
    seedInstance(emulator());
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-23T02:00:00Z'));

    const run = await runRotationLocally({ input: input({ tags: { team: 'web' } }) });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.alerts).toEqual([]);
    const [image, ...others] = [...emulator().store.images.values()];
    expect(others).toEqual([]);
    expect(image?.name).toBe('web-prod-20261123-020000');
    expect(Object.fromEntries(image?.tags.map((t) => [t.key, t.value]) ?? [])).toMatchObject({
      Name: 'web-prod-20261123-020000',
      team: 'web',
      [TAG.managed]: 'true',
      [TAG.family]: FAMILY,
      [TAG.sourceInstance]: INSTANCE,
      [TAG.execution]: run.executionArn,
      [TAG.status]: 'available',
    });
    const snapshots = [...emulator().store.snapshots.values()];
    expect(snapshots.map((s) => Object.fromEntries(s.tags.map((t) => [t.key, t.value])))).toEqual([
      expect.objectContaining({
        [TAG.imageId]: image?.imageId,
        [TAG.device]: '/dev/xvda',
        [TAG.family]: FAMILY,
        Name: 'web-prod-20261123-020000 /dev/xvda',
      }),
      expect.objectContaining({ [TAG.imageId]: image?.imageId, [TAG.device]: '/dev/xvdb', [TAG.family]: FAMILY }),
    ]);
    expect(emulator().store.instance(INSTANCE).rebootCount).toBe(0);
  });

  it('reboots the instance only when the input asks for a consistent filesystem', async () => {
    seedInstance(emulator());

    await runRotationLocally({ input: input({ noReboot: false }) });

    expect(emulator().store.instance(INSTANCE).rebootCount).toBe(1);
  });

  it('waits for a slow image with a growing deadline, three transitions a wait, each wait started by a look', async () => {
    seedInstance(emulator());
    // Every event lost: only the looks see the image (the emulator settles it at its seventh).
    amiEventRule.setFaults({ drop: 1 });
    emulator().options.pendingPolls = 6;

    const run = await runRotationLocally({ input: input() });
    emulator().options.pendingPolls = 1;

    expect(run.status).toBe('SUCCEEDED');
    // AwaitImage looks once after storing its token (1, 3, 5, 7), CheckImage at each deadline (2, 4, 6) and after the
    // wait that AwaitImage's own look ended (8).
    expect(statesEntered(run.events, 'CheckImage')).toBe(4);
    const deadlines = run.events
      .filter((e) => e.type === 'StateEntered' && e.state.name === 'AwaitImage')
      .map((e) => (e as unknown as { state: { input: { image: { nextWaitSeconds: number } } } }).state.input.image.nextWaitSeconds);
    expect(deadlines).toEqual([120, 240, 480, 600]);
    expect(statesEntered(run.events, 'WaitForImage')).toBe(0);
    // ValidateInput, IsDryRun, CreateImage, ImageInSourceRegion, 4 × (Await, Check, IsReady), TagImage, IsBootTested,
    // NothingToPublish; the source region's iteration of DistributeImage (the Map, IsSourceRegion, IsRegionPrunable,
    // PruneImages, IsPruneDone, RegionDone); IsEveryRegionDone, AnnounceRotation.
    expect(run.transitions).toBe(4 + 4 * 3 + 3 + 6 + 2);
  });

  it('cleans up a failed image and its snapshots, then sends exactly one alert', async () => {
    seedInstance(emulator());
    emulator().injectFaults({ imageFates: [{ nameContains: FAMILY, fate: 'failed' }] });

    const run = await runRotationLocally({ input: input() });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ImageCreationFailed' });
    expect(run.cause).toMatch(
      /^\[alerted\] CheckImage: Image ami-\w+ \(web-prod-\d{8}-\d{6}\) from instance i-0a1b2c3d4e5f60001 ended in state failed/,
    );
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.subject).toBe('ami-rotator: web-prod failed at CheckImage: ImageCreationFailed');
    expect(leftBy(emulator(), run.executionArn)).toEqual({ images: [], snapshots: [] });
  });

  it('reports a clean account when the clean-up DeregisterImage response was lost and EC2 then answers Unavailable', async () => {
    seedInstance(emulator());
    emulator().injectFaults({
      imageFates: [{ nameContains: FAMILY, fate: 'failed' }],
      rules: [{ actions: ['DeregisterImage'], code: 'InternalError', when: 'after', times: 1 }],
    });

    const run = await runRotationLocally({ input: input() });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ImageCreationFailed' });
    expect(
      emulator()
        .requests.filter((r) => r.action === 'DeregisterImage')
        .map((r) => r.errorCode),
    ).toEqual(['InternalError', 'InvalidAMIID.Unavailable']);
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.message).toContain('Cleanup:     image deregistered');
    expect(run.alerts[0]?.message).not.toContain('Cleanup FAILED');
    expect(leftBy(emulator(), run.executionArn)).toEqual({ images: [], snapshots: [] });
  });

  it.each([
    ['CreateImage times out after EC2 accepted the call', 'create-image', 'States.Timeout'],
    ['TagImage fails for good on an available image', 'tag-image', 'Ec2AccessDenied'],
  ])('leaves nothing behind when %s, and alerts once', async (_what, fn, errorName) => {
    seedInstance(emulator());

    const run = await runRotationLocally({
      input: input(),
      interceptInvoke: async (name, invoke) => {
        const result = await invoke();
        if (name === fn) throw Object.assign(new Error(`${fn} failed after EC2 acted`), { name: errorName });
        return result;
      },
    });

    expect(run).toMatchObject({ status: 'FAILED', error: errorName });
    expect(emulator().requests.filter((r) => r.action === 'CreateImage')).toHaveLength(1);
    expect(leftBy(emulator(), run.executionArn)).toEqual({ images: [], snapshots: [] });
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.message).toContain('Cleanup:     image deregistered, 2 snapshot(s) deleted');
  });

  it('succeeds with one alert, keeping the good image, when pruning fails for good after it', async () => {
    seedInstance(emulator());

    const run = await runRotationLocally({
      input: input(),
      interceptInvoke: async (name, invoke) => {
        if (name === 'prune-images')
          throw Object.assign(new Error('not authorized to perform ec2:DescribeImages'), { name: 'Ec2AccessDenied' });
        return invoke();
      },
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.subject).toBe('ami-rotator: web-prod rotated, prune failed');
    expect(run.alerts[0]?.message).toMatch(/the new image ami-\w+ is available and tagged in us-east-1, but pruning failed for good there/);
    expect(run.alerts[0]?.message).toMatch(/Error and cause: {"Error":"Ec2AccessDenied","Cause":".*not authorized/);
    expect([...emulator().store.images.values()].map((i) => i.state)).toEqual(['available']);
  });

  it('removes the pending image when checking it fails for good, and alerts once', async () => {
    seedInstance(emulator());
    // Refused three times: CreateImage's look at the family's history (it goes on without), AwaitImage's look (the
    // wait falls back to a plain Wait), then CheckImage's.
    emulator().injectFaults({ rules: [{ actions: ['DescribeImages'], code: 'UnauthorizedOperation', times: 3 }] });

    const run = await runRotationLocally({ input: input() });

    expect(run).toMatchObject({ status: 'FAILED', error: 'Ec2AccessDenied' });
    expect(statesEntered(run.events, 'WaitForImage')).toBe(1);
    expect(run.events.filter((e) => e.type === 'StateEntered').map((e) => (e as { state: { name: string } }).state.name)).toContain(
      'CleanUpImageAfterFailure',
    );
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.message).toContain('Cleanup:     image deregistered, 2 snapshot(s) deleted');
    expect(leftBy(emulator(), run.executionArn)).toEqual({ images: [], snapshots: [] });
  });

  it('gives up on an image pending past the wait cap, cleans up and alerts once', async () => {
    seedInstance(emulator());
    emulator().injectFaults({ imageFates: [{ nameContains: FAMILY, fate: 'stuck' }] });

    const run = await runRotationLocally({ input: input() });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ImageCreationTimedOut' });
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.message).toMatch(/was still pending after 14400 s of waiting/);
    expect(leftBy(emulator(), run.executionArn)).toEqual({ images: [], snapshots: [] });
  });

  it('still succeeds under a throttling storm', async () => {
    seedInstance(emulator());
    emulator().injectFaults({ seed: 3, rules: [{ code: 'RequestLimitExceeded', rate: 0.3 }] });

    const run = await runRotationLocally({ input: input(), clients: roleClientsFor(emulator(), { AWS_MAX_ATTEMPTS: '3' }) });

    expect(run.status).toBe('SUCCEEDED');
    expect(emulator().requests.filter((r) => r.errorCode === 'RequestLimitExceeded').length).toBeGreaterThan(3);
    expect([...emulator().store.images.values()]).toHaveLength(1);
  });

  it('makes exactly one image when the CreateImage response is lost after EC2 accepted it', async () => {
    seedInstance(emulator());
    emulator().injectFaults({ rules: [{ actions: ['CreateImage'], code: 'InternalError', when: 'after', times: 1 }] });

    const run = await runRotationLocally({ input: input() });

    expect(run.status).toBe('SUCCEEDED');
    expect(
      emulator()
        .requests.filter((r) => r.action === 'CreateImage')
        .map((r) => r.errorCode),
    ).toEqual(['InternalError', 'InvalidAMIName.Duplicate']);
    expect([...emulator().store.images.values()]).toHaveLength(1);
  });

  it('makes exactly one image when the create Lambda dies after EC2 accepted the call and Step Functions retries it', async () => {
    seedInstance(emulator());

    const run = await runRotationLocally({
      input: input(),
      interceptInvoke: async (fn, invoke, attempt) => {
        const result = await invoke();
        if (fn === 'create-image' && attempt === 1)
          throw Object.assign(new Error('Task timed out after 60.00 seconds'), { name: 'Sandbox.Timedout' });
        return result;
      },
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(statesEntered(run.events, 'CreateImage')).toBe(1);
    expect(run.events.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
    expect([...emulator().store.images.values()]).toHaveLength(1);
  });

  it('rejects invalid input at once with InvalidInput, one alert and no change in EC2', async () => {
    seedInstance(emulator());

    const run = await runRotationLocally({ input: { family: 'web prod', instanceId: INSTANCE, retention: { keepLast: -3 } } });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(run.cause).toContain('family: expected 1 to 63 letters');
    expect(run.cause).toContain('retention.keepLast: expected a whole number of images from 1 to 1000');
    expect(run.alerts).toHaveLength(1);
    expect(emulator().requests).toEqual([]);
  });

  it('alerts once with the reason when the instance is gone', async () => {
    seedInstance(emulator(), { state: 'terminated' });

    const run = await runRotationLocally({ input: input() });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InstanceNotFound' });
    expect(run.alerts.map((a) => a.subject)).toEqual(['ami-rotator: web-prod failed at CreateImage: InstanceNotFound']);
    expect(emulator().mutatingRequests()).toEqual([]);
  });

  it.each([
    ['carries no family tag', {}, 'has no tag ami-rotator:family=web-prod'],
    [
      "is opted in to another family's rotation",
      { [TAG.family]: 'db-prod' },
      'has ami-rotator:family=db-prod, not the tag ami-rotator:family=web-prod',
    ],
  ])('refuses an instance that %s, before anything is changed, with one alert that says how to opt in', async (_, tags, reason) => {
    seedInstance(emulator(), { tags });

    const run = await runRotationLocally({ input: input({ noReboot: false }) });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InstanceNotOptedIn' });
    expect(run.cause).toContain(reason);
    expect(run.alerts.map((a) => a.subject)).toEqual(['ami-rotator: web-prod failed at CreateImage: InstanceNotOptedIn']);
    expect(run.alerts[0]?.message).toContain('What to do: The instance is not opted in to ami-rotator: tag it ami-rotator:family=<family>');
    expect(emulator().mutatingRequests()).toEqual([]);
    expect(emulator().store.instance(INSTANCE).rebootCount).toBe(0);
  });

  it('refuses an instance-store instance with UnsupportedInstance', async () => {
    seedInstance(emulator(), { rootDeviceType: 'instance-store' });

    const run = await runRotationLocally({ input: input() });

    expect(run).toMatchObject({ status: 'FAILED', error: 'UnsupportedInstance' });
    expect(emulator().mutatingRequests()).toEqual([]);
  });

  it('plans a dry run with reasons and makes no mutating call', async () => {
    seedInstance(emulator());
    const tags = { [TAG.managed]: 'true', [TAG.family]: FAMILY };
    emulator().seed({
      images: [
        { name: 'web-prod-newer', creationDate: '2020-01-02T00:00:00.000Z', tags },
        { name: 'web-prod-older', creationDate: '2020-01-01T00:00:00.000Z', tags },
      ],
    });

    const run = await runRotationLocally({ input: input({ dryRun: true, retention: { keepLast: 1, maxAgeDays: 1, minKeep: 1 } }) });

    expect(run.status).toBe('SUCCEEDED');
    expect((sourcePruneOf(run.output) as { plan: { action: string; reason: string }[] }).plan).toEqual([
      expect.objectContaining({ action: 'keep', reason: 'kept: newest 1 (number 1)' }),
      expect.objectContaining({
        action: 'delete',
        reason: expect.stringMatching(/^expired: \d+ days old, beyond the newest 1 and older than 1 days$/),
      }),
    ]);
    expect(emulator().mutatingRequests()).toEqual([]);
  });
});
