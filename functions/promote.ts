import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { deploymentConfig } from '../src/config.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import type { ExecutionRef } from '../src/rotation/naming.ts';
import {
  checkCandidate,
  markPromotion,
  type PromotionClients,
  type PromotionOutcome,
  type PromotionPlan,
  planPromotion,
} from '../src/rotation/promotion.ts';
import { STEP } from '../src/workflow/contract.ts';

const OUTCOME: Record<string, PromotionOutcome> = {
  [STEP.MarkPromoted]: 'promoted',
  [STEP.MarkRejected]: 'rejected',
  [STEP.MarkExpired]: 'expired',
};

export type PromoteEvent =
  | { step: typeof STEP.PlanPromotion; input: unknown; execution: ExecutionRef & { stateMachine: string } }
  | { step: typeof STEP.CheckCandidate; plan: PromotionPlan }
  | { step: typeof STEP.MarkPromoted | typeof STEP.MarkRejected | typeof STEP.MarkExpired; plan: PromotionPlan };

/**
 * The stage's promotion (statemachine/promote.asl.json): PlanPromotion reads the candidate in every region, plans
 * where the stable channel publishes it and tags it as awaiting (retention keeps it); CheckCandidate reads it again
 * once the soak or the approval is over (a rolled-back candidate is not promoted); Mark* tag how the promotion ended.
 */
export const makeHandler = (clients: PromotionClients & { now?: () => Date } = { ec2In: (region) => ec2Client(region) }) =>
  middy<PromoteEvent, PromotionPlan | { promote: boolean; reason: string } | { marked: string[] }, Error, Context>()
    .use(stepTracing('Promote'))
    .use(stepLogging('Promote'))
    .handler(async (event) => {
      if (event.step === STEP.PlanPromotion) {
        const plan = await planPromotion(clients, event.input, deploymentConfig(), event.execution, clients.now?.() ?? new Date());
        if (plan.duplicateOf === undefined) await markPromotion(clients, plan, 'awaiting', event.execution);
        return plan;
      }
      if (event.step === STEP.CheckCandidate) return checkCandidate(clients, event.plan);
      const outcome = OUTCOME[event.step];
      // The state machine's contract: a step it does not name is a defect to see, never an outcome to guess.
      if (outcome === undefined) throw new Error(`promote: no step ${String(event.step)}`);
      return { marked: await markPromotion(clients, event.plan, outcome) };
    });

export const handler = makeHandler();
