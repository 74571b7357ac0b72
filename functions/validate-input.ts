import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { deploymentConfig } from '../src/config.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import { parseRotationRequest, type RotationRequest } from '../src/rotation/request.ts';

export interface ValidateEvent {
  input: unknown;
  execution: ExecutionRef;
}

export interface ValidatedRotation {
  request: RotationRequest;
  execution: ExecutionRef;
}

/** Checks the execution input against the contract; throws InvalidInput naming every bad field. Makes no AWS call. */
export const makeHandler = () =>
  middy<ValidateEvent, ValidatedRotation, Error, Context>()
    .use(stepTracing('ValidateInput'))
    .use(stepLogging('ValidateInput'))
    .handler(async (event) => ({ request: parseRotationRequest(event.input, deploymentConfig()), execution: event.execution }));

export const handler = makeHandler();
