import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Alert, describeFailure, type FailureState } from '../src/alerts/failure-alert.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';

export interface DescribeFailureEvent {
  state: FailureState;
  /** The execution's raw input, for the family and instance when validation failed. */
  input: unknown;
  execution: ExecutionRef;
}

/** Writes the alert for a failed execution; the state machine publishes it to SNS. Calls no AWS service. */
export const makeHandler = () =>
  middy<DescribeFailureEvent, Alert, Error, Context>()
    .use(stepLogging('DescribeFailure'))
    .handler(async (event) => describeFailure({ ...event.state, input: event.input }, event.execution));

export const handler = makeHandler();
