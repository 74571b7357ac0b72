import type { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { ec2Call } from '../src/aws/ec2-errors.ts';
import { ssmClient } from '../src/aws/ssm-client.ts';
import { rotationMetrics, stepMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import { checkTestInstance } from '../src/rotation/boot-check.ts';
import { type BootTestProgress, launchTestInstance, terminateTestInstance } from '../src/rotation/boot-test.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import type { RotationRequest } from '../src/rotation/request.ts';
import { BOOT_TEST_FAILED, TAG, toEc2Tags } from '../src/rotation/tags.ts';

export type BootTestEvent =
  | { action: 'launch'; request: RotationRequest; image: { imageId: string; name: string }; execution: ExecutionRef }
  | { action: 'check'; request: RotationRequest; bootTest: BootTestProgress; execution: ExecutionRef }
  /** The known instance, if any; every instance tagged with the execution goes too. With `failedImageId`, the image is marked. */
  | { action: 'terminate'; instanceId?: string; failedImageId?: string; execution: ExecutionRef };

export type BootTestResult = BootTestProgress | { terminated: string[] };

const markFailed = (ec2: EC2Client, imageId: string) =>
  ec2Call(`mark image ${imageId} boot-test-failed`, () =>
    ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: toEc2Tags({ [TAG.status]: BOOT_TEST_FAILED }) })),
  );

/** The boot test's three states (LaunchTestInstance, CheckBoot, and each Terminate) in one function, told apart by `action`. */
export const makeHandler = (
  clients: { ec2: EC2Client; ssm: SSMClient },
  now: () => Date = () => new Date(),
  metrics: Metrics = rotationMetrics(),
) =>
  middy<BootTestEvent, BootTestResult, Error, Context>()
    .use(stepTracing('BootTest'))
    .use(stepLogging('BootTest'))
    .use(stepMetrics(metrics))
    .handler(async (event) => {
      if (event.action === 'launch') {
        if (!event.request.bootTest) throw new Error('launch without a bootTest in the request');
        return launchTestInstance(clients.ec2, event.image, event.request.bootTest, event.execution, now());
      }
      if (event.action === 'check') {
        if (!event.request.bootTest) throw new Error('check without a bootTest in the request');
        return checkTestInstance(clients, event.bootTest, event.request.bootTest);
      }
      const terminated = await terminateTestInstance(clients.ec2, event.execution, event.instanceId || undefined);
      if (event.failedImageId) await markFailed(clients.ec2, event.failedImageId);
      return { terminated };
    });

export const handler = makeHandler({ ec2: ec2Client(), ssm: ssmClient() });
