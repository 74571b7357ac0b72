import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { traced } from '../lambda/tracer.ts';
import { clientSettings } from './client-settings.ts';

let client: AutoScalingClient | undefined;

/** The one Auto Scaling client of a container; its endpoint comes from the SDK's standard settings (`AWS_ENDPOINT_URL_AUTO_SCALING`). */
export const autoScalingClient = (): AutoScalingClient => {
  client ??= traced(new AutoScalingClient(clientSettings()));
  return client;
};
