import { RbinClient } from '@aws-sdk/client-rbin';
import { describe, expect, it } from 'vitest';
import { autoScalingClient } from '../../src/aws/auto-scaling-client.ts';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { recycleBinClient } from '../../src/aws/recycle-bin-client.ts';
import { readConfig } from '../../src/config.ts';
import type { ManagedImage } from '../../src/retention/inventory.ts';
import { assessRecycleBin, type RecycleBinRule, readRecycleBinRules } from '../../src/retention/recycle-bin.ts';
import { pruneImages } from '../../src/retention/step.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const tags = { [TAG.managed]: 'true', [TAG.family]: FAMILY, team: 'web' };
const image = (n: number, extra: Record<string, string> = {}): ManagedImage => ({
  imageId: `ami-0${n.toString(16).padStart(16, '0')}`,
  name: `web-prod-${n}`,
  state: 'available',
  ownerId: '123456789012',
  creationDate: '2026-10-01T00:00:00.000Z',
  tags: { ...tags, ...extra },
  deregistrationProtected: false,
  snapshotIds: [],
});
let nextRule = 0;
const rule = (resourceType: RecycleBinRule['resourceType'], retentionDays: number, more: Partial<RecycleBinRule> = {}): RecycleBinRule => ({
  id: `rule${(nextRule++).toString().padStart(7, '0')}`,
  resourceType,
  retentionDays,
  resourceTags: [],
  status: 'available',
  ...more,
});

describe('what the Recycle Bin would keep of a deleted image', () => {
  it.each([
    { case: 'no rule at all', rules: [], warning: false, says: 'no Recycle Bin rule retains these images' },
    { case: 'a rule for snapshots only', rules: [rule('EBS_SNAPSHOT', 7)], warning: false, says: 'no Recycle Bin rule' },
    {
      case: 'AMIs kept, snapshots not',
      rules: [rule('EC2_IMAGE', 14)],
      warning: true,
      says: "keeps this family's deleted images for up to 14 days, but no rule keeps their snapshots: a restored image could not launch (2 image(s))",
    },
    {
      case: 'snapshots kept for less time than AMIs',
      rules: [rule('EC2_IMAGE', 30), rule('EBS_SNAPSHOT', 7)],
      warning: true,
      says: 'for 30 days but their snapshots only 7 days: an image restored later could not launch (2 image(s))',
    },
    {
      case: 'snapshots kept as long (the longest rule counts)',
      rules: [rule('EC2_IMAGE', 30), rule('EBS_SNAPSHOT', 7), rule('EBS_SNAPSHOT', 30)],
      warning: false,
      says: 'can be restored from the Recycle Bin for 30 days',
    },
    {
      case: 'a snapshot rule still pending retains nothing',
      rules: [rule('EC2_IMAGE', 10), rule('EBS_SNAPSHOT', 10, { status: 'pending' })],
      warning: true,
      says: 'no rule keeps their snapshots',
    },
    {
      case: "a tag-level snapshot rule for another team's tag",
      rules: [rule('EC2_IMAGE', 10), rule('EBS_SNAPSHOT', 10, { resourceTags: [{ key: 'team', value: 'db' }] })],
      warning: true,
      says: 'no rule keeps their snapshots',
    },
    {
      case: "a tag-level snapshot rule for this team's tag",
      rules: [rule('EC2_IMAGE', 10), rule('EBS_SNAPSHOT', 10, { resourceTags: [{ key: 'team', value: 'web' }] })],
      warning: false,
      says: 'for 10 days',
    },
    {
      case: 'a tag-level AMI rule that covers none of these images',
      rules: [rule('EC2_IMAGE', 10, { resourceTags: [{ key: 'team', value: 'db' }] })],
      warning: false,
      says: 'no Recycle Bin rule retains these images',
    },
  ])('$case: warning $warning', ({ rules, warning, says }) => {
    const assessment = assessRecycleBin({ readable: true, rules }, [image(1), image(2)]);

    expect(assessment.warning).toBe(warning);
    expect(assessment.note).toContain(says);
  });

  it('counts only the images a tag-level rule covers, and says which are deleted for good', () => {
    const rules = [rule('EC2_IMAGE', 5, { resourceTags: [{ key: 'tier', value: 'gold' }] }), rule('EBS_SNAPSHOT', 5)];

    const assessment = assessRecycleBin({ readable: true, rules }, [image(1, { tier: 'gold' }), image(2)]);

    expect(assessment).toEqual({
      warning: false,
      note: 'a deleted image and its snapshots can be restored from the Recycle Bin for 5 days (1 image(s) no rule covers: deleted for good)',
    });
  });

  const gold = [{ key: 'tier', value: 'gold' }];
  const silver = [{ key: 'tier', value: 'silver' }];
  it.each([
    {
      case: 'the longest AMI retention without a snapshot rule is named',
      rules: [rule('EC2_IMAGE', 5, { resourceTags: gold }), rule('EC2_IMAGE', 9, { resourceTags: silver })],
      note: "WARNING: a Recycle Bin rule keeps this family's deleted images for up to 9 days, but no rule keeps their snapshots: a restored image could not launch (2 image(s))",
    },
    {
      case: 'the widest gap between AMI and snapshot retention is named',
      rules: [
        rule('EC2_IMAGE', 30, { resourceTags: gold }),
        rule('EBS_SNAPSHOT', 20, { resourceTags: gold }),
        rule('EC2_IMAGE', 20, { resourceTags: silver }),
        rule('EBS_SNAPSHOT', 1, { resourceTags: silver }),
      ],
      note: "WARNING: the Recycle Bin keeps this family's deleted images for 20 days but their snapshots only 1 day: an image restored later could not launch (2 image(s))",
    },
    {
      case: 'the shortest restorable time is named',
      rules: [rule('EC2_IMAGE', 5, { resourceTags: gold }), rule('EC2_IMAGE', 9, { resourceTags: silver }), rule('EBS_SNAPSHOT', 30)],
      note: 'a deleted image and its snapshots can be restored from the Recycle Bin for 5 days',
    },
    {
      case: 'a tag-level rule covers an image with any one of its tags',
      rules: [rule('EC2_IMAGE', 1, { resourceTags: [...gold, ...silver, { key: 'team', value: 'web' }] }), rule('EBS_SNAPSHOT', 1)],
      note: 'a deleted image and its snapshots can be restored from the Recycle Bin for 1 day',
    },
  ])('$case', ({ rules, note }) => {
    const assessment = assessRecycleBin({ readable: true, rules }, [image(1, { tier: 'gold' }), image(2, { tier: 'silver' })]);

    expect(assessment.note).toBe(note);
  });

  it('says there is nothing to restore when the family has no images', () => {
    expect(assessRecycleBin({ readable: true, rules: [rule('EC2_IMAGE', 5)] }, []).note).toBe(
      'no Recycle Bin rule retains these images: a deleted image cannot be restored',
    );
  });

  it('says the rules could not be read, without warning or failing', () => {
    const assessment = assessRecycleBin({ readable: false, reason: 'AccessDeniedException: not authorized' }, [image(1)]);

    expect(assessment).toEqual({
      warning: false,
      note: 'Recycle Bin rules unreadable (AccessDeniedException: not authorized): whether a deleted image could be restored is unknown',
    });
  });
});

describe('reading the rules from Recycle Bin', () => {
  it('reads every page of rules of both types, with their tags', async () => {
    emulator().seed({
      recycleBinRules: [
        ...Array.from({ length: 501 }, (_, n) => ({
          identifier: `img${n.toString().padStart(8, '0')}`,
          resourceType: 'EC2_IMAGE' as const,
          retentionDays: 1 + (n % 365),
        })),
        { identifier: 'snap0000001', resourceType: 'EBS_SNAPSHOT', retentionDays: 9, resourceTags: { team: 'web' } },
        { identifier: 'vol00000001', resourceType: 'EBS_VOLUME', retentionDays: 7 },
      ],
    });

    const read = await readRecycleBinRules(recycleBinClient());

    expect(read.readable).toBe(true);
    const rules = read.readable ? read.rules : [];
    expect(rules).toHaveLength(502);
    expect(rules.filter((r) => r.resourceType === 'EC2_IMAGE')).toHaveLength(501);
    expect(rules.filter((r) => r.resourceType === 'EBS_SNAPSHOT')).toEqual([
      {
        id: 'snap0000001',
        resourceType: 'EBS_SNAPSHOT',
        retentionDays: 9,
        resourceTags: [{ key: 'team', value: 'web' }],
        status: 'available',
      },
    ]);
    expect(emulator().countByAction()).toMatchObject({ ListRules: 3, GetRule: 502 });
  });

  it('reports a refusal as unreadable instead of throwing', async () => {
    emulator().seed({ recycleBinRules: [{ identifier: 'img00000001', resourceType: 'EC2_IMAGE', retentionDays: 7 }] });
    emulator().injectFaults({ rules: [{ actions: ['ListRules'], code: 'AccessDeniedException' }] });

    const read = await readRecycleBinRules(recycleBinClient());

    expect(read).toEqual({ readable: false, reason: expect.stringMatching(/^AccessDeniedException: /) });
  });

  it('reports an endpoint that cannot be reached as unreadable', async () => {
    const silent = new RbinClient({
      endpoint: 'http://10.255.255.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });

    const read = await readRecycleBinRules(silent);

    expect(read.readable).toBe(false);
  });
});

describe('the prune reports the Recycle Bin once', () => {
  it('warns in the first pass of a prune whose images the bin would keep without their snapshots', async () => {
    emulator().seed({
      images: [{ name: 'web-prod-old', creationDate: '2026-01-01T00:00:00.000Z', tags, snapshotTags: tags }],
      recycleBinRules: [{ identifier: 'img00000001', resourceType: 'EC2_IMAGE', retentionDays: 14 }],
    });
    const request = parseRotationRequest({ family: FAMILY, instanceId: 'i-0123456789abcdef0', dryRun: true }, readConfig({}));
    const execution = { id: 'arn:aws:states:us-east-1:123456789012:execution:rotate:x', name: 'x', startTime: '2026-11-23T12:00:00.000Z' };
    const clients = { ec2: ec2Client(), autoScaling: autoScalingClient(), recycleBin: recycleBinClient() };

    const first = await pruneImages(clients, { request, execution }, () => 900_000);
    const later = await pruneImages(clients, { request, execution, progress: { ...first, done: false } }, () => 900_000);

    expect(first.recycleBin).toEqual({ warning: true, note: expect.stringContaining('no rule keeps their snapshots') });
    expect(later.recycleBin).toEqual(first.recycleBin);
    expect(emulator().countByAction().ListRules).toBe(2);
  });
});
