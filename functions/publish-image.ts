import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { ssmClient } from '../src/aws/ssm-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import { type PublishResult, publishImage } from '../src/rotation/publish.ts';
import type { Publish } from '../src/rotation/request.ts';

export interface PublishImageEvent {
  publish: Publish;
  image: { imageId: string; name: string };
  execution: ExecutionRef;
}

/** Writes the SSM parameter and a version of each launch template; the state machine then reads the parameter back. */
export const makeHandler = (clients: { ec2: EC2Client; ssm: SSMClient }) =>
  middy<PublishImageEvent, PublishResult, Error, Context>()
    .use(stepLogging('PublishImage'))
    .handler(async (event) => publishImage(clients, event.publish, event.image, event.execution));

export const handler = makeHandler({ ec2: ec2Client(), ssm: ssmClient() });
