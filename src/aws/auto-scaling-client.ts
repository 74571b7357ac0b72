import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { traced } from '../lambda/tracer.ts';
import { clientSettings } from './client-settings.ts';

const clients = new Map<string | undefined, AutoScalingClient>();

/** The one Auto Scaling client of a container; its endpoint comes from the SDK's standard settings (`AWS_ENDPOINT_URL_AUTO_SCALING`). */
export const autoScalingClient = (region?: string): AutoScalingClient => {
  let client = clients.get(region);
  if (!client) {
    client = traced(new AutoScalingClient({ ...clientSettings(), ...(region ? { region } : {}) }));
    clients.set(region, client);
  }
  return client;
};
