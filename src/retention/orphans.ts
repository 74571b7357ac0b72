/** Pure: which of the family's snapshots lost their image (deregistered outside ami-rotator) and are past the grace period. */
import { isKeepTagged, KEEP_REASON, TAG } from '../rotation/tags.ts';
import type { ManagedImage, ManagedSnapshot } from './inventory.ts';

export interface SnapshotDecision {
  snapshotId: string;
  action: 'keep' | 'delete';
  reason: string;
}

export interface OrphanContext {
  now: Date;
  graceHours: number;
  /** Snapshots of this execution are never orphans: their image may still be registering. */
  executionId?: string | undefined;
}

const HOUR_MS = 3_600_000;

/** A decision for every snapshot that no image of the family uses; snapshots that back an image are left out. */
export const planOrphanSnapshots = (
  snapshots: readonly ManagedSnapshot[],
  images: readonly ManagedImage[],
  ctx: OrphanContext,
): SnapshotDecision[] => {
  const backing = new Set(images.flatMap((i) => i.snapshotIds));
  return snapshots
    .filter((s) => !backing.has(s.snapshotId))
    .map((s): SnapshotDecision => {
      if (s.tags[TAG.managed] !== 'true')
        return { snapshotId: s.snapshotId, action: 'keep', reason: `kept: not managed by ami-rotator (no ${TAG.managed}=true tag)` };
      if (ctx.executionId !== undefined && s.tags[TAG.execution] === ctx.executionId)
        return { snapshotId: s.snapshotId, action: 'keep', reason: 'kept: made by this execution' };
      if (isKeepTagged(s.tags)) return { snapshotId: s.snapshotId, action: 'keep', reason: KEEP_REASON };
      const hours = Math.floor((ctx.now.getTime() - Date.parse(s.startTime)) / HOUR_MS);
      const image = s.tags[TAG.imageId] ?? 'its image';
      if (!(hours >= ctx.graceHours))
        return {
          snapshotId: s.snapshotId,
          action: 'keep',
          reason: `kept: no image uses it, but it is ${hours} hours old, within the ${ctx.graceHours}-hour grace period`,
        };
      return {
        snapshotId: s.snapshotId,
        action: 'delete',
        reason: `orphaned: ${image} is gone and no image uses it; ${Math.floor(hours / 24)} days old`,
      };
    });
};
