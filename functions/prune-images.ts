import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { autoScalingClient } from '../src/aws/auto-scaling-client.ts';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { type PruneStepEvent, type PruneStepResult, pruneImages } from '../src/retention/step.ts';

/** One pass of pruning, bounded by the Lambda's remaining time; `done: false` asks the state machine to call again. */
export const handler = middy<PruneStepEvent, PruneStepResult, Error, Context>()
  .use(stepLogging('PruneImages'))
  .handler(async (event, context) =>
    pruneImages({ ec2: ec2Client(), autoScaling: autoScalingClient() }, event, () => context.getRemainingTimeInMillis()),
  );
