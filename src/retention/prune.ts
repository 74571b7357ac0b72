/** Plan, then act: lists the family, plans with reasons, looks up usage of the candidates, and deletes what expired. */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { applyDeletions, applySnapshotDeletions, type DeletionOutcome, type Pacing, type SnapshotOutcome } from './apply.ts';
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
  return { images, snapshots, usage: summarizeUsage(usage, candidates.length) };
};

export interface PruneRun {
  plan: PrunePlan;
  images: DeletionOutcome[];
  snapshots: SnapshotOutcome[];
  /** False when time ran out: call again to go on where this run stopped. */
  done: boolean;
}

/** Oldest first, so an interrupted run has removed the most expired images. */
const oldestFirst = (decisions: readonly ImageDecision[]): ImageDecision[] => [...decisions].reverse();

export const runPrune = async (clients: PruneClients, settings: PruneSettings, pacing: Pacing): Promise<PruneRun> => {
  const plan = await planPrune(clients, settings);
  const images = await applyDeletions(clients.ec2, oldestFirst(plan.images.filter((d) => d.action === 'delete')), pacing);
  if (!images.done) return { plan, images: images.outcomes, snapshots: [], done: false };
  const orphans = plan.snapshots.filter((d) => d.action === 'delete').map((d) => d.snapshotId);
  const snapshots = await applySnapshotDeletions(clients.ec2, orphans, pacing);
  return { plan, images: images.outcomes, snapshots: snapshots.outcomes, done: snapshots.done };
};
