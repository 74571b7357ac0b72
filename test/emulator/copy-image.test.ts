import { CopyImageCommand, DescribeImagesCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { emulatorClients } from '../../local/clients.ts';
import { useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const SOURCE = 'ami-0c00000000000c001';
const ec2In = (region: string) => emulatorClients(emulator().url, { AWS_REGION: region, AWS_MAX_ATTEMPTS: '1' }).ec2;
const seedSource = (state = 'available') =>
  emulator().seed({
    images: [
      {
        imageId: SOURCE,
        name: 'web-prod-20261201-020000',
        creationDate: '2026-12-01T02:00:00Z',
        state,
        tags: { 'ami-rotator:family': 'web-prod', team: 'web' },
      },
    ],
  });
const copy = (region: string, extra: Record<string, unknown> = {}) =>
  ec2In(region).send(new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: SOURCE, Name: 'web-prod-copy', ...extra }));
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: { name: string }) => e.name,
  );

describe('CopyImage', () => {
  it('makes a pending copy in the region the request is signed for, its snapshots copied, its tags only when asked', async () => {
    seedSource();

    const { ImageId } = await copy('eu-west-1', {
      CopyImageTags: true,
      TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'team', Value: 'eu-web' }] }],
    });
    const [image] = (await ec2In('eu-west-1').send(new DescribeImagesCommand({ ImageIds: [ImageId ?? ''] }))).Images ?? [];
    const snapshots = (await ec2In('eu-west-1').send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots ?? [];

    expect(image).toMatchObject({ State: 'pending', Name: 'web-prod-copy', SourceImageId: SOURCE, SourceImageRegion: 'us-east-1' });
    expect(Object.fromEntries((image?.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({
      'ami-rotator:family': 'web-prod',
      team: 'eu-web',
    });
    expect(snapshots.map((s) => s.SnapshotId)).toEqual(image?.BlockDeviceMappings?.map((b) => b.Ebs?.SnapshotId));
    expect(emulator().store.images.has(ImageId ?? '')).toBe(false);
  });

  it('answers a repeated ClientToken with the first copy, and refuses it with other parameters', async () => {
    seedSource();
    const first = await copy('eu-west-1', { ClientToken: 'exec-1-eu-west-1' });
    const again = await copy('eu-west-1', { ClientToken: 'exec-1-eu-west-1' });

    expect(again.ImageId).toBe(first.ImageId);
    expect(emulator().storeIn('eu-west-1').images.size).toBe(1);
    expect(await codeOf(copy('eu-west-1', { ClientToken: 'exec-1-eu-west-1', Description: 'other' }))).toBe('IdempotentParameterMismatch');
  });

  it.each([
    ['a KMS key without Encrypted', { KmsKeyId: 'alias/golden' }, 'InvalidParameterDependency'],
    ['a completion time not in 15-minute steps', { SnapshotCopyCompletionDurationMinutes: 20 }, 'InvalidParameterValue'],
    ['a name EC2 refuses', { Name: 'a' }, 'InvalidAMIName.Malformed'],
    [
      'tags for a resource other than the image and its snapshots',
      { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }] },
      'InvalidParameterValue',
    ],
    ['a client token of 65 characters', { ClientToken: 'c'.repeat(65) }, 'InvalidParameterValue'],
  ])('refuses %s', async (_what, extra, code) => {
    seedSource();

    expect(await codeOf(copy('eu-west-1', extra))).toBe(code);
    expect(emulator().storeIn('eu-west-1').images.size).toBe(0);
  });

  it('copies only an available image, and an encrypted copy with the key asked for', async () => {
    seedSource('pending');
    expect(await codeOf(copy('eu-west-1'))).toBe('IncorrectState');

    emulator().store.image(SOURCE).state = 'available';
    const { ImageId } = await copy('ap-southeast-2', { Encrypted: true, KmsKeyId: 'alias/golden' });
    const snapshots = [...emulator().storeIn('ap-southeast-2').snapshots.values()];

    expect(ImageId).toMatch(/^ami-/);
    expect(snapshots.map((s) => [s.encrypted, s.kmsKeyId])).toEqual(snapshots.map(() => [true, 'alias/golden']));
  });
});
