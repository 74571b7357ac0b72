/**
 * Disable before delete (`disableBeforeDeleteDays`): deregistering cannot be undone, disabling can
 * (EnableImage, in seconds). With the policy on, an image the plan would delete is disabled instead
 * and tagged with when; a later run deletes it once it has been disabled that long and is still unused;
 * a disabled image found in use is enabled again. Pure: it rewrites the plan's decisions and says what
 * to disable or enable, with a reason for each; failed images are still deleted at once.
 */
import { TAG } from '../rotation/tags.ts';
import type { ManagedImage } from './inventory.ts';
import type { ImageDecision, UsageReport } from './plan.ts';
import { DAY_MS, type RetentionPolicy } from './policy.ts';

export interface StageDecision {
  imageId: string;
  name: string;
  /** `withdraw` and `share again`: a shared image's launch permissions (src/retention/withdrawal.ts). */
  stage: 'disable' | 'enable' | 'withdraw' | 'share again';
  /** Already disabled (by someone else): only the tag is missing. */
  alreadyDisabled: boolean;
  reason: string;
}

export interface StagedPlan {
  decisions: ImageDecision[];
  stages: StageDecision[];
}

export const planStages = (
  images: readonly ManagedImage[],
  decisions: readonly ImageDecision[],
  usage: UsageReport | undefined,
  ctx: { policy: RetentionPolicy; now: Date },
): StagedPlan => {
  const days = ctx.policy.disableBeforeDeleteDays;
  if (days === undefined) return { decisions: [...decisions], stages: [] };
  const byId = new Map(images.map((i) => [i.imageId, i]));
  const stages: StageDecision[] = [];
  const stage = (d: ImageDecision, what: StageDecision['stage'], reason: string): ImageDecision => {
    stages.push({ imageId: d.imageId, name: d.name, stage: what, alreadyDisabled: d.state === 'disabled', reason });
    return { ...d, action: 'keep', reason };
  };
  const staged = decisions.map((d): ImageDecision => {
    const image = byId.get(d.imageId);
    if (d.state === 'disabled' && d.action === 'keep' && usage?.known) {
      const uses = usage.uses.get(d.imageId) ?? [];
      if (uses.length > 0) return stage(d, 'enable', `enable: disabled, but in use by ${uses.join(', ')}`);
      return d;
    }
    // Enabled by a pass that stopped before it untagged the image: finish the job (EnableImage again is harmless).
    if (d.state === 'available' && image?.tags[TAG.disabledAt] !== undefined && d.action === 'keep')
      return stage(d, 'enable', `enable: finishing an earlier enable (still tagged ${TAG.disabledAt}); ${d.reason}`);
    if (d.action !== 'delete' || image === undefined) return d;
    if (d.state === 'available') return stage(d, 'disable', `disable: ${d.reason}; deleted once disabled ${days} days and still unused`);
    if (d.state !== 'disabled') return d;
    const since = image.tags[TAG.disabledAt];
    const at = since === undefined ? Number.NaN : Date.parse(since);
    // Disabled by someone else (or the tag is unreadable): counted from now.
    if (Number.isNaN(at))
      return stage(
        d,
        'disable',
        `disable: disabled without ${TAG.disabledAt}; counted from now, deleted after ${days} days if still unused`,
      );
    const disabledDays = Math.floor((ctx.now.getTime() - at) / DAY_MS);
    if (disabledDays >= days)
      return { ...d, reason: `delete: disabled since ${since} (${disabledDays} days, at least ${days}) and still unused` };
    return { ...d, action: 'keep', reason: `kept: disabled since ${since} (${disabledDays} of ${days} days before deletion)` };
  });
  return { decisions: staged, stages };
};
