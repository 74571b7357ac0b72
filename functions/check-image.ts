import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { checkRotationImage } from '../src/rotation/check-image.ts';
import type { ImageProgress } from '../src/rotation/create-image.ts';
import type { RotationRequest } from '../src/rotation/request.ts';

export interface CheckImageEvent {
  request: RotationRequest;
  image: ImageProgress;
}

/** One look at the pending image: its state and the next wait. The Wait state sleeps, not this Lambda. */
export const handler = middy<CheckImageEvent, ImageProgress, Error, Context>()
  .use(stepLogging('CheckImage'))
  .handler(async (event) => checkRotationImage(ec2Client(), event.image, event.request.wait));
