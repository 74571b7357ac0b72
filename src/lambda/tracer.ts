/**
 * X-Ray through Powertools Tracer: each invocation is a subsegment annotated with its step and family,
 * and every AWS call of the project's clients appears under it. On in Lambda with active tracing (the
 * stack turns it on); a no-op elsewhere (the CLI, the local runner, the tests). Adopted because the
 * benchmark measured it within the cold-start budget (bench/tracer.ts).
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { logKeysOf, SERVICE, stepOf } from './log-keys.ts';

export const tracer = new Tracer({ serviceName: SERVICE });

/** A client whose calls are traced (the same client, unchanged, when tracing is off). */
export const traced = <T>(client: T): T => tracer.captureAWSv3Client(client);

/** The invocation's subsegment, annotated so traces can be searched by step and family; responses are not recorded. */
export const stepTracing = <TEvent, TResult>(step: string): MiddlewareObj<TEvent, TResult, Error, Context>[] => [
  captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj<TEvent, TResult, Error, Context>,
  {
    before: (request) => {
      tracer.putAnnotation('step', stepOf(request.event, step));
      const { family } = logKeysOf(request.event);
      if (family !== undefined) tracer.putAnnotation('family', family);
    },
  },
];
