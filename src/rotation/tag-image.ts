import { CreateTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ec2Call } from '../aws/ec2-errors.ts';
import type { ImageProgress } from './create-image.ts';
import { describeImage, findPreviousImage, type ImageSnapshot, snapshotsOf } from './images.ts';
import { AVAILABLE, TAG, toEc2Tags } from './tags.ts';

export interface TaggedImage extends ImageProgress {
  snapshots: ImageSnapshot[];
  completedAt: string;
  /** The family's newest available image before this one (what consumers move from); null for the first. */
  previousImageId: string | null;
}

/**
 * Adds what is only known once the image is available: its status and time, and on each snapshot its
 * image and device. The snapshots come from the check that saw the image available; an older state
 * without them (a retried execution) reads them from EC2. Also finds the image this one replaces.
 */
export const tagAvailableImage = async (ec2: EC2Client, family: string, progress: ImageProgress, now: Date): Promise<TaggedImage> => {
  const snapshots = progress.snapshots?.length ? progress.snapshots : snapshotsOf(await describeImage(ec2, progress.imageId));
  // An image a run of the same execution already tagged complete keeps its time (its history, the family's usual duration).
  const completedAt = progress.completedAt ?? now.toISOString();
  if (progress.completedAt === undefined)
    await ec2Call(`tag image ${progress.imageId}`, () =>
      ec2.send(
        new CreateTagsCommand({
          Resources: [progress.imageId],
          Tags: toEc2Tags({ [TAG.status]: AVAILABLE, [TAG.completedAt]: completedAt }),
        }),
      ),
    );
  for (const { snapshotId, deviceName } of snapshots) {
    await ec2Call(`tag snapshot ${snapshotId}`, () =>
      ec2.send(
        new CreateTagsCommand({
          Resources: [snapshotId],
          Tags: toEc2Tags({
            Name: `${progress.name} ${deviceName}`,
            [TAG.imageId]: progress.imageId,
            [TAG.device]: deviceName,
            [TAG.status]: AVAILABLE,
          }),
        }),
      ),
    );
  }
  return { ...progress, snapshots, completedAt, previousImageId: await findPreviousImage(ec2, family, progress.imageId) };
};
