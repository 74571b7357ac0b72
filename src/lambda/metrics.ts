/**
 * The workflow's CloudWatch metrics, written as Embedded Metric Format lines to the function's log by
 * Powertools (Lambda turns them into metrics; no API call, no extra permission). Namespace AmiRotator,
 * dimensions service and family (and step, for failures). The stack's alarms and dashboard read them
 * by these names (infra/schedules.cjs, infra/dashboard.cjs).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { takeThrottleCount } from '../aws/throttles.ts';
import { FAMILY_PATTERN } from '../rotation/family.ts';
import { logKeysOf } from './log-keys.ts';

export const METRICS_NAMESPACE = 'AmiRotator';
/** Powertools adds this as the `service` dimension of every metric; alarms must name it too. */
export const METRICS_SERVICE = 'ami-rotator';

/** The metrics' names: one spelling for the code, the alarms, the dashboard and the README. */
export const METRIC = {
  /** One per family each time a new image is tagged available: the freshness alarm's heartbeat. */
  rotationSucceeded: 'RotationSucceeded',
  /** One per failed execution, by family and by failed step. */
  rotationFailed: 'RotationFailed',
  /** Seconds from the execution's start to its image found available. */
  imageReadySeconds: 'ImageReadySeconds',
  imagesPruned: 'ImagesPruned',
  snapshotsDeleted: 'SnapshotsDeleted',
  /** Images and snapshots a prune could not remove (each one listed in the prune alert). */
  pruneFailures: 'PruneFailures',
  /** Age of the family's newest available image when the prune looked (the new one, after a rotation). */
  newestImageAgeHours: 'NewestImageAgeHours',
  /** EC2 answers that throttled an attempt; the SDK's retries absorbed them unless the step failed. */
  ec2Throttles: 'Ec2Throttles',
} as const;
export const ROTATION_SUCCEEDED = METRIC.rotationSucceeded;

export const rotationMetrics = (): Metrics => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

/**
 * Writes the invocation's metrics under the event's family, with the EC2 throttles the invocation met,
 * once it ends (failed or not). An invocation that recorded nothing writes nothing (Powertools' own
 * middleware would warn on every such invocation).
 */
export const stepMetrics = <TEvent, TResult>(metrics: Metrics): MiddlewareObj<TEvent, TResult, Error, Context> => {
  const flush = () => {
    const throttles = takeThrottleCount();
    if (throttles > 0) metrics.addMetric(METRIC.ec2Throttles, MetricUnit.Count, throttles);
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    else metrics.clearDimensions();
  };
  return {
    before: (request) => {
      const { family } = logKeysOf(request.event);
      // A container's earlier invocation that ended before its flush may have left its family behind.
      metrics.clearDimensions();
      // A family the input contract refuses (the raw input of a failed validation) is not a dimension.
      if (family !== undefined && FAMILY_PATTERN.test(family)) metrics.addDimension('family', family);
    },
    after: flush,
    onError: flush,
  };
};
