import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
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

/** Starts the image, after making sure no earlier execution is rotating the same family. */
export const makeHandler = ({ ec2, sfn }: { ec2: EC2Client; sfn: SFNClient }) =>
  middy<CreateImageEvent, ImageProgress, Error, Context>()
    .use(stepLogging('CreateImage'))
    .handler(async (event) => {
      await assertNoEarlierRotation(sfn, event.request.family, event.execution, deploymentConfig());
      return createRotationImage(ec2, event.request, event.execution);
    });

export const handler = makeHandler({ ec2: ec2Client(), sfn: sfnClient() });
