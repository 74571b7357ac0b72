import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { EC2Client } from '@aws-sdk/client-ec2';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { rotationMetrics, stepMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { byRegion } from '../src/lambda/regional.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import { type CleanUpResult, cleanUpExecutionImage } from '../src/rotation/clean-up-image.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';

export interface CleanUpImageEvent {
  /** The image the failed step knew of; absent when CreateImage or TagImage failed. */
  image?: { imageId: string };
  execution: ExecutionRef;
  /** Leave an image of this execution that an earlier attempt completed (CleanUpAfterCopyFailure). */
  keepCompleted?: boolean;
}

/** Removes this execution's failed or timed-out image and every snapshot tagged with this execution. */
export const makeHandler = ({ ec2 }: { ec2: EC2Client }, metrics: Metrics = rotationMetrics()) =>
  middy<CleanUpImageEvent, CleanUpResult, Error, Context>()
    .use(stepTracing('CleanUpImage'))
    .use(stepLogging('CleanUpImage'))
    .use(stepMetrics(metrics))
    .handler(async (event) =>
      cleanUpExecutionImage(ec2, event.image?.imageId, event.execution, { keepCompleted: event.keepCompleted === true }),
    );

// In the region the event names (a copy's), or the function's own.
export const handler = byRegion((region) => makeHandler({ ec2: ec2Client(region) }));
