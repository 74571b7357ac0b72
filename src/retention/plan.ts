/**
 * The retention planner: pure. It maps (inventory, policy, now) to a decision with a reason for
 * every image; it never calls AWS, reads the environment or the clock.
 */
import { isKeepTagged, isSetAside, KEEP_REASON, PROMOTION, setAsideReason, TAG } from '../rotation/tags.ts';
import type { ManagedImage } from './inventory.ts';
import { DAY_MS, type RetentionPolicy } from './policy.ts';

export interface ImageDecision {
  imageId: string;
  name: string;
  creationDate: string;
  state: string;
  action: 'keep' | 'delete';
  reason: string;
  snapshotIds: readonly string[];
}

/**
 * What uses each image, as far as it could be established: `checked` are the images whose usage was looked up,
 * `uses` what was found for them. An image outside `checked` is never deleted on the strength of this report.
 */
export type UsageReport =
  | {
      known: true;
      checked: ReadonlySet<string>;
      uses: ReadonlyMap<string, readonly string[]>;
      /** What a deletion's reason adds (a shared image: the report that showed no use). */
      notes?: ReadonlyMap<string, string>;
      /** Shared images whose use by other accounts is being established (a usage report in the making): kept for now. */
      awaiting?: ReadonlyMap<string, string>;
      /** Shared images whose use by other accounts could not be established, with why: kept, never deleted on a guess. */
      unknown?: ReadonlyMap<string, string>;
      /** Shared images no other account uses, not yet private: made private tonight, retired on a later night. */
      withdraw?: ReadonlyMap<string, string>;
      /** Shared images made private that another account turns out to use (or to have launched): shared again. */
      restore?: ReadonlyMap<string, string>;
    }
  | { known: false; reason: string };

export interface PlanContext {
  family: string;
  policy: RetentionPolicy;
  now: Date;
  /** The account that must own an image for it to be pruned; not checked when absent. */
  accountId?: string | undefined;
  /** Never pruned: the image this execution just made. */
  protectedImageIds?: readonly string[];
  /**
   * Usage of the expiry candidates (`usageCandidates`). Absent: the rule alone, as if nothing were in use
   * (what-if planning; `planPrune` always passes it).
   */
  usage?: UsageReport;
}

const ageInDays = (image: ManagedImage, now: Date): number => Math.floor((now.getTime() - Date.parse(image.creationDate)) / DAY_MS);

/** Newest first; equal creation times ordered by image id, so the plan never depends on listing order. */
export const newestFirst = (images: readonly ManagedImage[]): ManagedImage[] =>
  images
    .map((image) => ({ image, at: Date.parse(image.creationDate) }))
    .sort((a, b) => b.at - a.at || (a.image.imageId < b.image.imageId ? -1 : a.image.imageId > b.image.imageId ? 1 : 0))
    .map(({ image }) => image);

/** Why an image is not this family's to prune at all, or undefined. */
const notOurs = (image: ManagedImage, ctx: PlanContext): string | undefined => {
  if (ctx.accountId !== undefined && image.ownerId !== ctx.accountId)
    return `kept: owned by account ${image.ownerId}, not ${ctx.accountId}`;
  if (image.tags[TAG.managed] !== 'true') return `kept: not managed by ami-rotator (no ${TAG.managed}=true tag)`;
  if (image.tags[TAG.family] !== ctx.family) return `kept: belongs to family ${image.tags[TAG.family] ?? '(none)'}, not ${ctx.family}`;
  return undefined;
};

/** Why one of the family's images is kept whatever its age, or undefined. */
const protection = (image: ManagedImage, ctx: PlanContext): string | undefined => {
  if (ctx.protectedImageIds?.includes(image.imageId)) return 'kept: made by this execution';
  if (image.state === 'pending') return 'kept: still pending';
  if (isKeepTagged(image.tags)) return KEEP_REASON;
  if (image.tags[TAG.promotion] === PROMOTION.awaiting)
    return `kept: a candidate awaiting promotion (${TAG.promotion}=${PROMOTION.awaiting})`;
  if (image.deregistrationProtected) return 'kept: deregistration protection is enabled';
  return undefined;
};

const decide = (image: ManagedImage, action: ImageDecision['action'], reason: string): ImageDecision => ({
  imageId: image.imageId,
  name: image.name,
  creationDate: image.creationDate,
  state: image.state,
  action,
  reason,
  snapshotIds: image.snapshotIds,
});

const retentionVerdict = (rank: number, age: number, policy: RetentionPolicy): { expired: boolean; reason: string } => {
  const { keepLast, maxAgeDays } = policy;
  if (keepLast === undefined && maxAgeDays === undefined)
    return { expired: false, reason: 'kept: the policy sets neither keepLast nor maxAgeDays' };
  if (keepLast !== undefined && rank < keepLast) return { expired: false, reason: `kept: newest ${keepLast} (number ${rank + 1})` };
  if (maxAgeDays !== undefined && age <= maxAgeDays) return { expired: false, reason: `kept: ${age} days old, within ${maxAgeDays} days` };
  const beyond = [
    keepLast === undefined ? undefined : `beyond the newest ${keepLast}`,
    maxAgeDays === undefined ? undefined : `older than ${maxAgeDays} days`,
  ].filter(Boolean);
  return { expired: true, reason: `expired: ${age} days old, ${beyond.join(' and ')}` };
};

/** How a decision kept for unknown usage starts: the prune alert counts them. */
export const USAGE_UNKNOWN = 'kept: usage could not be established';

const usageVerdict = (imageId: string, usage: UsageReport | undefined): string | undefined => {
  if (usage === undefined) return undefined;
  if (!usage.known) return `${USAGE_UNKNOWN} (${usage.reason})`;
  if (!usage.checked.has(imageId)) return `${USAGE_UNKNOWN} (not looked up)`;
  const unknown = usage.unknown?.get(imageId);
  if (unknown !== undefined) return `${USAGE_UNKNOWN} (${unknown})`;
  const awaiting = usage.awaiting?.get(imageId);
  if (awaiting !== undefined) return `kept: ${awaiting}`;
  const uses = usage.uses.get(imageId);
  return uses && uses.length > 0 ? `kept: in use by ${uses.join(', ')}` : undefined;
};

/** An image's fate under the rule alone: decided, or expired (and then up to its usage and the floor). */
type RuleVerdict = { decision: ImageDecision } | { expired: string };

/** The rule's verdict on every image, newest first: ownership, failure, protections, then keepLast and maxAgeDays. */
const ruleVerdicts = (images: readonly ManagedImage[], ctx: PlanContext): { image: ManagedImage; verdict: RuleVerdict }[] => {
  let rank = 0;
  return newestFirst(images).map((image) => {
    const keep = (reason: string) => ({ image, verdict: { decision: decide(image, 'keep', reason) } });
    const foreign = notOurs(image, ctx);
    if (foreign !== undefined) return keep(foreign);
    if (image.state === 'failed') {
      return image.deregistrationProtected || ctx.protectedImageIds?.includes(image.imageId)
        ? keep('kept: failed, but deregistration protection is enabled or this execution is handling it')
        : { image, verdict: { decision: decide(image, 'delete', 'failed image: never usable, always cleaned up') } };
    }
    // An image set aside for inspection (it failed its boot test, or a rollback withdrew it) counts towards no rule.
    const failedTest = image.state === 'available' && isSetAside(image.tags);
    // Every other available image of the family counts towards "the newest N", protected or not.
    const position = image.state === 'available' && !failedTest ? rank++ : undefined;
    const protectedBy = protection(image, ctx);
    if (protectedBy !== undefined) return keep(protectedBy);
    if (failedTest) {
      const age = ageInDays(image, ctx.now);
      const { maxAgeDays } = ctx.policy;
      return maxAgeDays !== undefined && age > maxAgeDays
        ? {
            image,
            verdict: { expired: `${setAsideReason(image.tags)}, kept for inspection: ${age} days old, older than ${maxAgeDays} days` },
          }
        : keep(`kept for inspection: ${setAsideReason(image.tags)} (counts towards no rule; pruned once older than maxAgeDays)`);
    }
    // A disabled image launches nothing: it counts towards no rule and goes like an expired one.
    if (image.state === 'disabled')
      return { image, verdict: { expired: 'disabled: counts towards no rule, pruned like an expired image' } };
    if (position === undefined) return keep(`kept: state is ${image.state}`);
    const verdict = retentionVerdict(position, ageInDays(image, ctx.now), ctx.policy);
    return verdict.expired ? { image, verdict: { expired: verdict.reason } } : keep(verdict.reason);
  });
};

/**
 * The images whose usage decides their fate: every one the rule expires, before the `minKeep` floor rescues any
 * (the floor counts images kept for being in use, so which ones it rescues depends on the usage of all of them);
 * and every disabled one of the family, protected or not, since one found in use is enabled again.
 */
export const usageCandidates = (images: readonly ManagedImage[], ctx: PlanContext): string[] =>
  ruleVerdicts(images, ctx).flatMap(({ image, verdict }) =>
    'expired' in verdict || (image.state === 'disabled' && notOurs(image, ctx) === undefined) ? [image.imageId] : [],
  );

/** Decides every image's fate, newest first. */
export const planRetention = (images: readonly ManagedImage[], ctx: PlanContext): ImageDecision[] => {
  const decisions = ruleVerdicts(images, ctx).map(({ image, verdict }): ImageDecision => {
    if ('decision' in verdict) return verdict.decision;
    const used = usageVerdict(image.imageId, ctx.usage);
    const note = ctx.usage?.known ? ctx.usage.notes?.get(image.imageId) : undefined;
    if (used !== undefined) return decide(image, 'keep', used);
    return decide(image, 'delete', note === undefined ? verdict.expired : `${verdict.expired}; ${note}`);
  });
  // Only the family's own images count towards the floor: another family's or account's, or one set aside (it failed
  // its boot test, or a rollback withdrew it), are not a rollback.
  const uncounted = new Set(
    images.filter((image) => notOurs(image, ctx) !== undefined || isSetAside(image.tags)).map((image) => image.imageId),
  );
  return applyFloor(decisions, ctx.policy.minKeep, uncounted);
};

/** Rescues the newest expired images until `minKeep` available images remain. */
const applyFloor = (decisions: ImageDecision[], minKeep: number, uncounted: ReadonlySet<string>): ImageDecision[] => {
  let remaining = decisions.filter((d) => d.state === 'available' && d.action === 'keep' && !uncounted.has(d.imageId)).length;
  return decisions.map((d) => {
    if (remaining >= minKeep || d.action !== 'delete' || d.state !== 'available' || uncounted.has(d.imageId)) return d;
    remaining += 1;
    return {
      ...d,
      action: 'keep',
      reason: `kept: at least ${minKeep} available images must remain (${d.reason.replace(/^expired: /, 'would have expired: ')})`,
    };
  });
};
