/** EC2 calls shared by the rotation and retention steps. */
import {
  DeleteSnapshotCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type Image,
  type Instance,
  paginateDescribeImages,
} from '@aws-sdk/client-ec2';
import { ec2Call, fromEc2Error, isGone, isSnapshotInUse } from '../aws/ec2-errors.ts';
import { ImageNotFoundError, InstanceNotFoundError, InstanceNotOptedInError } from '../errors.ts';
import { fromEc2Tags, isSetAside, TAG } from './tags.ts';

export const describeImage = async (ec2: EC2Client, imageId: string): Promise<Image> => {
  const { Images } = await ec2Call(`describe image ${imageId}`, () => ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })));
  const image = Images?.[0];
  if (!image) throw new ImageNotFoundError(`Image ${imageId} does not exist (deregistered outside this execution?)`);
  return image;
};

export const findImageByName = async (ec2: EC2Client, name: string): Promise<Image | undefined> => {
  const { Images } = await ec2Call(`look up image named ${name}`, () =>
    ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] })),
  );
  return Images?.[0];
};

/** The instance, if it exists and is not terminated. */
export const describeLiveInstance = async (ec2: EC2Client, instanceId: string): Promise<Instance> => {
  const { Reservations } = await ec2Call(`describe instance ${instanceId}`, () =>
    ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
  );
  const instance = Reservations?.[0]?.Instances?.[0];
  const state = instance?.State?.Name;
  if (!instance || state === 'terminated' || state === 'shutting-down') {
    throw new InstanceNotFoundError(`Instance ${instanceId} ${instance ? `is ${state}` : 'does not exist'}; nothing to image`);
  }
  return instance;
};

/**
 * The instance, if it exists, is not terminated and is opted in to the family: imaging (and prepare, which patches)
 * may reboot it, so only an instance its owners tagged `ami-rotator:family=<family>` is touched. The roles enforce
 * the tag too (infra/); this check says why before anything is changed.
 */
export const describeOptedInInstance = async (ec2: EC2Client, instanceId: string, family: string): Promise<Instance> => {
  const instance = await describeLiveInstance(ec2, instanceId);
  const optedIn = fromEc2Tags(instance.Tags)[TAG.family];
  if (optedIn !== family)
    throw new InstanceNotOptedInError(
      `Instance ${instanceId} ${optedIn === undefined ? 'has no' : `has ${TAG.family}=${optedIn}, not the`} tag ${TAG.family}=${family}; tag it to opt it in to this family's rotation`,
    );
  return instance;
};

export interface ImageSnapshot {
  snapshotId: string;
  deviceName: string;
}

export const snapshotsOf = (image: Image): ImageSnapshot[] =>
  (image.BlockDeviceMappings ?? []).flatMap((m) =>
    m.Ebs?.SnapshotId ? [{ snapshotId: m.Ebs.SnapshotId, deviceName: m.DeviceName ?? '' }] : [],
  );

export const snapshotIdsOf = (image: Image): string[] => snapshotsOf(image).map((s) => s.snapshotId);

/**
 * Deletes a snapshot. EC2 itself refuses one that still backs a registered image: that answer is
 * `in-use`, not an error, and one already deleted is `gone`. Anything else is thrown, mapped.
 */
export const deleteSnapshot = async (ec2: EC2Client, snapshotId: string): Promise<'deleted' | 'gone' | 'in-use'> => {
  try {
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    return 'deleted';
  } catch (error) {
    if (isGone(error)) return 'gone';
    if (isSnapshotInUse(error)) return 'in-use';
    throw fromEc2Error(error, `delete snapshot ${snapshotId}`);
  }
};

/**
 * The family's newest available image other than `imageId`, made by ami-rotator in this account: the
 * image a rotation replaces (the "previous image" of its event); null for a family's first image.
 */
export const findPreviousImage = async (ec2: EC2Client, family: string, imageId: string): Promise<string | null> => {
  let newest: { id: string; at: string } | undefined;
  try {
    const pages = paginateDescribeImages(
      { client: ec2, pageSize: 1000 },
      {
        Owners: ['self'],
        Filters: [
          { Name: `tag:${TAG.family}`, Values: [family] },
          { Name: `tag:${TAG.managed}`, Values: ['true'] },
          { Name: 'state', Values: ['available'] },
        ],
      },
    );
    for await (const page of pages) {
      for (const image of page.Images ?? []) {
        if (image.ImageId === imageId || !image.ImageId) continue;
        // An image set aside (it failed its boot test, or a rollback withdrew it) is never the previous image.
        if (isSetAside(fromEc2Tags(image.Tags))) continue;
        const at = image.CreationDate ?? '';
        // Equal creation times: the lower image id counts as the newer, as the retention plan orders them.
        if (!newest || at > newest.at || (at === newest.at && image.ImageId < newest.id)) newest = { id: image.ImageId, at };
      }
    }
  } catch (error) {
    throw fromEc2Error(error, `list the images of family ${family}`);
  }
  return newest?.id ?? null;
};

/** When the image was tagged complete (`ami-rotator:completed-at`), if it was. */
export const completedAtOf = (image: Image): string | undefined => image.Tags?.find((t) => t.Key === TAG.completedAt)?.Value;
