import { CopyImageCommand, DescribeImagesCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { emulatorClients, localIam } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID } from '../../local/workflow.ts';
import { codeOf, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const SOURCE = 'ami-0c00000000000c001';
const KEY_ID = '0d000000-0000-4000-8000-000000000001';
const KEY = `arn:aws:kms:ap-southeast-2:${LOCAL_ACCOUNT_ID}:key/${KEY_ID}`;
const OTHER_KEY_ID = '0d000000-0000-4000-8000-000000000002';
const OTHER_KEY = `arn:aws:kms:ap-southeast-2:${LOCAL_ACCOUNT_ID}:key/${OTHER_KEY_ID}`;
/** The deployment copies to eu-west-1, and to ap-southeast-2 encrypted with KEY. */
const DISTRIBUTE = { regions: [{ region: 'eu-west-1' }, { region: 'ap-southeast-2', kmsKeyId: KEY }] };
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
    emulator().seed({ kmsKeys: [{ keyId: KEY_ID }] }, 'ap-southeast-2');
    const { ImageId } = await copy('ap-southeast-2', { Encrypted: true, KmsKeyId: KEY });
    const snapshots = [...emulator().storeIn('ap-southeast-2').snapshots.values()];

    expect(ImageId).toMatch(/^ami-/);
    expect(snapshots.map((s) => [s.encrypted, s.kmsKeyId])).toEqual(snapshots.map(() => [true, KEY]));
  });

  it.each([
    ['a key the region does not hold', KEY, undefined],
    ['a key of another region', KEY.replace('ap-southeast-2', 'eu-west-1'), 'eu-west-1'],
  ])('refuses %s, making nothing', async (_what, key, seededIn) => {
    seedSource();
    if (seededIn) emulator().seed({ kmsKeys: [{ keyId: KEY_ID }] }, seededIn);

    expect(await codeOf(copy('ap-southeast-2', { Encrypted: true, KmsKeyId: key }))).toBe('InvalidParameterValue');
    expect(emulator().storeIn('ap-southeast-2').images.size).toBe(0);
  });

  it('accepts a copy with a disabled key, which then fails with the key named as the reason', async () => {
    seedSource();
    emulator().seed({ kmsKeys: [{ keyId: KEY_ID }] }, 'ap-southeast-2');
    emulator().injectFaults({ disabledKeys: [KEY] });

    const { ImageId } = await copy('ap-southeast-2', { Encrypted: true, KmsKeyId: KEY });
    const look = () => ec2In('ap-southeast-2').send(new DescribeImagesCommand({ ImageIds: [ImageId ?? ''] }));
    await look();
    const [image] = (await look()).Images ?? [];

    expect(image?.State).toBe('failed');
    expect(image?.StateReason?.Code).toBe('Client.InvalidKMSKey.InvalidState');
  });

  it('refuses a 26th copy in progress from one source region with ResourceLimitExceeded, and copies again once one is done', async () => {
    seedSource();
    for (let n = 0; n < 25; n += 1) await copy('eu-west-1', { Name: `web-prod-copy-${n}` });

    expect(await codeOf(copy('eu-west-1', { Name: 'web-prod-copy-25' }))).toBe('ResourceLimitExceeded');
    const [first] = emulator().storeIn('eu-west-1').images.values();
    if (first) first.state = 'available';
    expect(await codeOf(copy('eu-west-1', { Name: 'web-prod-copy-25' }))).toBe('accepted');
  });
});

/** The copy step's request: the source from us-east-1, the copy and its snapshots born managed. */
const managedCopy = (extra: Record<string, unknown> = {}) =>
  new CopyImageCommand({
    SourceRegion: 'us-east-1',
    SourceImageId: SOURCE,
    Name: 'web-prod-copy',
    TagSpecifications: ['image', 'snapshot'].map((type) => ({
      ResourceType: type as 'image',
      Tags: [{ Key: 'ami-rotator:managed', Value: 'true' }],
    })),
    ...extra,
  });

describe("the copy role's permissions, as the emulator evaluates them", () => {
  const iamEmulator = useEmulator({ iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { distribute: JSON.stringify(DISTRIBUTE) }) });
  const asCopyRole = (region: string) =>
    emulatorClients(iamEmulator().url, { AWS_REGION: region, AWS_MAX_ATTEMPTS: '1' }, 'CopyImageRole').ec2;
  const managedSource = () =>
    iamEmulator().seed({
      images: [
        {
          imageId: SOURCE,
          name: 'web-prod-20261201-020000',
          creationDate: '2026-12-01T02:00:00Z',
          tags: { 'ami-rotator:managed': 'true' },
        },
      ],
    });
  const copyAs = (region: string, extra: Record<string, unknown> = {}) => asCopyRole(region).send(managedCopy(extra));

  it('copies a managed image, born managed, into a region of the deployment, and nowhere else', async () => {
    managedSource();

    expect(await codeOf(copyAs('eu-west-1'))).toBe('accepted');
    expect(await codeOf(copyAs('sa-east-1'))).toBe('UnauthorizedOperation');
    expect(await codeOf(copyAs('eu-west-1', { Name: 'web-prod-untagged', TagSpecifications: [] }))).toBe('UnauthorizedOperation');
    // Snapshots born managed too: a copy whose snapshots would not be is refused.
    expect(
      await codeOf(
        copyAs('eu-west-1', {
          Name: 'web-prod-half',
          TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'ami-rotator:managed', Value: 'true' }] }],
        }),
      ),
    ).toBe('UnauthorizedOperation');
  });

  it('copies no image another account owns', async () => {
    iamEmulator().seed({
      images: [{ imageId: SOURCE, name: 'someone-elses', creationDate: '2026-12-01T02:00:00Z', ownerId: '444455556666' }],
    });

    expect(await codeOf(copyAs('eu-west-1'))).toBe('UnauthorizedOperation');
  });

  it('encrypts with the key the deployment names for the region, when its key policy lets the account decide', async () => {
    managedSource();
    iamEmulator().seed({ kmsKeys: [{ keyId: KEY_ID }, { keyId: OTHER_KEY_ID }] }, 'ap-southeast-2');

    expect(await codeOf(copyAs('ap-southeast-2', { Encrypted: true, KmsKeyId: KEY }))).toBe('accepted');
    expect(await codeOf(copyAs('ap-southeast-2', { Name: 'web-prod-other', Encrypted: true, KmsKeyId: OTHER_KEY }))).toBe(
      'UnauthorizedOperation',
    );
  });

  it('is refused by a key policy that does not let the account decide, whatever the role allows', async () => {
    managedSource();
    const ownerOnly = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/KeyAdmin` }, Action: 'kms:*', Resource: '*' },
      ],
    };
    iamEmulator().seed({ kmsKeys: [{ keyId: KEY_ID, policy: ownerOnly }] }, 'ap-southeast-2');

    expect(await codeOf(copyAs('ap-southeast-2', { Encrypted: true, KmsKeyId: KEY }))).toBe('UnauthorizedOperation');
  });
});

describe('a copy role that conditions the source image on its tags, as the Service Authorization Reference reads', () => {
  // CopyImage sends aws:RequestTag, aws:TagKeys, ec2:ImageID and ec2:Owner for an image, never aws:ResourceTag: a
  // condition on it is false, whatever the source's tags, so such a role copies nothing on AWS.
  const settings = localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { distribute: JSON.stringify(DISTRIBUTE) });
  const role = settings.principals.CopyImageRole;
  const bySourceTag = {
    ...settings,
    principals: {
      ...settings.principals,
      CopyImageRole: {
        arn: role?.arn ?? '',
        policies: (role?.policies ?? []).map((p) => ({
          ...p,
          policy: {
            ...p.policy,
            Statement: p.policy.Statement.map((st) =>
              (st as { Sid?: string }).Sid === 'CopyOnlyOwnImagesOfThisRegion'
                ? { ...(st as object), Condition: { StringEquals: { 'aws:ResourceTag/ami-rotator:managed': 'true' } } }
                : st,
            ),
          },
        })),
      },
    },
  };
  const tagEmulator = useEmulator({ iam: bySourceTag });

  it('is refused for a managed source, whose tag the request does not carry', async () => {
    tagEmulator().seed({
      images: [{ imageId: SOURCE, name: 'web-prod-1', creationDate: '2026-12-01T02:00:00Z', tags: { 'ami-rotator:managed': 'true' } }],
    });
    const ec2 = emulatorClients(tagEmulator().url, { AWS_REGION: 'eu-west-1', AWS_MAX_ATTEMPTS: '1' }, 'CopyImageRole').ec2;

    const code = await codeOf(ec2.send(managedCopy()));

    expect(code).toBe('UnauthorizedOperation');
    expect(
      role?.policies.some((p) => p.policy.Statement.some((st) => (st as { Sid?: string }).Sid === 'CopyOnlyOwnImagesOfThisRegion')),
    ).toBe(true);
  });
});
