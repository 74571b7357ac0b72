import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';

type Level = 'info' | 'warn' | 'error';
const RANK: Record<Level | 'silent', number> = { info: 0, warn: 1, error: 2, silent: 3 };
const threshold = (): number => RANK[(process.env.ROTATOR_LOG_LEVEL as Level | undefined) ?? 'info'] ?? 0;

/** One JSON log line, at or above `ROTATOR_LOG_LEVEL` (info by default; `silent` for none): CloudWatch Logs Insights can filter on every field. */
export const log = (level: Level, message: string, fields: Record<string, unknown> = {}): void => {
  if (RANK[level] < threshold()) return;
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
};

/**
 * Logs each invocation's outcome with the step's name and the request id. Errors pass through
 * unchanged: their `name` is what the state machine's Retry and Catch match.
 */
export const stepLogging = <TEvent, TResult>(step: string): MiddlewareObj<TEvent, TResult, Error, Context> => ({
  before: (request) => {
    log('info', `${step} started`, { step, requestId: request.context.awsRequestId });
  },
  after: (request) => {
    log('info', `${step} finished`, { step, requestId: request.context.awsRequestId });
  },
  onError: (request) => {
    const error = request.error;
    log('error', `${step} failed`, { step, requestId: request.context.awsRequestId, errorName: error?.name, errorMessage: error?.message });
  },
});
