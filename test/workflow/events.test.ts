import { describe, expect, it, vi } from 'vitest';
import { runRotationLocally } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, INSTANCE, input, seedInstance, statesEntered } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const tags = { [TAG.managed]: 'true', [TAG.family]: FAMILY };

describe('the events a rotation puts on the default bus', () => {
  it('announces a new golden image once, with the image it replaces and where it was published', async () => {
    seedInstance(emulator());
    emulator().seed({
      images: [
        { imageId: 'ami-0aaaaaaaaaaaaaaa1', name: 'web-prod-older', creationDate: '2026-11-01T02:00:00.000Z', tags },
        { imageId: 'ami-0aaaaaaaaaaaaaaa2', name: 'web-prod-previous', creationDate: '2026-11-22T02:00:00.000Z', tags },
        {
          imageId: 'ami-0aaaaaaaaaaaaaaa3',
          name: 'db-prod-newer',
          creationDate: '2026-11-22T03:00:00.000Z',
          tags: { ...tags, [TAG.family]: 'db-prod' },
        },
      ],
    });

    const run = await runRotationLocally({ input: input() });

    expect(run.status).toBe('SUCCEEDED');
    const image = (run.output as { image: { imageId: string; name: string } }).image;
    expect(run.busEvents).toEqual([
      {
        source: 'ami-rotator',
        detailType: 'AMI Rotated',
        eventBusName: 'default',
        state: 'AnnounceRotation',
        detail: {
          family: FAMILY,
          imageId: image.imageId,
          imageName: image.name,
          previousImageId: 'ami-0aaaaaaaaaaaaaaa2',
          snapshots: [
            { snapshotId: expect.stringMatching(/^snap-/), deviceName: '/dev/xvda' },
            { snapshotId: expect.stringMatching(/^snap-/), deviceName: '/dev/xvdb' },
          ],
          published: { parameter: null, launchTemplates: [], channel: 'stable' },
          executionArn: run.executionArn,
        },
      },
    ]);
  });

  it('never names as the image replaced one that failed its boot test and was kept for inspection', async () => {
    seedInstance(emulator());
    emulator().seed({
      images: [
        { imageId: 'ami-0aaaaaaaaaaaaaaa2', name: 'web-prod-good', creationDate: '2026-11-21T02:00:00.000Z', tags },
        {
          imageId: 'ami-0aaaaaaaaaaaaaaa4',
          name: 'web-prod-failed-test',
          creationDate: '2026-11-22T02:00:00.000Z',
          tags: { ...tags, [TAG.status]: 'boot-test-failed' },
        },
      ],
    });

    const run = await runRotationLocally({ input: input() });

    expect(run.busEvents.map((e) => e.detail.previousImageId)).toEqual(['ami-0aaaaaaaaaaaaaaa2']);
  });

  it("says a family's first image replaces none", async () => {
    seedInstance(emulator());

    const run = await runRotationLocally({ input: input() });

    expect(run.busEvents.map((e) => e.detail.previousImageId)).toEqual([null]);
  });

  it('announces a failure with the fields of its one alert', async () => {
    seedInstance(emulator());
    emulator().injectFaults({ imageFates: [{ nameContains: FAMILY, fate: 'failed' }] });

    const run = await runRotationLocally({ input: input() });

    expect(run.status).toBe('FAILED');
    expect(run.alerts).toHaveLength(1);
    expect(run.busEvents).toEqual([
      expect.objectContaining({
        detailType: 'AMI Rotation Failed',
        detail: {
          family: FAMILY,
          failedStep: 'CheckImage',
          error: 'ImageCreationFailed',
          summary: run.alerts[0]?.subject,
          instanceId: INSTANCE,
          imageId: expect.stringMatching(/^ami-/),
          executionArn: run.executionArn,
        },
      }),
    ]);
  });

  it('never fails a good rotation when the event cannot be put, and sends no alert for it', async () => {
    seedInstance(emulator());
    const refuse = vi.fn(async () => {
      const error = new Error('{"errorType":"EventBridge.AmazonEventBridgeException","errorMessage":"Service unavailable"}');
      error.name = 'EventBridge.AmazonEventBridgeException';
      throw error;
    });

    const run = await runRotationLocally({
      input: input(),
      interceptInvoke: (name, invoke) => (name === 'events:putEvents' ? refuse() : invoke()),
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(refuse).toHaveBeenCalledTimes(4);
    expect(statesEntered(run.events, 'RecordUnannouncedRotation')).toBe(1);
    expect(run.alerts).toEqual([]);
  });

  it('puts nothing on a dry run', async () => {
    seedInstance(emulator());

    const run = await runRotationLocally({ input: input({ dryRun: true }) });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.busEvents).toEqual([]);
  });
});
