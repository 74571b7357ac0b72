import {
  CreateImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DescribeSnapshotsCommand,
  paginateDescribeImages,
  paginateDescribeSnapshots,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { clientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();

const launch = async (volumes = 2) => {
  const ec2 = clientFor(emulator());
  // RunInstances launches only an image that exists and is available.
  if (!emulator().store.images.has('ami-0123456789abcdef0'))
    emulator().seed({ images: [{ imageId: 'ami-0123456789abcdef0', name: 'base-image', creationDate: '2026-01-01T00:00:00.000Z' }] });
  const { Instances } = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-0123456789abcdef0',
      MinCount: 1,
      MaxCount: 1,
      BlockDeviceMappings: Array.from({ length: volumes }, (_, n) => ({
        DeviceName: `/dev/xvd${'abcdef'[n]}`,
        Ebs: { VolumeSize: 8 + n },
      })),
    }),
  );
  return { ec2, instanceId: Instances?.[0]?.InstanceId ?? '' };
};

const createTagged = async (name = 'web-prod-20261123-010000') => {
  const { ec2, instanceId } = await launch();
  const { ImageId } = await ec2.send(
    new CreateImageCommand({
      InstanceId: instanceId,
      Name: name,
      NoReboot: true,
      TagSpecifications: [
        { ResourceType: 'image', Tags: [{ Key: 'family', Value: 'web-prod' }] },
        { ResourceType: 'snapshot', Tags: [{ Key: 'family', Value: 'web-prod' }] },
      ],
    }),
  );
  return { ec2, instanceId, imageId: ImageId ?? '' };
};

describe('CreateImage and DescribeImages', () => {
  it('creates a pending image with one tagged snapshot per EBS volume, then makes it available', async () => {
    const { ec2, imageId, instanceId } = await createTagged();

    const first = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    const second = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));

    const image = first.Images?.[0];
    expect(image?.State).toBe('pending');
    expect(image?.SourceInstanceId).toBe(instanceId);
    expect(image?.Tags).toEqual([{ Key: 'family', Value: 'web-prod' }]);
    expect(image?.BlockDeviceMappings?.map((m) => m.DeviceName)).toEqual(['/dev/xvda', '/dev/xvdb']);
    expect(second.Images?.[0]?.State).toBe('available');
    const snapshotIds = image?.BlockDeviceMappings?.map((m) => m.Ebs?.SnapshotId ?? '') ?? [];
    const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }));
    expect(Snapshots?.map((s) => [s.State, s.Tags])).toEqual([
      ['completed', [{ Key: 'family', Value: 'web-prod' }]],
      ['completed', [{ Key: 'family', Value: 'web-prod' }]],
    ]);
  });

  it('counts a reboot only when NoReboot is not set', async () => {
    const { ec2, instanceId } = await launch(1);

    await ec2.send(new CreateImageCommand({ InstanceId: instanceId, Name: 'with-reboot' }));
    await ec2.send(new CreateImageCommand({ InstanceId: instanceId, Name: 'live-no-reboot', NoReboot: true }));

    expect(emulator().store.instance(instanceId).rebootCount).toBe(1);
  });

  it('fails an image whose name a fault rule marks, and leaves its snapshots in error', async () => {
    emulator().injectFaults({ imageFates: [{ nameContains: 'doomed', fate: 'failed' }] });
    const { ec2, imageId } = await createTagged('doomed-image');

    await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));

    expect(Images?.[0]?.State).toBe('failed');
    expect(Images?.[0]?.StateReason?.Code).toBe('Client.InternalError');
    const snapshots = emulator()
      .store.images.get(imageId)
      ?.blockDevices.map((b) => emulator().store.snapshots.get(b.snapshotId));
    expect(snapshots?.map((s) => s?.state)).toEqual(['error', 'error']);
  });

  it('keeps a stuck image pending however often it is described', async () => {
    emulator().injectFaults({ imageFates: [{ nameContains: 'slow', fate: 'stuck' }] });
    const { ec2, imageId } = await createTagged('slow-image');

    for (let i = 0; i < 5; i += 1) await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));

    expect(Images?.[0]?.State).toBe('pending');
  });

  it('filters by tag, tag-key, name wildcard, state and owner', async () => {
    emulator().seed({
      images: [
        { name: 'web-prod-1', creationDate: '2026-01-01T00:00:00.000Z', tags: { family: 'web-prod', keep: 'true' } },
        { name: 'web-prod-2', creationDate: '2026-01-02T00:00:00.000Z', tags: { family: 'web-prod' } },
        { name: 'db-prod-1', creationDate: '2026-01-03T00:00:00.000Z', tags: { family: 'db-prod' }, state: 'failed' },
        { name: 'web-prod-foreign', creationDate: '2026-01-03T00:00:00.000Z', tags: { family: 'web-prod' }, ownerId: '999999999999' },
      ],
    });
    const ec2 = clientFor(emulator());
    const names = async (input: DescribeImagesCommandInput) =>
      ((await ec2.send(new DescribeImagesCommand(input))).Images ?? []).map((i) => i.Name).sort();

    expect(await names({ Owners: ['self'], Filters: [{ Name: 'tag:family', Values: ['web-prod'] }] })).toEqual([
      'web-prod-1',
      'web-prod-2',
    ]);
    expect(await names({ Filters: [{ Name: 'tag-key', Values: ['keep'] }] })).toEqual(['web-prod-1']);
    expect(await names({ Filters: [{ Name: 'name', Values: ['web-*-?'] }] })).toEqual(['web-prod-1', 'web-prod-2']);
    expect(await names({ Filters: [{ Name: 'state', Values: ['failed'] }] })).toEqual(['db-prod-1']);
    expect(await names({ Owners: ['999999999999'] })).toEqual(['web-prod-foreign']);
  });

  it('pages DescribeImages with MaxResults and NextToken', async () => {
    emulator().seed({
      images: Array.from({ length: 12 }, (_, n) => ({
        name: `img-${String(n).padStart(2, '0')}`,
        creationDate: '2026-01-01T00:00:00.000Z',
      })),
    });
    const ec2 = clientFor(emulator());

    const pages: number[] = [];
    for await (const page of paginateDescribeImages({ client: ec2, pageSize: 5 }, { Owners: ['self'] }))
      pages.push(page.Images?.length ?? 0);

    expect(pages).toEqual([5, 5, 2]);
  });

  it('adds, replaces and removes tags', async () => {
    const { ec2, imageId } = await createTagged();

    await ec2.send(
      new CreateTagsCommand({
        Resources: [imageId],
        Tags: [
          { Key: 'family', Value: 'web-stage' },
          { Key: 'status', Value: 'ok' },
        ],
      }),
    );
    await ec2.send(new DeleteTagsCommand({ Resources: [imageId], Tags: [{ Key: 'status' }] }));

    expect(emulator().store.image(imageId).tags).toEqual([{ key: 'family', value: 'web-stage' }]);
  });
});

describe('DeregisterImage and DeleteSnapshot', () => {
  it('refuses to delete a snapshot that backs a registered image, then deletes it once the image is gone', async () => {
    const { ec2, imageId } = await createTagged();
    const snapshotId = emulator().store.image(imageId).blockDevices[0]?.snapshotId ?? '';

    await expect(ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }))).rejects.toMatchObject({ name: 'InvalidSnapshot.InUse' });
    await ec2.send(new DeregisterImageCommand({ ImageId: imageId }));
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));

    expect(emulator().store.snapshots.has(snapshotId)).toBe(false);
  });

  it('deletes associated snapshots on request, but skips one that another image still uses', async () => {
    emulator().seed({
      snapshots: [{ snapshotId: 'snap-0aaaaaaaaaaaaaaaa', startTime: '2026-01-01T00:00:00.000Z' }],
      images: [
        {
          imageId: 'ami-0aaaaaaaaaaaaaaa1',
          name: 'one',
          creationDate: '2026-01-01T00:00:00.000Z',
          snapshotIds: ['snap-0aaaaaaaaaaaaaaaa'],
          volumes: [{ deviceName: '/dev/xvda' }, { deviceName: '/dev/xvdb' }],
        },
        {
          imageId: 'ami-0aaaaaaaaaaaaaaa2',
          name: 'two',
          creationDate: '2026-01-01T00:00:00.000Z',
          snapshotIds: ['snap-0aaaaaaaaaaaaaaaa'],
        },
      ],
    });
    const ec2 = clientFor(emulator());

    const result = await ec2.send(new DeregisterImageCommand({ ImageId: 'ami-0aaaaaaaaaaaaaaa1', DeleteAssociatedSnapshots: true }));

    expect(result.DeleteSnapshotResults?.map((r) => r.ReturnCode)).toEqual(['skipped', 'success']);
    expect(emulator().store.snapshots.has('snap-0aaaaaaaaaaaaaaaa')).toBe(true);
  });

  it('refuses to deregister a protected image', async () => {
    emulator().seed({
      images: [
        { imageId: 'ami-0bbbbbbbbbbbbbbb1', name: 'guarded', creationDate: '2026-01-01T00:00:00.000Z', deregistrationProtection: true },
      ],
    });

    await expect(clientFor(emulator()).send(new DeregisterImageCommand({ ImageId: 'ami-0bbbbbbbbbbbbbbb1' }))).rejects.toMatchObject({
      name: 'OperationNotPermitted',
    });
  });

  it('filters and pages snapshots', async () => {
    emulator().seed({
      snapshots: Array.from({ length: 7 }, (_, n) => ({ startTime: '2026-01-01T00:00:00.000Z', tags: { family: n < 6 ? 'web' : 'db' } })),
    });
    const ec2 = clientFor(emulator());

    const pages: number[] = [];
    const input = { OwnerIds: ['self'], Filters: [{ Name: 'tag:family', Values: ['web'] }] };
    for await (const page of paginateDescribeSnapshots({ client: ec2, pageSize: 5 }, input)) pages.push(page.Snapshots?.length ?? 0);

    expect(pages).toEqual([5, 1]);
  });
});
