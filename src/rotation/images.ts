/** EC2 reads shared by the rotation steps. */
import { DescribeImagesCommand, DescribeInstancesCommand, type EC2Client, type Image, type Instance } from '@aws-sdk/client-ec2';
import { ec2Call } from '../aws/ec2-errors.ts';
import { ImageNotFoundError, InstanceNotFoundError } from '../errors.ts';

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

export const snapshotsOf = (image: Image): { snapshotId: string; deviceName: string }[] =>
  (image.BlockDeviceMappings ?? []).flatMap((m) =>
    m.Ebs?.SnapshotId ? [{ snapshotId: m.Ebs.SnapshotId, deviceName: m.DeviceName ?? '' }] : [],
  );

export const snapshotIdsOf = (image: Image): string[] => snapshotsOf(image).map((s) => s.snapshotId);
