/**
 * The oracle: the README's "Retention policy" section, written again in a few lines that share
 * nothing with the planner. Among the family's images (managed, this family, this account): a failed
 * one goes unless deregistration-protected; a pending one stays; a disabled one goes unless protected;
 * an available one expires when it is not among the newest `keepLast` available ones (newest first,
 * equal times by image id) and is more than `maxAgeDays` whole days old (only the one set decides;
 * neither set: nothing expires), and goes unless protected (keep tag, deregistration protection, in
 * use); then the newest expired ones are kept until `minKeep` available images remain.
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
  const available = ours
    .filter((i) => i.state === 'available')
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
