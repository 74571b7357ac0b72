import { RbinClient } from '@aws-sdk/client-rbin';
import { traced } from '../lambda/tracer.ts';
import { perRegion } from './client-settings.ts';

/**
 * The one Recycle Bin client of a container; its endpoint comes from the SDK's standard settings
 * (`AWS_ENDPOINT_URL_RBIN`). The npm registry holds this client only at 3.523, older than the project's
 * other clients, so it gets only the settings that version understands; each read is bounded by its caller. One per
 * region and container (`region`: a copy's).
 */
export const recycleBinClient = perRegion((region) =>
  traced(
    new RbinClient({
      retryMode: process.env.AWS_RETRY_MODE ?? 'adaptive',
      maxAttempts: Number(process.env.AWS_MAX_ATTEMPTS ?? 3),
      ...region,
    }),
  ),
);
