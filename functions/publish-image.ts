import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { accountsUnderOu, consumerRoleOf, consumerSsmClients, organizationsClient, stsClient } from '../src/aws/consumer-clients.ts';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { ssmClient } from '../src/aws/ssm-client.ts';
import { rotationMetrics, stepMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { byRegion } from '../src/lambda/regional.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import { confirmPublish, type PublishResult } from '../src/rotation/confirm-publish.ts';
import type { AccountsUnder, ConsumerSsm } from '../src/rotation/consumers.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import { publishImage } from '../src/rotation/publish.ts';
import type { Publish } from '../src/rotation/request.ts';

/** PublishImage: write the parameter and the template versions. */
export interface PublishImageEvent {
  publish: Publish;
  image: { imageId: string; name: string; family: string };
  execution: ExecutionRef;
}
/** ConfirmPublish: one read-back of the parameter. */
export interface ConfirmPublishEvent {
  published: PublishResult;
}

/**
 * Both publishing states, in one function: the read-back alone would carry the SSM client for one call,
 * a cold start as costly as the whole step's. The state machine says which by the event's shape.
 */
export const makeHandler = (
  clients: { ec2: EC2Client; ssm: SSMClient; consumers?: { ssmOf: ConsumerSsm; region: string; accountsUnder?: AccountsUnder } },
  metrics: Metrics = rotationMetrics(),
) =>
  middy<PublishImageEvent | ConfirmPublishEvent, PublishResult, Error, Context>()
    .use(stepTracing('PublishImage'))
    .use(stepLogging('PublishImage'))
    .use(stepMetrics(metrics))
    .handler(async (event) =>
      'published' in event
        ? confirmPublish(clients.ssm, event.published, clients.consumers?.ssmOf)
        : publishImage(clients, event.publish, event.image, event.execution),
    );

// In the region the event names (a copy's), or the function's own; consumers there as the role their side provides.
export const handler = byRegion((region) =>
  makeHandler({
    ec2: ec2Client(region),
    ssm: ssmClient(region),
    consumers: {
      ssmOf: consumerSsmClients(stsClient(region), consumerRoleOf(process.env), region),
      region: region ?? process.env.AWS_REGION ?? '',
      accountsUnder: accountsUnderOu(organizationsClient()),
    },
  }),
);
