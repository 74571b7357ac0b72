import { CreateImageCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { fromEc2Error, isImageNameTaken } from '../aws/ec2-errors.ts';
import { ImageNameTakenError, UnsupportedInstanceError } from '../errors.ts';
import { awaitDeadline, waitBeforePoll } from './backoff.ts';
import { expectedSeconds } from './expected-duration.ts';
import { describeOptedInInstance, findImageByName, type ImageSnapshot } from './images.ts';
import { type ExecutionRef, imageDescription, imageName } from './naming.ts';
import type { RotationRequest } from './request.ts';
import { TAG, toEc2Tags } from './tags.ts';

/** An image being made, and where its wait stands: the state the workflow carries between polls. */
export interface ImageProgress {
  imageId: string;
  name: string;
  instanceId: string;
  state: 'pending' | 'available' | 'failed';
  stateReason?: string;
  /** How many times the image has been checked. */
  poll: number;
  /** The wait before the next check, in seconds. */
  nextWaitSeconds: number;
  /** All waiting planned so far, including `nextWaitSeconds`. */
  waitedSeconds: number;
  /** How long AwaitImage waits at most before the state machine looks itself (`awaitDeadline`): at least `nextWaitSeconds`. */
  deadlineSeconds: number;
  timedOut: boolean;
  /** The image's snapshots and their devices, once it has settled. */
  snapshots?: ImageSnapshot[];
  /** When an earlier run of the same execution tagged it complete (a re-run meets the image it made): kept as it was. */
  completedAt?: string;
}

/** A new image (made or copied), before its first check: pending, with the first wait planned. */
export const pendingImage = (imageId: string, name: string, request: RotationRequest, expected?: number): ImageProgress => {
  // The family's usual duration, when it has one, between the backoff's first wait and the wait cap.
  const wait =
    expected === undefined
      ? waitBeforePoll(0, request.wait)
      : Math.min(request.wait.timeoutSeconds, Math.max(request.wait.initialSeconds, Math.ceil(expected)));
  return {
    imageId,
    name,
    instanceId: request.instanceId,
    state: 'pending',
    poll: 0,
    nextWaitSeconds: wait,
    waitedSeconds: wait,
    deadlineSeconds: awaitDeadline(wait, wait, request.wait),
    timedOut: false,
  };
};

/** The tags every image of the family is born with (and its snapshots): whose it is, from what, made by which execution. */
export const ownershipTags = (request: RotationRequest, execution: ExecutionRef, name: string) => ({
  ...request.tags,
  Name: name,
  [TAG.managed]: 'true',
  [TAG.family]: request.family,
  [TAG.sourceInstance]: request.instanceId,
  [TAG.execution]: execution.id,
  [TAG.createdAt]: execution.startTime,
});

/**
 * Starts an AMI of the request's instance, tagging the image and its snapshots on creation.
 * Idempotent per execution: when a retry finds the name taken by this execution's own image
 * (the first call's response was lost), it returns that image instead of making another.
 */
export const createRotationImage = async (ec2: EC2Client, request: RotationRequest, execution: ExecutionRef): Promise<ImageProgress> => {
  const instance = await describeOptedInInstance(ec2, request.instanceId, request.family);
  if (instance.RootDeviceType !== 'ebs') {
    throw new UnsupportedInstanceError(
      `Instance ${request.instanceId} has an ${instance.RootDeviceType} root device; an AMI captures EBS volumes only`,
    );
  }
  const name = imageName(request.family, execution);
  const tags = toEc2Tags(ownershipTags(request, execution, name));
  const progress = async (imageId: string) => pendingImage(imageId, name, request, await expectedSeconds(ec2, request.family));
  try {
    const { ImageId } = await ec2.send(
      new CreateImageCommand({
        InstanceId: request.instanceId,
        Name: name,
        Description: request.description ?? imageDescription(request.family, request.instanceId, request.noReboot, execution),
        NoReboot: request.noReboot,
        TagSpecifications: [
          { ResourceType: 'image', Tags: tags },
          { ResourceType: 'snapshot', Tags: tags },
        ],
      }),
    );
    return await progress(ImageId ?? '');
  } catch (error) {
    if (!isImageNameTaken(error)) throw fromEc2Error(error, `create image ${name} from ${request.instanceId}`);
  }
  const existing = await findImageByName(ec2, name);
  const owner = existing?.Tags?.find((t) => t.Key === TAG.execution)?.Value;
  if (existing?.ImageId && owner === execution.id) return await progress(existing.ImageId);
  throw new ImageNameTakenError(
    `Image name ${name} is already used by ${existing?.ImageId ?? 'an image'}${owner ? ` of execution ${owner}` : ' not made by ami-rotator'}; start the rotation again a second later or remove that image`,
  );
};
