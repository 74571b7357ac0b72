/** Plan, then act: lists the family, plans with reasons, looks up usage of the candidates, and deletes what expired. */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DisableImageCommand,
  EnableImageCommand,
  EnableImageDeprecationCommand,
} from '@aws-sdk/client-ec2';
import type { RbinClient } from '@aws-sdk/client-rbin';
import { ec2Call } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';
import type { Share } from '../rotation/publish-request.ts';
import { TAG } from '../rotation/tags.ts';
import { applyDeletions, applySnapshotDeletions, type DeletionOutcome, type Pacing, type SnapshotOutcome } from './apply.ts';
import { type DeprecationDecision, planDeprecations } from './deprecation.ts';
import { listFamilyImages, listFamilySnapshots } from './inventory.ts';
import { makePrivate, shareAgain } from './launch-permissions.ts';
import { planOrphanSnapshots, type SnapshotDecision } from './orphans.ts';
import { type ImageDecision, type PlanContext, planRetention, usageCandidates } from './plan.ts';
import { readRecycleBinRules } from './recycle-bin.ts';
import { assessRecycleBin, type RecycleBinAssessment } from './recycle-bin-assessment.ts';
import { withSharedUses } from './shared-usage.ts';
import { planStages, type StageDecision } from './staging.ts';
import { lookUpUsage, summarizeUsage, type UsageSummary } from './usage.ts';
import { planWithdrawals } from './withdrawal.ts';

export interface PruneSettings extends Omit<PlanContext, 'usage'> {
  /** Orphaned snapshots younger than this are left alone. */
  orphanGraceHours: number;
  executionId?: string | undefined;
  /** Ask EC2 for an AMI usage report of a shared candidate that has none (never when planning or on a dry run). */
  requestUsageReports?: boolean;
  /** A usage report still being made is waited for (the state machine's wait); false once the waits are used up. */
  mayWaitForUsageReports?: boolean;
  /** Read the Recycle Bin's rules (once per prune: the first pass and the plan command). */
  checkRecycleBin?: boolean;
  /** With whom this rotation shares its images: a shared image made private and found in use is shared with them again. */
  share?: Share | undefined;
}

export interface PrunePlan {
  images: ImageDecision[];
  snapshots: SnapshotDecision[];
  /** How the expiry candidates' usage was established. */
  usage: UsageSummary;
  /** Images to deprecate now (policy deprecateAfterDays), each with its time and reason. */
  deprecations: DeprecationDecision[];
  /** Images to disable instead of deleting, or to enable again (policy disableBeforeDeleteDays). */
  stages: StageDecision[];
  /** Whether a deleted image could be restored; absent when not checked. */
  recycleBin?: RecycleBinAssessment;
  /** Usage reports still being made that decide a shared image's fate: the state machine waits, then plans again. */
  pendingUsageReports: string[];
  /** The images to delete that are shared with other accounts: their launch permissions are withdrawn first. */
  shared: string[];
  /** Shared images made private on an earlier night (tagged withdrawn-at): one still shared is not deregistered. */
  withdrawn: string[];
  /** Images this execution enabled again, by their enabled-at tag: told in the alert even when the pass that did it died. */
  reenabled: { imageId: string; name: string }[];
}

export const ORPHAN_GRACE_HOURS = 24;

/**
 * The services a prune reads: EC2 for images and their users, Auto Scaling for the groups that launch them,
 * Recycle Bin for whether a deletion could be undone (absent: not checked).
 */
export interface PruneClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  recycleBin?: RbinClient;
}

export const planPrune = async ({ ec2, autoScaling, recycleBin }: PruneClients, settings: PruneSettings): Promise<PrunePlan> => {
  const inventory = await listFamilyImages(ec2, settings.family);
  const candidates = usageCandidates(inventory, settings);
  const { usage, pending } = await withSharedUses(ec2, await lookUpUsage(ec2, autoScaling, candidates), inventory, {
    requestReports: settings.requestUsageReports ?? false,
    executionId: settings.executionId,
    since: settings.now,
    keepLaunchedWithinDays: settings.policy.keepLaunchedWithinDays,
    mayWait: settings.mayWaitForUsageReports ?? true,
  });
  const withdrawals = planWithdrawals(planRetention(inventory, { ...settings, usage }), usage, settings.policy);
  const staged = planStages(inventory, withdrawals.decisions, usage, settings);
  const images = staged.decisions;
  const stages = [...withdrawals.stages, ...staged.stages];
  const snapshots = planOrphanSnapshots(await listFamilySnapshots(ec2, settings.family), inventory, {
    now: settings.now,
    graceHours: settings.orphanGraceHours,
    executionId: settings.executionId,
  });
  const retiring = new Set([
    ...images.filter((d) => d.action === 'delete').map((d) => d.imageId),
    ...stages.filter((s) => s.stage === 'disable' || s.stage === 'withdraw').map((s) => s.imageId),
  ]);
  const deprecations = planDeprecations(inventory, retiring, settings);
  const reenabled = inventory
    .filter((i) => i.state === 'available' && i.tags[TAG.enabledAt] === settings.now.toISOString())
    .map(({ imageId, name }) => ({ imageId, name }));
  const shared = inventory.filter((i) => i.tags[TAG.shared]?.toLowerCase() === 'true').map((i) => i.imageId);
  const plan: PrunePlan = {
    images,
    snapshots,
    usage: summarizeUsage(usage, candidates.length),
    deprecations,
    stages,
    pendingUsageReports: pending,
    shared: images.filter((d) => d.action === 'delete' && shared.includes(d.imageId)).map((d) => d.imageId),
    withdrawn: inventory.filter((i) => i.tags[TAG.withdrawnAt] !== undefined && shared.includes(i.imageId)).map((i) => i.imageId),
    reenabled,
  };
  if (settings.checkRecycleBin && recycleBin) plan.recycleBin = assessRecycleBin(await readRecycleBinRules(recycleBin), inventory);
  return plan;
};

export interface PruneRun {
  plan: PrunePlan;
  images: DeletionOutcome[];
  snapshots: SnapshotOutcome[];
  deprecations: DeprecationOutcome[];
  stages: StageOutcome[];
  /** False when time ran out: call again to go on where this run stopped. */
  done: boolean;
}

export interface StageOutcome {
  imageId: string;
  name: string;
  stage: StageDecision['stage'];
  outcome: 'done' | 'failed';
  reason: string;
}

const doneOf = (s: StageDecision): StageOutcome => ({
  imageId: s.imageId,
  name: s.name,
  stage: s.stage,
  outcome: 'done',
  reason: s.reason,
});

/** Disables (and tags when) or enables again (and untags), makes private or shares again each staged image; a refusal is reported, never fatal. */
const applyStages = async (
  ec2: PruneClients['ec2'],
  planned: readonly StageDecision[],
  now: Date,
  share: Share | undefined,
): Promise<StageOutcome[]> => {
  const outcomes: StageOutcome[] = [];
  for (const s of planned) {
    try {
      if (s.stage === 'withdraw') {
        const from = await makePrivate(ec2, s.imageId, now);
        outcomes.push({
          ...doneOf(s),
          reason: `${s.reason}${from.length > 0 ? `; launch permission withdrawn from ${from.join(', ')}` : ''}`,
        });
        continue;
      }
      if (s.stage === 'share again') {
        outcomes.push({ ...doneOf(s), reason: `${s.reason}; shared again with ${(await shareAgain(ec2, s.imageId, share)).join(', ')}` });
        continue;
      }
      if (s.stage === 'disable') {
        // A retry whose first answer was lost finds the image disabled already: EC2 says IncorrectState, which is done.
        if (!s.alreadyDisabled)
          await ec2Call(`disable image ${s.imageId}`, () =>
            ec2.send(new DisableImageCommand({ ImageId: s.imageId })).catch((error: unknown) => {
              if (awsErrorCode(error) === 'IncorrectState') return undefined;
              throw error;
            }),
          );
        await ec2Call(`tag image ${s.imageId} disabled`, () =>
          ec2.send(new CreateTagsCommand({ Resources: [s.imageId], Tags: [{ Key: TAG.disabledAt, Value: now.toISOString() }] })),
        );
      } else {
        // The marker first: whatever stops the pass after it, the next pass of this execution still tells the alert.
        await ec2Call(`mark image ${s.imageId} enabled`, () =>
          ec2.send(new CreateTagsCommand({ Resources: [s.imageId], Tags: [{ Key: TAG.enabledAt, Value: now.toISOString() }] })),
        );
        await ec2Call(`enable image ${s.imageId}`, () =>
          ec2.send(new EnableImageCommand({ ImageId: s.imageId })).catch((error: unknown) => {
            if (awsErrorCode(error) === 'IncorrectState') return undefined;
            throw error;
          }),
        );
        await ec2Call(`untag image ${s.imageId}`, () =>
          ec2.send(new DeleteTagsCommand({ Resources: [s.imageId], Tags: [{ Key: TAG.disabledAt }] })),
        );
      }
      outcomes.push({ imageId: s.imageId, name: s.name, stage: s.stage, outcome: 'done', reason: s.reason });
    } catch (error) {
      outcomes.push({
        imageId: s.imageId,
        name: s.name,
        stage: s.stage,
        outcome: 'failed',
        reason: `not ${s.stage}d: ${(error as Error).message}`,
      });
    }
  }
  return outcomes;
};

export interface DeprecationOutcome {
  imageId: string;
  name: string;
  outcome: 'deprecated' | 'failed';
  reason: string;
}

/** Deprecates the planned images, one call each; a refusal is reported, never fatal: deletions already happened. */
const applyDeprecations = async (ec2: PruneClients['ec2'], planned: readonly DeprecationDecision[]): Promise<DeprecationOutcome[]> => {
  const outcomes: DeprecationOutcome[] = [];
  for (const d of planned) {
    try {
      await ec2Call(`deprecate image ${d.imageId}`, () =>
        ec2.send(new EnableImageDeprecationCommand({ ImageId: d.imageId, DeprecateAt: new Date(d.deprecateAt) })),
      );
      outcomes.push({ imageId: d.imageId, name: d.name, outcome: 'deprecated', reason: d.reason });
    } catch (error) {
      outcomes.push({ imageId: d.imageId, name: d.name, outcome: 'failed', reason: `not deprecated: ${(error as Error).message}` });
    }
  }
  return outcomes;
};

/** Oldest first, so an interrupted run has removed the most expired images. */
const oldestFirst = (decisions: readonly ImageDecision[]): ImageDecision[] => [...decisions].reverse();

export const runPrune = async (clients: PruneClients, settings: PruneSettings, pacing: Pacing): Promise<PruneRun> => {
  const plan = await planPrune(clients, settings);
  const images = await applyDeletions(
    clients.ec2,
    oldestFirst(plan.images.filter((d) => d.action === 'delete')),
    pacing,
    new Set(plan.shared),
    { withdrawn: new Set(plan.withdrawn), now: settings.now },
  );
  if (!images.done) return { plan, images: images.outcomes, snapshots: [], deprecations: [], stages: [], done: false };
  const orphans = plan.snapshots.filter((d) => d.action === 'delete').map((d) => d.snapshotId);
  const snapshots = await applySnapshotDeletions(clients.ec2, orphans, pacing);
  if (!snapshots.done) return { plan, images: images.outcomes, snapshots: snapshots.outcomes, deprecations: [], stages: [], done: false };
  // Last, and only once the deletions are done: a later pass re-plans and skips what is already deprecated.
  const deprecations = await applyDeprecations(clients.ec2, plan.deprecations);
  const stages = await applyStages(clients.ec2, plan.stages, settings.now, settings.share);
  return { plan, images: images.outcomes, snapshots: snapshots.outcomes, deprecations, stages, done: true };
};
