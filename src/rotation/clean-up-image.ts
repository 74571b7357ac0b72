import { DeregisterImageCommand, DescribeImagesCommand, DescribeSnapshotsCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { ec2Call, fromEc2Error, isGone } from '../aws/ec2-errors.ts';
import { ImageNotFoundError, ImageNotOwnedError } from '../errors.ts';
import { deleteSnapshot, describeImage } from './images.ts';
import type { ExecutionRef } from './naming.ts';
import { AVAILABLE, TAG } from './tags.ts';

export interface CleanUpResult {
  imageId: string;
  deregistered: boolean;
  /** Every image of this execution that was deregistered. */
  deregisteredImages: string[];
  deletedSnapshots: string[];
  /** Snapshots left in place, each with why. */
  keptSnapshots: { snapshotId: string; reason: string }[];
  /** Images of this execution left in place (`keepCompleted`), each with why. */
  keptImages: { imageId: string; reason: string }[];
}

/**
 * `keepCompleted`: leave an image of this execution that TagImage completed (ami-rotator:status=available). The step
 * that failed could not have made it: an earlier attempt of the same execution did (a re-run after a failure, or a
 * redrive), and it may be published. CopyImage's clean-up asks for it: a copy that failed is never complete.
 */
export interface CleanUpOptions {
  keepCompleted?: boolean;
}

/** The images this execution made, found by its tag (disabled ones included), whatever step failed. */
const imagesOfExecution = async (ec2: EC2Client, execution: ExecutionRef): Promise<Image[]> => {
  const { Images } = await ec2Call(`list images of execution ${execution.name}`, () =>
    ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        IncludeDisabled: true,
        Filters: [{ Name: `tag:${TAG.execution}`, Values: [execution.id] }],
      }),
    ),
  );
  return Images ?? [];
};

/** Deregisters one image with its snapshots; one that is already gone (a retried call) counts as done. */
const deregister = async (ec2: EC2Client, imageId: string): Promise<string[]> => {
  const results = await ec2.send(new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true })).then(
    (r) => r.DeleteSnapshotResults ?? [],
    (error: unknown) => {
      if (isGone(error)) return [];
      throw fromEc2Error(error, `deregister image ${imageId}`);
    },
  );
  return results.filter((r) => r.ReturnCode === 'success').map((r) => r.SnapshotId ?? '');
};

/**
 * Removes what this execution made when a step after CreateImage failed: the image it knows of (when
 * it knows one), every image tagged with this execution (CreateImage may have made one and failed to
 * say so), then every snapshot tagged with this execution. Only resources carrying this execution's
 * tag are touched: an image named to it that carries another execution's tag is refused.
 */
export const cleanUpExecutionImage = async (
  ec2: EC2Client,
  imageId: string | undefined,
  execution: ExecutionRef,
  options: CleanUpOptions = {},
): Promise<CleanUpResult> => {
  const deletedSnapshots: string[] = [];
  const found = await imagesOfExecution(ec2, execution);
  const completed = (image: Image) =>
    options.keepCompleted === true && image.Tags?.some((t) => t.Key === TAG.status && t.Value === AVAILABLE);
  const keptImages = found.filter(completed).map((i) => ({
    imageId: i.ImageId ?? '',
    reason: 'completed by an earlier attempt of this execution (it may be published): left in place',
  }));
  const ids = new Set(
    found
      .filter((i) => !completed(i))
      .map((i) => i.ImageId ?? '')
      .filter(Boolean),
  );
  // The image the step knew of, when the tag listing (eventually consistent) did not show it: described
  // on its own, so a just-made image is still removed and one of another execution is refused.
  if (imageId !== undefined && !ids.has(imageId)) {
    const known = await describeImage(ec2, imageId).catch((error: unknown) => {
      // Already gone (a retry of this step, or someone else): the rest still needs checking.
      if (error instanceof ImageNotFoundError) return undefined;
      throw error;
    });
    const owner = known?.Tags?.find((t) => t.Key === TAG.execution)?.Value;
    if (known && owner !== execution.id) {
      throw new ImageNotOwnedError(
        `Image ${imageId} is tagged with execution ${owner ?? '(none)'}, not ${execution.id}; it was left in place`,
      );
    }
    if (known && !completed(known)) ids.add(imageId);
  }
  for (const id of ids) deletedSnapshots.push(...(await deregister(ec2, id)));
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
  return {
    imageId: imageId ?? [...ids][0] ?? 'none',
    deregistered: ids.size > 0,
    deregisteredImages: [...ids],
    deletedSnapshots,
    keptSnapshots,
    keptImages,
  };
};
