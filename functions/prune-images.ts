import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { autoScalingClient } from '../src/aws/auto-scaling-client.ts';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { recycleBinClient } from '../src/aws/recycle-bin-client.ts';
import { rotationMetrics, stepMetrics } from '../src/lambda/metrics.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { byRegion } from '../src/lambda/regional.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import type { PruneClients } from '../src/retention/prune.ts';
import { recordPrune } from '../src/retention/prune-metrics.ts';
import { type PruneStepEvent, type PruneStepResult, pruneImages } from '../src/retention/step.ts';
import { type Clock, systemClock } from '../src/retention/token-bucket.ts';

/** One pass of pruning, bounded by the Lambda's remaining time; `done: false` asks the state machine to call again. */
export const makeHandler = (clients: PruneClients, clock: Clock = systemClock, metrics: Metrics = rotationMetrics()) =>
  middy<PruneStepEvent, PruneStepResult, Error, Context>()
    .use(stepTracing('PruneImages'))
    .use(stepLogging('PruneImages'))
    .use(stepMetrics(metrics))
    .handler(async (event, context) => {
      const result = await pruneImages(clients, event, () => context.getRemainingTimeInMillis(), clock);
      // Ages as of the execution's start, as the plan is (the pacing clock is monotonic, not the wall's).
      recordPrune(metrics, event.progress, result, new Date(event.execution.startTime));
      return result;
    });

// In the region the event names (a copy's), or the function's own.
export const handler = byRegion((region) =>
  makeHandler({ ec2: ec2Client(region), autoScaling: autoScalingClient(region), recycleBin: recycleBinClient(region) }),
);
