import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { deploymentConfig } from '../src/config.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import { markRolledBack, planRollback, type RollbackClients, type RollbackPlan } from '../src/rotation/rollback.ts';
import { STEP } from '../src/workflow/contract.ts';

export type RollbackEvent =
  | { step: typeof STEP.PlanRollback; input: unknown; execution: ExecutionRef }
  | { step: typeof STEP.MarkRolledBack; plan: RollbackPlan; execution: ExecutionRef };

/**
 * The stage's rollback (statemachine/rollback.asl.json): PlanRollback reads the family's images in every region and
 * plans what is published instead of what (refusing, with one line and no change, what cannot be published again);
 * MarkRolledBack sets the withdrawn image and its copies aside before anything is published.
 */
export const makeHandler = (clients: RollbackClients = { ec2In: (region) => ec2Client(region) }) =>
  middy<RollbackEvent, RollbackPlan | { marked: string[] }, Error, Context>()
    .use(stepTracing('Rollback'))
    .use(stepLogging('Rollback'))
    .handler(async (event) =>
      event.step === STEP.PlanRollback
        ? planRollback(clients, event.input, deploymentConfig(), event.execution)
        : { marked: await markRolledBack(clients, event.plan, event.execution) },
    );

export const handler = makeHandler();
