import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { EC2Client } from '@aws-sdk/client-ec2';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { rotationMetrics, stepMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { byRegion } from '../src/lambda/regional.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import { checkRotationImage } from '../src/rotation/check-image.ts';
import type { ImageProgress } from '../src/rotation/create-image.ts';
import type { RotationRequest } from '../src/rotation/request.ts';
import { type AwaitedImage, progressAfterWait } from '../src/waits/await-image.ts';

export interface CheckImageEvent {
  request: RotationRequest;
  image: ImageProgress;
  /** How the AwaitImage before this check ended: its output, or its error (a deadline). */
  awaited?: AwaitedImage | { Error?: string };
}

/** One look at the pending image: its state and the next wait. The Wait state sleeps, not this Lambda. */
export const makeHandler = ({ ec2 }: { ec2: EC2Client }, metrics: Metrics = rotationMetrics()) =>
  middy<CheckImageEvent, ImageProgress, Error, Context>()
    .use(stepTracing('CheckImage'))
    .use(stepLogging('CheckImage'))
    .use(stepMetrics(metrics))
    .handler(async (event) => checkRotationImage(ec2, progressAfterWait(event.image, event.awaited), event.request.wait));

// In the region the event names (a copy's), or the function's own.
export const handler = byRegion((region) => makeHandler({ ec2: ec2Client(region) }));
