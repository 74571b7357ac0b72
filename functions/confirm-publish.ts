import type { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ssmClient } from '../src/aws/ssm-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { confirmPublish, type PublishResult } from '../src/rotation/publish.ts';

export interface ConfirmPublishEvent {
  published: PublishResult;
}

/** One read-back of the published parameter: SSM validates an aws:ec2:image value after PutParameter answers. */
export const makeHandler = ({ ssm }: { ssm: SSMClient }) =>
  middy<ConfirmPublishEvent, PublishResult, Error, Context>()
    .use(stepLogging('ConfirmPublish'))
    .handler(async (event) => confirmPublish(ssm, event.published));

export const handler = makeHandler({ ssm: ssmClient() });
