import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { sfnClient } from '../src/aws/sfn-client.ts';
import { ssmClient } from '../src/aws/ssm-client.ts';
import { deploymentConfig } from '../src/config.ts';
import { rotationMetrics, stepMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import { assertNoEarlierRotation } from '../src/rotation/concurrency.ts';
import { createRotationImage, type ImageProgress } from '../src/rotation/create-image.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import { checkPublishTargets } from '../src/rotation/publish.ts';
import type { RotationRequest } from '../src/rotation/request.ts';

export interface CreateImageEvent {
  request: RotationRequest;
  execution: ExecutionRef;
}

/**
 * Starts the image, after making sure no earlier execution is rotating the same family and that where the
 * image will be published can take it: everything that could refuse the rotation is checked before anything is made.
 */
export const makeHandler = ({ ec2, sfn, ssm }: { ec2: EC2Client; sfn: SFNClient; ssm: SSMClient }, metrics: Metrics = rotationMetrics()) =>
  middy<CreateImageEvent, ImageProgress, Error, Context>()
    .use(stepTracing('CreateImage'))
    .use(stepLogging('CreateImage'))
    .use(stepMetrics(metrics))
    .handler(async (event) => {
      await assertNoEarlierRotation(sfn, event.request.family, event.execution, deploymentConfig());
      await checkPublishTargets({ ec2, ssm }, event.request.family, event.request.publish);
      return createRotationImage(ec2, event.request, event.execution);
    });

export const handler = makeHandler({ ec2: ec2Client(), sfn: sfnClient(), ssm: ssmClient() });
