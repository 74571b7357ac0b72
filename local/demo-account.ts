/** The embedded demo account of `npm start`: a golden instance and a family's history, dated relative to now. */
import type { Fixture } from '../emulator/fixture.ts';
import { DAY_MS } from '../src/retention/policy.ts';
import { TAG } from '../src/rotation/tags.ts';

export const DEMO_FAMILY = 'web-prod';
export const DEMO_INSTANCE_ID = 'i-0a1b2c3d4e5f60001';
export const DEMO_TEMPLATE_ID = 'lt-0d000000000000001';
export const DEMO_PARAMETER = '/golden/web-prod/latest';

const managed = (extra: Record<string, string> = {}) => ({ [TAG.managed]: 'true', [TAG.family]: DEMO_FAMILY, ...extra });
const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/**
 * What one rotation of the demo account must do, read off the fixture below by a person, not computed by
 * the planner: with the default policy (newest 7, 7 days, at least 2) and the new image, nightly images
 * 8 to 12 days old expire, and so does the failed one (6 deregistrations); the one managed snapshot whose
 * image is gone is deleted; the family lists 16 images (15 here and the new one).
 */
export const DEMO_EXPECTED = { deregistrations: 6, orphanSnapshots: 1, familyImages: 16 } as const;

/** The demo stage's regions to copy to (its `distribute` parameter): one plain, one encrypted with a key of its own. */
export const DEMO_KEY_ARN = 'arn:aws:kms:ap-southeast-2:123456789012:key/0d000000-0000-4000-8000-000000000001';
export const DEMO_DISTRIBUTE = {
  regions: [
    { region: 'eu-west-1', retention: { keepLast: 3, maxAgeDays: null } },
    { region: 'ap-southeast-2', kmsKeyId: DEMO_KEY_ARN },
  ],
};

/**
 * The family's copies in each region the demo copies to, as earlier rotations left them: in eu-west-1 five nightly
 * copies (its policy keeps the newest 3: with the new copy, the 3 oldest expire), in ap-southeast-2 two (the
 * family's policy: nothing expires). Each region has the family's parameter.
 */
export const demoRegions = (now: Date): Record<string, Fixture> => {
  const copies = (region: string, count: number): Fixture => ({
    images: Array.from({ length: count }, (_, n) => {
      const made = new Date(now.getTime() - (n + 1) * DAY_MS - 3_600_000);
      return {
        imageId: `ami-0${region === 'eu-west-1' ? 'e' : 'a'}${String(n + 1).padStart(15, '0')}`,
        name: `${DEMO_FAMILY}-${stamp(made)}`,
        creationDate: made.toISOString(),
        tags: managed({ [TAG.copiedFrom]: `ami-0d${String(n + 1).padStart(15, '0')}`, [TAG.sourceRegion]: 'us-east-1' }),
        snapshotTags: managed(),
        volumes: [{ deviceName: '/dev/xvda', sizeGiB: 16 }],
      };
    }),
    parameters: [{ name: DEMO_PARAMETER, value: `ami-0${region === 'eu-west-1' ? 'e' : 'a'}000000000000001`, dataType: 'aws:ec2:image' }],
  });
  return {
    'eu-west-1': copies('eu-west-1', 5),
    // The key the copies there are encrypted with, with its default key policy (the account's IAM policies decide).
    'ap-southeast-2': { ...copies('ap-southeast-2', 2), kmsKeys: [{ keyId: DEMO_KEY_ARN.split('/')[1] ?? '' }] },
  };
};

export const demoAccount = (now: Date): Fixture => {
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS - 3_600_000);
  const nightly = (days: number, id: string, extra: Record<string, string> = {}) => ({
    imageId: id,
    name: `${DEMO_FAMILY}-${stamp(daysAgo(days))}`,
    creationDate: daysAgo(days).toISOString(),
    tags: managed(extra),
    snapshotTags: managed(),
    volumes: [
      { deviceName: '/dev/xvda', sizeGiB: 16 },
      { deviceName: '/dev/xvdb', sizeGiB: 50 },
    ],
  });
  return {
    instances: [
      {
        instanceId: DEMO_INSTANCE_ID,
        // Opted in to the web-prod rotation (docs/deploy.md, "Opt an instance in").
        tags: { Name: 'web-prod-golden', [TAG.family]: DEMO_FAMILY },
        // Its SSM agent registers with this profile's role: prepare's documents reach it.
        instanceProfile: 'web-prod-ssm',
        volumes: [
          { deviceName: '/dev/xvda', sizeGiB: 16 },
          { deviceName: '/dev/xvdb', sizeGiB: 50 },
        ],
      },
      { instanceId: 'i-0a1b2c3d4e5f60002', tags: { Name: 'cache-node' }, rootDeviceType: 'instance-store' },
    ],
    images: [
      ...Array.from({ length: 12 }, (_, n) => nightly(n + 1, `ami-0d${String(n + 1).padStart(15, '0')}`)),
      nightly(15, 'ami-0d000000000000015', { [TAG.keep]: 'true' }),
      nightly(20, 'ami-0d000000000000020'),
      { ...nightly(3.5, 'ami-0d00000000000f003'), state: 'failed' as const },
      {
        imageId: 'ami-0e000000000000001',
        name: 'db-prod-20250101-000000',
        creationDate: daysAgo(300).toISOString(),
        tags: { [TAG.managed]: 'true', [TAG.family]: 'db-prod' },
      },
    ],
    snapshots: [
      {
        snapshotId: 'snap-0d000000000000099',
        startTime: daysAgo(5).toISOString(),
        volumeSize: 16,
        tags: managed({ [TAG.imageId]: 'ami-0d000000000000099' }),
      },
    ],
    // Opted in to the family's publishing by its tag, as the instance is to its imaging.
    launchTemplates: [
      {
        launchTemplateId: DEMO_TEMPLATE_ID,
        name: 'web-prod',
        versions: [{ imageId: 'ami-0d000000000000020' }],
        tags: { [TAG.family]: DEMO_FAMILY },
      },
    ],
    parameters: [{ name: DEMO_PARAMETER, value: 'ami-0d000000000000001', dataType: 'aws:ec2:image' }],
    // Region-level Recycle Bin rules: a deleted AMI and its snapshots can be restored for 14 days.
    recycleBinRules: [
      { identifier: 'demoAmis001', resourceType: 'EC2_IMAGE', retentionDays: 14, description: 'deleted AMIs' },
      { identifier: 'demoSnaps01', resourceType: 'EBS_SNAPSHOT', retentionDays: 14, description: 'deleted snapshots' },
    ],
  };
};
