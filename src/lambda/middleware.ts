import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { field, logKeysOf, stepOf, text } from './log-keys.ts';
import { logger as sharedLogger } from './logger.ts';
import { withSourceStack } from './stack-traces.ts';

/** EC2's (or another service's) request id of the call that failed, from the error or its cause. */
const awsRequestIdOf = (error: unknown): string | undefined => {
  const own = text(field(field(error, '$metadata'), 'requestId'));
  return own ?? (field(error, 'cause') === undefined ? undefined : awsRequestIdOf(field(error, 'cause')));
};

const stepKeys = <TEvent, TResult>(fallback: string, logger: Logger): MiddlewareObj<TEvent, TResult, Error, Context> => ({
  before: (request) => {
    const step = stepOf(request.event, fallback);
    logger.appendKeys({ step, ...logKeysOf(request.event) });
    logger.info(`${step} started`);
  },
  after: (request) => {
    logger.info(`${stepOf(request.event, fallback)} finished`);
  },
  onError: (request) => {
    // The bundle's source map is read here, on the first error, not at every cold start (stack-traces.ts).
    const error = withSourceStack(request.error);
    const awsRequestId = awsRequestIdOf(error);
    logger.error(`${stepOf(request.event, fallback)} failed`, { error, ...(awsRequestId ? { aws_request_id: awsRequestId } : {}) });
  },
});

/**
 * Every line of an invocation carries the Lambda context (cold start, request id, trace id) and the
 * step (the state's name the invocation carries, else the function's own), execution ARN and family; the keys are cleared after each invocation. Errors pass through
 * unchanged: their `name` is what the state machine's Retry and Catch match.
 */
export const stepLogging = <TEvent, TResult>(step: string, logger: Logger = sharedLogger) => [
  injectLambdaContext(logger, { resetKeys: true }) as MiddlewareObj<TEvent, TResult, Error, Context>,
  stepKeys<TEvent, TResult>(step, logger),
];
