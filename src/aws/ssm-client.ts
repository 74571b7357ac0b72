import { SSMClient } from '@aws-sdk/client-ssm';
import { traced } from '../lambda/tracer.ts';
import { clientSettings } from './client-settings.ts';

const clients = new Map<string | undefined, SSMClient>();

/** The one SSM client of a container; its endpoint comes from the SDK's standard settings (`AWS_ENDPOINT_URL_SSM`). */
export const ssmClient = (region?: string): SSMClient => {
  let client = clients.get(region);
  if (!client) {
    client = traced(new SSMClient({ ...clientSettings(), ...(region ? { region } : {}) }));
    clients.set(region, client);
  }
  return client;
};
