/**
 * Counts the EC2 answers that throttled a call, attempt by attempt, inside the SDK's retries: a count
 * that grows while the step still succeeds is throttling the retries absorbed (the metric Ec2Throttles).
 */

import type { EC2Client } from '@aws-sdk/client-ec2';
import { isThrottlingError } from '@smithy/core/retry';

let throttled = 0;

/** The throttled attempts since the last take; the counter starts again at zero. */
export const takeThrottleCount = (): number => {
  const count = throttled;
  throttled = 0;
  return count;
};

/**
 * Adds the count to a client: below the retry middleware (finalizeRequest, low priority), so each
 * attempt is seen, not only the call's last answer.
 */
export const countThrottles = (client: EC2Client): EC2Client => {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isThrottlingError(error as Parameters<typeof isThrottlingError>[0])) throttled += 1;
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'countThrottles' },
  );
  return client;
};
