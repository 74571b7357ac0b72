/**
 * The workflow's CloudWatch metrics, written as Embedded Metric Format lines to the function's log by
 * Powertools (Lambda turns them into metrics; no API call, no extra permission). The stack's alarms read
 * them by these names (infra/schedules.cjs: the freshness alarm of each family).
 */
import { Metrics } from '@aws-lambda-powertools/metrics';

export const METRICS_NAMESPACE = 'AmiRotator';
/** Powertools adds this as the `service` dimension of every metric; alarms must name it too. */
export const METRICS_SERVICE = 'ami-rotator';
/** One per family each time a new image is tagged available: the freshness alarm's heartbeat. */
export const ROTATION_SUCCEEDED = 'RotationSucceeded';

export const rotationMetrics = (): Metrics => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
