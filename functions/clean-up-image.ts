import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { type CleanupResult, cleanUpExecutionImage } from '../src/rotation/cleanup-image.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';

export interface CleanUpImageEvent {
  image: { imageId: string };
  execution: ExecutionRef;
}

/** Removes this execution's failed or timed-out image and every snapshot tagged with this execution. */
export const handler = middy<CleanUpImageEvent, CleanupResult, Error, Context>()
  .use(stepLogging('CleanUpImage'))
  .handler(async (event) => cleanUpExecutionImage(ec2Client(), event.image.imageId, event.execution));
