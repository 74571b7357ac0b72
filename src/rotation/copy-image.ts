/**
 * The copy of a new image into another region (`distribute`): CopyImage, called in the destination region, from the
 * source image once it is available, tagged and tested. EC2 API Reference, CopyImage: the copy is made in the region
 * the request is signed for; `ClientToken` makes a repeated call answer with the first copy; `KmsKeyId` requires
 * `Encrypted`. The copy is born with the family's tags (so it is a family of its own in that region, pruned there
 * under that region's policy) and says what it was copied from.
 */

import { createHash } from 'node:crypto';
import { CopyImageCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { fromEc2Error, isImageNameTaken } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';
import { CopyLimitReachedError, ImageNameTakenError } from '../errors.ts';
import { type ImageProgress, ownershipTags, pendingImage } from './create-image.ts';
import type { RegionTarget } from './distribute-request.ts';
import { expectedSeconds } from './expected-duration.ts';
import { findImageByName } from './images.ts';
import type { ExecutionRef } from './naming.ts';
import type { RotationRequest } from './request.ts';
import { TAG, toEc2Tags } from './tags.ts';

export interface CopyResult {
  /** The destination region: the region every later step of this copy acts in. */
  region: string;
  /** The copy, pending, with its first wait planned as a new image's is. */
  image: ImageProgress;
  /** The request as the copy's region sees it: its own publishing and retention, no boot test, no copies of its own. */
  request: RotationRequest;
}

/** One token per execution and region (at most 64 ASCII characters): a retried call never makes a second copy. */
const copyToken = (execution: ExecutionRef, region: string): string =>
  createHash('sha256').update(`${execution.id} ${region}`).digest('hex');

/** The request a copy's region works with: the target's publishing and retention; the copy is neither tested nor copied again. */
const regionalRequest = (request: RotationRequest, target: RegionTarget): RotationRequest => {
  const { publish: _publish, bootTest: _bootTest, prepare: _prepare, distribute: _distribute, ...rest } = request;
  return { ...rest, retention: target.retention, ...(target.publish ? { publish: target.publish } : {}) };
};

/**
 * Starts the copy of `source` (in `sourceRegion`) into the region `ec2` is signed for. Idempotent per execution and
 * region: the client token answers a repeated call with the first copy, and a name taken by this execution's own
 * copy (a token EC2 no longer remembers) is that copy.
 */
export const copyRotationImage = async (
  ec2: EC2Client,
  event: { request: RotationRequest; execution: ExecutionRef; image: ImageProgress; target: RegionTarget; sourceRegion: string },
): Promise<CopyResult> => {
  const { request, execution, image, target, sourceRegion } = event;
  const tags = toEc2Tags({
    ...ownershipTags(request, execution, image.name),
    [TAG.copiedFrom]: image.imageId,
    [TAG.sourceRegion]: sourceRegion,
  });
  // The family's copies in this region tell how long a copy there usually takes.
  const result = async (imageId: string): Promise<CopyResult> => ({
    region: target.region,
    image: pendingImage(imageId, image.name, request, await expectedSeconds(ec2, request.family)),
    request: regionalRequest(request, target),
  });
  try {
    const { ImageId } = await ec2.send(
      new CopyImageCommand({
        SourceImageId: image.imageId,
        SourceRegion: sourceRegion,
        Name: image.name,
        Description: `ami-rotator ${request.family}: copy of ${image.imageId} from ${sourceRegion}, execution ${execution.name}`.slice(
          0,
          255,
        ),
        ...(target.kmsKeyId ? { Encrypted: true, KmsKeyId: target.kmsKeyId } : {}),
        ClientToken: copyToken(execution, target.region),
        TagSpecifications: [
          { ResourceType: 'image', Tags: tags },
          { ResourceType: 'snapshot', Tags: tags },
        ],
      }),
    );
    return result(ImageId ?? '');
  } catch (error) {
    const doing = `copy image ${image.imageId} from ${sourceRegion} to ${target.region}`;
    if (awsErrorCode(error) === 'ResourceLimitExceeded')
      throw new CopyLimitReachedError(
        `${doing}: EC2 is already copying as many images into ${target.region} as its quota allows (50 at once, 25 from one region); this region gets no copy tonight, and the next rotation copies again`,
        { cause: error },
      );
    if (!isImageNameTaken(error)) throw fromEc2Error(error, doing);
  }
  const existing = await findImageByName(ec2, image.name);
  const owner = existing?.Tags?.find((t) => t.Key === TAG.execution)?.Value;
  if (existing?.ImageId && owner === execution.id) return result(existing.ImageId);
  throw new ImageNameTakenError(
    `Image name ${image.name} is already used in ${target.region} by ${existing?.ImageId ?? 'an image'}${owner ? ` of execution ${owner}` : ' not made by ami-rotator'}; remove that image or rename it`,
  );
};
