import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EC2Client } from '@aws-sdk/client-ec2';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { METRIC, rotationMetrics, stepMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { byRegion } from '../src/lambda/regional.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import type { ImageProgress } from '../src/rotation/create-image.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import { type TaggedImage, tagAvailableImage } from '../src/rotation/tag-image.ts';

export interface TagImageEvent {
  /** The family, as the metric's dimension. */
  family: string;
  image: ImageProgress;
  /** For the time from the execution's start to the image found available (absent in older executions' input). */
  execution?: ExecutionRef;
}

/**
 * Tags the available image and its snapshots with what only now is known, and counts a successful
 * rotation for the family (the freshness alarm's heartbeat).
 */
export const makeHandler = ({ ec2 }: { ec2: EC2Client }, now: () => Date = () => new Date(), metrics: Metrics = rotationMetrics()) =>
  middy<TagImageEvent, TaggedImage, Error, Context>()
    .use(stepTracing('TagImage'))
    .use(stepLogging('TagImage'))
    .use(stepMetrics(metrics))
    .handler(async (event) => {
      const at = now();
      const tagged = await tagAvailableImage(ec2, event.family, event.image, at);
      metrics.addMetric(METRIC.rotationSucceeded, MetricUnit.Count, 1);
      if (event.execution)
        metrics.addMetric(
          METRIC.imageReadySeconds,
          MetricUnit.Seconds,
          Math.round((at.getTime() - Date.parse(event.execution.startTime)) / 1000),
        );
      return tagged;
    });

// In the region the event names (a copy's), or the function's own.
export const handler = byRegion((region) => makeHandler({ ec2: ec2Client(region) }));
