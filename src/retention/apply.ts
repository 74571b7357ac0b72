/**
 * Carries out a plan's deletions: each expired image is deregistered with its snapshots, paced
 * under EC2's token buckets, and stops early when the Lambda's time runs low so the state machine
 * can call again. One failure never stops the others; every image gets an outcome with a reason.
 */
import { CreateTagsCommand, DeregisterImageCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { isGone } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';
import { deleteSnapshot } from '../rotation/images.ts';
import { TAG } from '../rotation/tags.ts';
import { withdrawLaunchPermissions } from './launch-permissions.ts';
import type { ImageDecision } from './plan.ts';
import type { TokenBucket } from './token-bucket.ts';

export interface SnapshotOutcome {
  snapshotId: string;
  outcome: 'deleted' | 'kept' | 'failed';
  reason: string;
}

export interface DeletionOutcome {
  imageId: string;
  name: string;
  outcome: 'deleted' | 'failed';
  reason: string;
  snapshots: SnapshotOutcome[];
}

export interface Pacing {
  deregister: TokenBucket;
  deleteSnapshot: TokenBucket;
  /** Milliseconds left before the Lambda is stopped. */
  remainingMs: () => number;
  /** Stop taking new work when less than this is left. */
  reserveMs: number;
  /** Calls in flight at once; the buckets decide the rate. */
  concurrency: number;
}

const describeError = (error: unknown): string =>
  `${awsErrorCode(error) ?? 'Error'}: ${error instanceof Error ? error.message : String(error)}`;

const pacedSnapshotDeletion = async (ec2: EC2Client, snapshotId: string, pacing: Pacing): Promise<SnapshotOutcome> => {
  await pacing.deleteSnapshot.take();
  try {
    const result = await deleteSnapshot(ec2, snapshotId);
    if (result === 'in-use') return { snapshotId, outcome: 'kept', reason: 'kept: still used by another image' };
    return { snapshotId, outcome: 'deleted', reason: result === 'gone' ? 'already gone' : 'deleted after its image was deregistered' };
  } catch (error) {
    return { snapshotId, outcome: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
};

/** Images made private on an earlier night (their withdrawn-at tag), and the time to mark one again. */
export interface Withdrawals {
  withdrawn: ReadonlySet<string>;
  now: Date;
}

const deleteImage = async (
  ec2: EC2Client,
  decision: ImageDecision,
  pacing: Pacing,
  shared: boolean,
  withdrawals: Withdrawals | undefined,
): Promise<DeletionOutcome> => {
  let withdrawn: string[] = [];
  if (shared) {
    try {
      withdrawn = await withdrawLaunchPermissions(ec2, decision.imageId);
      // Made private on an earlier night, yet still shared: that withdrawal never happened (its answer was lost), so
      // another account may have launched it since. Private now, and counted from now: never deregistered tonight.
      if (withdrawn.length > 0 && withdrawals?.withdrawn.has(decision.imageId)) {
        await ec2.send(
          new CreateTagsCommand({ Resources: [decision.imageId], Tags: [{ Key: TAG.withdrawnAt, Value: withdrawals.now.toISOString() }] }),
        );
        return {
          imageId: decision.imageId,
          name: decision.name,
          outcome: 'failed',
          reason: `not deregistered: still shared with ${withdrawn.join(', ')} though made private on an earlier night (that withdrawal did not finish); private now, and retired once EC2's launch record covers this withdrawal`,
          snapshots: [],
        };
      }
    } catch (error) {
      if (!isGone(error))
        return {
          imageId: decision.imageId,
          name: decision.name,
          outcome: 'failed',
          reason: `not deregistered: its launch permissions could not be withdrawn first (${describeError(error)})`,
          snapshots: [],
        };
    }
  }
  const lostAccess = withdrawn.length > 0 ? `; launch permission withdrawn from ${withdrawn.join(', ')}` : '';
  await pacing.deregister.take();
  let results: { SnapshotId?: string | undefined; ReturnCode?: string | undefined }[] | undefined;
  try {
    ({ DeleteSnapshotResults: results } = await ec2.send(
      new DeregisterImageCommand({ ImageId: decision.imageId, DeleteAssociatedSnapshots: true }),
    ));
  } catch (error) {
    if (!isGone(error)) {
      return {
        imageId: decision.imageId,
        name: decision.name,
        outcome: 'failed',
        reason: `deregistration failed: ${describeError(error)}${withdrawn.length > 0 ? ` (its launch permissions were withdrawn from ${withdrawn.join(', ')}: it is private now)` : ''}`,
        snapshots: [],
      };
    }
  }
  const snapshots: SnapshotOutcome[] = [];
  for (const snapshotId of decision.snapshotIds) {
    const code = results?.find((r) => r.SnapshotId === snapshotId)?.ReturnCode;
    if (code === 'success') snapshots.push({ snapshotId, outcome: 'deleted', reason: 'deleted with its image' });
    else if (code === 'skipped') snapshots.push({ snapshotId, outcome: 'kept', reason: 'kept: still used by another image' });
    else snapshots.push(await pacedSnapshotDeletion(ec2, snapshotId, pacing));
  }
  const failed = snapshots.filter((s) => s.outcome === 'failed');
  return {
    imageId: decision.imageId,
    name: decision.name,
    outcome: failed.length > 0 ? 'failed' : 'deleted',
    reason:
      failed.length > 0
        ? `deregistered${lostAccess}, but ${failed.length} snapshot(s) could not be deleted: ${failed.map((s) => `${s.snapshotId} (${s.reason})`).join(', ')}`
        : `${decision.reason}${lostAccess}`,
    snapshots,
  };
};

export interface ApplyResult {
  outcomes: DeletionOutcome[];
  /** False when time ran out before every deletion was tried. */
  done: boolean;
}

export const applyDeletions = async (
  ec2: EC2Client,
  deletions: readonly ImageDecision[],
  pacing: Pacing,
  shared: ReadonlySet<string> = new Set(),
  withdrawals?: Withdrawals,
): Promise<ApplyResult> => {
  const outcomes: DeletionOutcome[] = [];
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (next < deletions.length) {
      if (pacing.remainingMs() < pacing.reserveMs) {
        stopped = true;
        return;
      }
      const decision = deletions[next++];
      if (decision) outcomes.push(await deleteImage(ec2, decision, pacing, shared.has(decision.imageId), withdrawals));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, pacing.concurrency) }, worker));
  return { outcomes, done: !stopped && outcomes.length === deletions.length };
};

export const applySnapshotDeletions = async (
  ec2: EC2Client,
  snapshotIds: readonly string[],
  pacing: Pacing,
): Promise<{ outcomes: SnapshotOutcome[]; done: boolean }> => {
  const outcomes: SnapshotOutcome[] = [];
  for (const snapshotId of snapshotIds) {
    if (pacing.remainingMs() < pacing.reserveMs) return { outcomes, done: false };
    outcomes.push(await pacedSnapshotDeletion(ec2, snapshotId, pacing));
  }
  return { outcomes, done: true };
};
