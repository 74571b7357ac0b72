import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { EC2Client } from '@aws-sdk/client-ec2';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { ROTATION_SUCCEEDED, rotationMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import type { ImageProgress } from '../src/rotation/create-image.ts';
import { type TaggedImage, tagAvailableImage } from '../src/rotation/tag-image.ts';

export interface TagImageEvent {
  /** The family, as the metric's dimension. */
  family: string;
  image: ImageProgress;
}

/**
 * Tags the available image and its snapshots with what only now is known, and counts a successful
 * rotation for the family (the freshness alarm's heartbeat).
 */
export const makeHandler = ({ ec2 }: { ec2: EC2Client }, now: () => Date = () => new Date(), metrics: Metrics = rotationMetrics()) =>
  middy<TagImageEvent, TaggedImage, Error, Context>()
    .use(stepLogging('TagImage'))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const tagged = await tagAvailableImage(ec2, event.image, now());
      metrics.addDimension('family', event.family);
      metrics.addMetric(ROTATION_SUCCEEDED, MetricUnit.Count, 1);
      return tagged;
    });

export const handler = makeHandler({ ec2: ec2Client() });
