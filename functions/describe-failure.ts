import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Alert, describeFailure, type FailureState } from '../src/alerts/failure-alert.ts';
import { METRIC, rotationMetrics, stepMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';

export interface DescribeFailureEvent {
  state: FailureState;
  /** The execution's raw input, for the family and instance when validation failed. */
  input: unknown;
  execution: ExecutionRef;
}

/**
 * Writes the alert for a failed execution (the state machine publishes it to SNS) and counts the failure
 * by family and by failed step. Calls no AWS service.
 */
export const makeHandler = ({ metrics = rotationMetrics() }: { metrics?: Metrics } = {}) =>
  middy<DescribeFailureEvent, Alert, Error, Context>()
    .use(stepTracing('DescribeFailure'))
    .use(stepLogging('DescribeFailure'))
    .use(stepMetrics(metrics))
    .handler(async (event) => {
      const alert = describeFailure({ ...event.state, input: event.input }, event.execution);
      metrics.addDimensions({ step: alert.details.failedStep.slice(0, 250) });
      metrics.addMetric(METRIC.rotationFailed, MetricUnit.Count, 1);
      return alert;
    });

export const handler = makeHandler();
