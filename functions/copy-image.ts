import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { EC2Client } from '@aws-sdk/client-ec2';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { rotationMetrics, stepMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { byRegion } from '../src/lambda/regional.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import { type CopyResult, copyRotationImage } from '../src/rotation/copy-image.ts';
import type { ImageProgress } from '../src/rotation/create-image.ts';
import type { RegionTarget } from '../src/rotation/distribute-request.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import type { RotationRequest } from '../src/rotation/request.ts';

export interface CopyImageEvent {
  request: RotationRequest;
  execution: ExecutionRef;
  /** The source image, available and tagged. */
  image: ImageProgress;
  /** Where to copy it (one of `request.distribute.regions`); its region is the one this step acts in. */
  target: RegionTarget;
  /** The destination region, which the handler's clients are signed for. */
  region: string;
  /** Where the source image is. */
  sourceRegion: string;
}

/** Starts the copy of the new image into one region; the wait, the tags and publishing there follow as for the source. */
export const makeHandler = ({ ec2 }: { ec2: EC2Client }, metrics: Metrics = rotationMetrics()) =>
  middy<CopyImageEvent, CopyResult, Error, Context>()
    .use(stepTracing('CopyImage'))
    .use(stepLogging('CopyImage'))
    .use(stepMetrics(metrics))
    .handler(async (event) => copyRotationImage(ec2, event));

// In the destination region.
export const handler = byRegion((region) => makeHandler({ ec2: ec2Client(region) }));
