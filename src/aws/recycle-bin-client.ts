import { RbinClient } from '@aws-sdk/client-rbin';
import { traced } from '../lambda/tracer.ts';

const clients = new Map<string | undefined, RbinClient>();

/**
 * The one Recycle Bin client of a container; its endpoint comes from the SDK's standard settings
 * (`AWS_ENDPOINT_URL_RBIN`). The npm registry holds this client only at 3.523, older than the project's
 * other clients, so it gets only the settings that version understands; each read is bounded by its caller.
 */
export const recycleBinClient = (region?: string, env: Readonly<Record<string, string | undefined>> = process.env): RbinClient => {
  let client = clients.get(region);
  if (!client) {
    const settings = { retryMode: env.AWS_RETRY_MODE ?? 'adaptive', maxAttempts: Number(env.AWS_MAX_ATTEMPTS ?? 3) };
    client = traced(new RbinClient({ ...settings, ...(region ? { region } : {}) }));
    clients.set(region, client);
  }
  return client;
};
