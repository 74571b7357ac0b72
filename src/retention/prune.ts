/** Plan, then act: lists the family, plans with reasons, looks up usage of the candidates, and deletes what expired. */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { EnableImageDeprecationCommand } from '@aws-sdk/client-ec2';
import { ec2Call } from '../aws/ec2-errors.ts';
import { applyDeletions, applySnapshotDeletions, type DeletionOutcome, type Pacing, type SnapshotOutcome } from './apply.ts';
import { type DeprecationDecision, planDeprecations } from './deprecation.ts';
import { listFamilyImages, listFamilySnapshots } from './inventory.ts';
import { planOrphanSnapshots, type SnapshotDecision } from './orphans.ts';
import { type ImageDecision, type PlanContext, planRetention } from './plan.ts';
import { lookUpUsage, summarizeUsage, type UsageSummary } from './usage.ts';

export interface PruneSettings extends Omit<PlanContext, 'usage'> {
  /** Orphaned snapshots younger than this are left alone. */
  orphanGraceHours: number;
  executionId?: string | undefined;
}

export interface PrunePlan {
  images: ImageDecision[];
  snapshots: SnapshotDecision[];
  /** How the expiry candidates' usage was established. */
  usage: UsageSummary;
  /** Images to deprecate now (policy deprecateAfterDays), each with its time and reason. */
  deprecations: DeprecationDecision[];
}

export const ORPHAN_GRACE_HOURS = 24;

/** The services a prune reads: EC2 for images and their users, Auto Scaling for the groups that launch them. */
export interface PruneClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

export const planPrune = async ({ ec2, autoScaling }: PruneClients, settings: PruneSettings): Promise<PrunePlan> => {
  const inventory = await listFamilyImages(ec2, settings.family);
  const firstPass = planRetention(inventory, settings);
  const candidates = firstPass.filter((d) => d.action === 'delete' && d.state !== 'failed').map((d) => d.imageId);
  const usage = await lookUpUsage(ec2, autoScaling, candidates);
  const images = planRetention(inventory, { ...settings, usage });
  const snapshots = planOrphanSnapshots(await listFamilySnapshots(ec2, settings.family), inventory, {
    now: settings.now,
    graceHours: settings.orphanGraceHours,
    executionId: settings.executionId,
  });
  const deprecations = planDeprecations(inventory, images, settings);
  return { images, snapshots, usage: summarizeUsage(usage, candidates.length), deprecations };
};

export interface PruneRun {
  plan: PrunePlan;
  images: DeletionOutcome[];
  snapshots: SnapshotOutcome[];
  deprecations: DeprecationOutcome[];
  /** False when time ran out: call again to go on where this run stopped. */
  done: boolean;
}

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
  const images = await applyDeletions(clients.ec2, oldestFirst(plan.images.filter((d) => d.action === 'delete')), pacing);
  if (!images.done) return { plan, images: images.outcomes, snapshots: [], deprecations: [], done: false };
  const orphans = plan.snapshots.filter((d) => d.action === 'delete').map((d) => d.snapshotId);
  const snapshots = await applySnapshotDeletions(clients.ec2, orphans, pacing);
  if (!snapshots.done) return { plan, images: images.outcomes, snapshots: snapshots.outcomes, deprecations: [], done: false };
  // Last, and only once the deletions are done: a later pass re-plans and skips what is already deprecated.
  const deprecations = await applyDeprecations(clients.ec2, plan.deprecations);
  return { plan, images: images.outcomes, snapshots: snapshots.outcomes, deprecations, done: true };
};
