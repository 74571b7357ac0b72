/**
 * A shared image is retired over two nights (docs/distribution.md, "Sharing with other accounts"). EC2 reports a
 * launch in LastLaunchedTime only 24 hours after it, so the night an expired shared image is found unused it is only
 * made private (`withdraw`: its launch permissions withdrawn); a later night, once no other account can have launched it
 * unseen, deregisters it if it is still unused, or shares it again (`share again`) when a use or an earlier launch shows.
 * With disableBeforeDeleteDays the disabling does this (DisableImage removes every launch permission). Pure: it rewrites
 * the plan's decisions and says what to withdraw or share again, with a reason for each.
 */
import type { ImageDecision, UsageReport } from './plan.ts';
import type { RetentionPolicy } from './policy.ts';
import type { StageDecision, StagedPlan } from './staging.ts';

export const planWithdrawals = (
  decisions: readonly ImageDecision[],
  usage: UsageReport | undefined,
  policy: RetentionPolicy,
): StagedPlan => {
  if (!usage?.known) return { decisions: [...decisions], stages: [] };
  const stages: StageDecision[] = [];
  const stage = (d: ImageDecision, what: StageDecision['stage'], reason: string): ImageDecision => {
    stages.push({ imageId: d.imageId, name: d.name, stage: what, alreadyDisabled: false, reason });
    return { ...d, action: 'keep', reason };
  };
  const staged = decisions.map((d): ImageDecision => {
    const restore = usage.restore?.get(d.imageId);
    if (restore !== undefined && d.action === 'keep' && d.state === 'available')
      return stage(d, 'share again', `share again: made private to retire it, but in use by ${restore}`);
    // Only an available image can be launched by another account: a disabled one has no launch permissions left.
    if (d.action !== 'delete' || d.state !== 'available' || !usage.withdraw?.has(d.imageId) || policy.disableBeforeDeleteDays !== undefined)
      return d;
    return stage(
      d,
      'withdraw',
      `withdraw: ${d.reason}; made private tonight (its launch permissions withdrawn) and deregistered on a later night, once EC2's launch record (24 hours behind) covers the withdrawal, if still unused`,
    );
  });
  return { decisions: staged, stages };
};
