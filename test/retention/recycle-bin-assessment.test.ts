import { describe, expect, it } from 'vitest';
import type { ManagedImage } from '../../src/retention/inventory.ts';
import { assessRecycleBin, type RecycleBinRule } from '../../src/retention/recycle-bin-assessment.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { FAMILY } from '../support/workflow.ts';

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
