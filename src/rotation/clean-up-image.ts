import { DeregisterImageCommand, DescribeSnapshotsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ec2Call } from '../aws/ec2-errors.ts';
import { ImageNotFoundError, ImageNotOwnedError } from '../errors.ts';
import { deleteSnapshot, describeImage } from './images.ts';
import type { ExecutionRef } from './naming.ts';
import { TAG } from './tags.ts';

export interface CleanUpResult {
  imageId: string;
  deregistered: boolean;
  deletedSnapshots: string[];
  /** Snapshots left in place, each with why. */
  keptSnapshots: { snapshotId: string; reason: string }[];
}

/**
 * Removes what this execution made when its image failed or never became available: the image,
 * then every snapshot tagged with this execution (found by tag, so none is missed even when the
 * image no longer lists it). Only resources carrying this execution's tag are touched.
 */
export const cleanUpExecutionImage = async (ec2: EC2Client, imageId: string, execution: ExecutionRef): Promise<CleanUpResult> => {
  let deregistered = false;
  const deletedSnapshots: string[] = [];
  const image = await describeImage(ec2, imageId).catch((error: unknown) => {
    // Already gone (a retry of this step, or someone else): the snapshots below still need checking.
    if (error instanceof ImageNotFoundError) return undefined;
    throw error;
  });
  if (image) {
    const owner = image.Tags?.find((t) => t.Key === TAG.execution)?.Value;
    if (owner !== execution.id) {
      throw new ImageNotOwnedError(
        `Image ${imageId} is tagged with execution ${owner ?? '(none)'}, not ${execution.id}; it was left in place`,
      );
    }
    const { DeleteSnapshotResults } = await ec2Call(`deregister image ${imageId}`, () =>
      ec2.send(new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true })),
    );
    deregistered = true;
    deletedSnapshots.push(...(DeleteSnapshotResults ?? []).filter((r) => r.ReturnCode === 'success').map((r) => r.SnapshotId ?? ''));
  }
  const { Snapshots } = await ec2Call(`list snapshots of execution ${execution.name}`, () =>
    ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${TAG.execution}`, Values: [execution.id] }] })),
  );
  const keptSnapshots: CleanUpResult['keptSnapshots'] = [];
  for (const snapshot of Snapshots ?? []) {
    const snapshotId = snapshot.SnapshotId ?? '';
    const result = await deleteSnapshot(ec2, snapshotId);
    if (result === 'deleted') deletedSnapshots.push(snapshotId);
    if (result === 'in-use') keptSnapshots.push({ snapshotId, reason: 'still used by another image' });
  }
  return { imageId, deregistered, deletedSnapshots, keptSnapshots };
};
