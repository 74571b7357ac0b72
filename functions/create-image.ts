import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { sfnClient } from '../src/aws/sfn-client.ts';
import { deploymentConfig } from '../src/config.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { assertNoEarlierRotation } from '../src/rotation/concurrency.ts';
import { createRotationImage, type ImageProgress } from '../src/rotation/create-image.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import type { RotationRequest } from '../src/rotation/request.ts';

export interface CreateImageEvent {
  request: RotationRequest;
  execution: ExecutionRef;
}

export const handler = middy<CreateImageEvent, ImageProgress, Error, Context>()
  .use(stepLogging('CreateImage'))
  .handler(async (event) => {
    await assertNoEarlierRotation(sfnClient(), event.request.family, event.execution, deploymentConfig().defaultFamily);
    return createRotationImage(ec2Client(), event.request, event.execution);
  });
