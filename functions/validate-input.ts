import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { deploymentConfig } from '../src/config.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import { parseRotationRequest, type RotationRequest } from '../src/rotation/request.ts';
import { type RegionItem, regionItems } from '../src/workflow/contract.ts';

export interface ValidateEvent {
  input: unknown;
  execution: ExecutionRef;
}

export interface ValidatedRotation {
  request: RotationRequest;
  execution: ExecutionRef;
  /** DistributeImage's items: the source region first (imaged by ImageInSourceRegion), then each copy region. */
  regions: RegionItem[];
}

/** Checks the execution input against the contract; throws InvalidInput naming every bad field. Makes no AWS call. */
export const makeHandler = () =>
  middy<ValidateEvent, ValidatedRotation, Error, Context>()
    .use(stepTracing('ValidateInput'))
    .use(stepLogging('ValidateInput'))
    .handler(async (event) => {
      const request = parseRotationRequest(event.input, deploymentConfig());
      return { request, execution: event.execution, regions: regionItems(event.execution.id, request.distribute?.regions ?? []) };
    });

export const handler = makeHandler();
