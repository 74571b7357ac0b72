import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Alert, describeFailure, type ExecutionContext, type FailureState } from '../src/alerts/failure-alert.ts';
import { stepLogging } from '../src/lambda/middleware.ts';

export interface DescribeFailureEvent {
  state: FailureState;
  /** The execution's raw input, for the family and instance when validation failed. */
  input: unknown;
  execution: ExecutionContext;
}

/** Writes the alert for a failed execution; the state machine publishes it to SNS. */
export const handler = middy<DescribeFailureEvent, Alert, Error, Context>()
  .use(stepLogging('DescribeFailure'))
  .handler(async (event) => describeFailure({ ...event.state, input: event.input }, event.execution));
