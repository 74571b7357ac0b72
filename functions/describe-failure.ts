import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Alert, describeFailure, describePruneFailures } from '../src/alerts/failure-alert.ts';
import { METRIC, rotationMetrics, stepMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import { failureOf, packFailure, type RegionOutcome, STEP, type WorkflowFailureState } from '../src/workflow/contract.ts';

/** DescribeRegionFailure, in the image workflow: the facts of its failure for the rotation, no alert yet. */
export interface DescribeRegionFailureEvent {
  step:
    | typeof STEP.DescribeRegionFailure
    | typeof STEP.DescribePrepareFailure
    | typeof STEP.DescribeCopyRegionFailure
    | typeof STEP.DescribeRollbackRegionFailure
    | typeof STEP.DescribePromotionRegionFailure;
  failure: WorkflowFailureState;
}

export interface DescribeFailureEvent {
  step?: typeof STEP.DescribeFailure | typeof STEP.DescribeRollbackFailure | typeof STEP.DescribePromotionFailure;
  /** The failure path's state: `failed.<step>` (the contract), and what the rotation had made. */
  failure: WorkflowFailureState;
  /** The execution's raw input, for the family and instance when validation failed. */
  input: unknown;
  execution: ExecutionRef;
}

/** DescribePruneFailures, in the rotation: every region is imaged and published; some prunes left things behind. */
export interface DescribePruneFailuresEvent {
  step: typeof STEP.DescribePruneFailures;
  family: string;
  regions: RegionOutcome[];
}

const isPruneFailures = (
  event: DescribeFailureEvent | DescribeRegionFailureEvent | DescribePruneFailuresEvent,
): event is DescribePruneFailuresEvent => event.step === STEP.DescribePruneFailures;

const isRegionFailure = (
  event: DescribeFailureEvent | DescribeRegionFailureEvent | DescribePruneFailuresEvent,
): event is DescribeRegionFailureEvent =>
  event.step === STEP.DescribeRegionFailure ||
  event.step === STEP.DescribePrepareFailure ||
  event.step === STEP.DescribeCopyRegionFailure ||
  event.step === STEP.DescribeRollbackRegionFailure ||
  event.step === STEP.DescribePromotionRegionFailure;

/**
 * DescribeFailure: writes the alert for a failed execution (the state machine publishes it to SNS) and counts
 * the failure by family and by failed step. DescribeRegionFailure, DescribePrepareFailure and DescribeCopyRegionFailure: pack a
 * child workflow's (or a copy region's) failure into an error and a cause, for the rotation's DescribeFailure to read. Calls no AWS service.
 */
export const makeHandler = ({ metrics = rotationMetrics() }: { metrics?: Metrics } = {}) =>
  middy<
    DescribeFailureEvent | DescribeRegionFailureEvent | DescribePruneFailuresEvent,
    Alert | { error: string; cause: string } | { subject: string; message: string },
    Error,
    Context
  >()
    .use(stepTracing('DescribeFailure'))
    .use(stepLogging('DescribeFailure'))
    .use(stepMetrics(metrics))
    .handler(async (event) => {
      // Counted once, by the rotation's DescribeFailure.
      if (isRegionFailure(event)) return packFailure(event.failure);
      // A good rotation's prune alert: not a failure, not counted as one.
      if (isPruneFailures(event)) return describePruneFailures(event.family, event.regions);
      // The version straight from the environment: an alert is written even when the stage's settings are invalid.
      const alert = describeFailure({ ...failureOf(event.failure), input: event.input }, event.execution, process.env.ROTATOR_VERSION);
      metrics.addDimensions({ step: alert.details.failedStep.slice(0, 250) });
      metrics.addMetric(METRIC.rotationFailed, MetricUnit.Count, 1);
      return alert;
    });

export const handler = makeHandler();
