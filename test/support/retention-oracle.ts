/**
 * The oracle: the README's "Retention policy" section, written again in a few lines that share
 * nothing with the planner. Among the family's images (managed, this family, this account): a failed
 * one goes unless deregistration-protected; a pending one stays; a disabled one goes unless protected;
 * an available one expires when it is not among the newest `keepLast` available ones (newest first,
 * equal times by image id) and is more than `maxAgeDays` whole days old (only the one set decides;
 * neither set: nothing expires), and goes unless protected (keep tag, deregistration protection, in
 * use); then the newest expired ones are kept until `minKeep` available images remain. One that failed its boot
 * test counts towards no rule and goes once older than `maxAgeDays`, unless protected.
 */
export interface Spec {
  imageId: string;
  creationDate: string;
  state: string;
  ownerId: string;
  managed: boolean;
  family: string;
  keep: boolean;
  deregistrationProtected: boolean;
  inUse: boolean;
  /** Failed its boot test and was kept for inspection (ami-rotator:status=boot-test-failed). */
  failedTest?: boolean;
}
export type Policy = { keepLast?: number; maxAgeDays?: number; minKeep: number };

export const oracleDeletes = (
  specs: readonly Spec[],
  policy: Policy,
  now: Date,
  of: { accountId: string; family: string },
): Set<string> => {
  const ours = specs.filter((i) => i.ownerId === of.accountId && i.managed && i.family === of.family);
  const shielded = (i: Spec) => i.keep || i.deregistrationProtected || i.inUse;
  const gone = new Set<string>();
  for (const i of ours) {
    if (i.state === 'failed' && !i.deregistrationProtected) gone.add(i.imageId);
    if (i.state === 'disabled' && !shielded(i)) gone.add(i.imageId);
  }
  // Failed its boot test: counts towards no rule, goes once older than maxAgeDays unless protected.
  for (const i of ours) {
    if (i.state !== 'available' || !i.failedTest) continue;
    const days = Math.floor((now.getTime() - new Date(i.creationDate).getTime()) / 86_400_000);
    if (policy.maxAgeDays !== undefined && days > policy.maxAgeDays && !shielded(i)) gone.add(i.imageId);
  }
  const available = ours
    .filter((i) => i.state === 'available' && !i.failedTest)
    .sort((a, b) => b.creationDate.localeCompare(a.creationDate) || (a.imageId < b.imageId ? -1 : 1));
  const wholeDays = (i: Spec) => Math.floor((now.getTime() - new Date(i.creationDate).getTime()) / 86_400_000);
  const expired = available.filter((i, rank) => {
    if (policy.keepLast === undefined && policy.maxAgeDays === undefined) return false;
    const beyondCount = policy.keepLast === undefined || rank >= policy.keepLast;
    const beyondAge = policy.maxAgeDays === undefined || wholeDays(i) > policy.maxAgeDays;
    return beyondCount && beyondAge && !shielded(i);
  });
  let remaining = available.length - expired.length;
  for (const i of expired) {
    if (remaining < policy.minKeep) remaining += 1;
    else gone.add(i.imageId);
  }
  return gone;
};

/** What one night does to an image, as the README's "Deprecation" and "Disable before delete" paragraphs say. */
export type NightAction = 'delete' | 'disable' | 'enable' | 'deprecate' | 'withdraw' | 'share again' | 'keep';
export type NightPolicy = Policy & { deprecateAfterDays?: number; disableBeforeDeleteDays?: number; keepLaunchedWithinDays?: number };
/** A disabled image's `ami-rotator:disabled-at`, in days before now (absent: disabled by someone else); an existing deprecation time. */
export type NightSpec = Spec & { disabledDaysAgo?: number | undefined; deprecated?: boolean; shared?: boolean };

/**
 * With disableBeforeDeleteDays N, an image the rules would delete is disabled instead; a disabled one is deleted once
 * disabled N whole days and still unused (counted from now when it has no disabled-at); a disabled image of the family
 * found in use is enabled again; failed images go at once. With deprecateAfterDays, every available image of the
 * family but the newest, not tagged keep and not deleted or disabled tonight, and without a deprecation time, is
 * deprecated. Without disableBeforeDeleteDays, an available image shared with other accounts that would be deleted is
 * made private instead ("withdraw"): it is deleted on a later night (docs/distribution.md).
 */
export const oracleNight = (
  specs: readonly NightSpec[],
  policy: NightPolicy,
  now: Date,
  of: { accountId: string; family: string },
): Map<string, NightAction> => {
  const gone = oracleDeletes(specs, policy, now, of);
  const ours = (i: Spec) => i.ownerId === of.accountId && i.managed && i.family === of.family;
  const n = policy.disableBeforeDeleteDays;
  const actions = new Map<string, NightAction>();
  for (const i of specs) {
    let action: NightAction = 'keep';
    if (gone.has(i.imageId)) {
      if (n === undefined && i.shared && i.state === 'available') action = 'withdraw';
      else if (n === undefined || i.state === 'failed') action = 'delete';
      else if (i.state === 'available') action = 'disable';
      else if (i.disabledDaysAgo === undefined) action = 'disable';
      else action = Math.floor(i.disabledDaysAgo) >= n ? 'delete' : 'keep';
    } else if (n !== undefined && i.state === 'disabled' && ours(i) && i.inUse) action = 'enable';
    actions.set(i.imageId, action);
  }
  if (policy.deprecateAfterDays === undefined) return actions;
  const available = specs
    .filter((i) => ours(i) && i.state === 'available' && !i.failedTest)
    .sort((a, b) => b.creationDate.localeCompare(a.creationDate) || (a.imageId < b.imageId ? -1 : 1));
  const newest = available[0]?.imageId;
  for (const i of specs.filter((s) => ours(s) && s.state === 'available' && s.imageId !== newest)) {
    if (!i.keep && !i.deprecated && actions.get(i.imageId) === 'keep') actions.set(i.imageId, 'deprecate');
  }
  return actions;
};
