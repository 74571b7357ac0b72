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
import type { ExecutionRef } from '../src/rotation/naming.ts';
import { checkPreparing, type PrepareProgress, startPreparing } from '../src/rotation/prepare.ts';
import type { RotationRequest } from '../src/rotation/request.ts';
import { STEP } from '../src/workflow/contract.ts';

export type PrepareInstanceEvent =
  | { step: typeof STEP.StartPreparing; request: RotationRequest; execution: ExecutionRef }
  | { step: typeof STEP.CheckPreparing; prepare: PrepareProgress; execution: ExecutionRef };

/**
 * StartPreparing: makes sure no earlier execution is rotating the family (two would patch one instance at once),
 * that the instance is opted in and managed by Systems Manager, then runs the first document. CheckPreparing: one
 * look at the running document; the next document, the status checks after the last, or the next wait.
 */
export const makeHandler = ({ ec2, sfn, ssm }: { ec2: EC2Client; sfn: SFNClient; ssm: SSMClient }, metrics: Metrics = rotationMetrics()) =>
  middy<PrepareInstanceEvent, PrepareProgress, Error, Context>()
    .use(stepTracing('PrepareInstance'))
    .use(stepLogging('PrepareInstance'))
    .use(stepMetrics(metrics))
    .handler(async (event) => {
      if (event.step === STEP.CheckPreparing) return checkPreparing({ ec2, ssm }, event.prepare, event.execution);
      await assertNoEarlierRotation(sfn, event.request.family, event.execution, deploymentConfig());
      return startPreparing({ ec2, ssm }, event.request, event.execution);
    });

export const handler = makeHandler({ ec2: ec2Client(), sfn: sfnClient(), ssm: ssmClient() });
