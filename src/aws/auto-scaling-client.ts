import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';

let client: AutoScalingClient | undefined;

/** The one Auto Scaling client of a container; its endpoint comes from the SDK's standard settings (`AWS_ENDPOINT_URL_AUTO_SCALING`). */
export const autoScalingClient = (): AutoScalingClient => {
  client ??= new AutoScalingClient({
    retryMode: process.env.AWS_RETRY_MODE ?? 'adaptive',
    maxAttempts: Number(process.env.AWS_MAX_ATTEMPTS ?? 6),
  });
  return client;
};
