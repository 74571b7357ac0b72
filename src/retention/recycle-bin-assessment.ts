/**
 * Whether a deleted image could be restored. Recycle Bin keeps deleted AMIs and deleted snapshots under
 * separate retention rules ("Recover deleted EBS volumes, EBS snapshots, and EBS-backed AMIs with Recycle
 * Bin", EBS User Guide): an AMI restored without its snapshots cannot launch. The prune deletes both, so
 * an account that retains AMIs but not (or not as long) their snapshots gets a warning in the plan. Pure.
 */
import type { ManagedImage } from './inventory.ts';

export type RetainedType = 'EC2_IMAGE' | 'EBS_SNAPSHOT';

export interface RecycleBinRule {
  id: string;
  resourceType: RetainedType;
  retentionDays: number;
  /** Tag-level rules: a resource with at least one of these pairs is retained. Empty for a Region-level rule. */
  resourceTags: readonly { key: string; value: string }[];
  /** Only an `available` rule retains anything (GetRule). */
  status: string;
}

export type RecycleBinRules = { readable: true; rules: RecycleBinRule[] } | { readable: false; reason: string };

export interface RecycleBinAssessment {
  /** True when an image this family deletes could be kept in the Recycle Bin without the snapshots it needs. */
  warning: boolean;
  note: string;
}

/** The longest retention of the available rules of a type that cover a resource with these tags; 0 when none. */
const retentionFor = (rules: readonly RecycleBinRule[], type: RetainedType, tags: Readonly<Record<string, string>>): number =>
  Math.max(
    0,
    ...rules
      .filter((r) => r.resourceType === type && r.status === 'available')
      .filter((r) => r.resourceTags.length === 0 || r.resourceTags.some((t) => tags[t.key] === t.value))
      .map((r) => r.retentionDays),
  );

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/**
 * Pure: what the Recycle Bin would do with the family's images once deleted. Their snapshots carry the
 * image's tags (CreateImage tags both), so one set of tags decides both rules. The rules' exclusion tags
 * are not read (the client this project can install predates them): a Region-level rule counts as
 * covering everything, which can only miss a warning when a snapshot rule excludes this family.
 */
export const assessRecycleBin = (read: RecycleBinRules, images: readonly ManagedImage[]): RecycleBinAssessment => {
  if (!read.readable)
    return { warning: false, note: `Recycle Bin rules unreadable (${read.reason}): whether a deleted image could be restored is unknown` };
  const periods = images.map((image) => ({
    image: retentionFor(read.rules, 'EC2_IMAGE', image.tags),
    snapshots: retentionFor(read.rules, 'EBS_SNAPSHOT', image.tags),
  }));
  const retained = periods.filter((p) => p.image > 0);
  if (retained.length === 0)
    return { warning: false, note: 'no Recycle Bin rule retains these images: a deleted image cannot be restored' };
  const bare = retained.filter((p) => p.snapshots === 0);
  if (bare.length > 0)
    return {
      warning: true,
      note: `WARNING: a Recycle Bin rule keeps this family's deleted images for up to ${days(Math.max(...bare.map((p) => p.image)))}, but no rule keeps their snapshots: a restored image could not launch (${bare.length} image(s))`,
    };
  const short = retained.filter((p) => p.snapshots < p.image);
  if (short.length > 0) {
    const worst = short.reduce((a, b) => (b.image - b.snapshots > a.image - a.snapshots ? b : a));
    return {
      warning: true,
      note: `WARNING: the Recycle Bin keeps this family's deleted images for ${days(worst.image)} but their snapshots only ${days(worst.snapshots)}: an image restored later could not launch (${short.length} image(s))`,
    };
  }
  const shortest = Math.min(...retained.map((p) => p.image));
  const uncovered = images.length - retained.length;
  return {
    warning: false,
    note: `a deleted image and its snapshots can be restored from the Recycle Bin for ${days(shortest)}${uncovered > 0 ? ` (${uncovered} image(s) no rule covers: deleted for good)` : ''}`,
  };
};
