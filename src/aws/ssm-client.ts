import { SSMClient } from '@aws-sdk/client-ssm';
import { traced } from '../lambda/tracer.ts';
import { clientSettings, perRegion } from './client-settings.ts';

/** The one SSM client of a container; its endpoint comes from the SDK's standard settings (`AWS_ENDPOINT_URL_SSM`). */
export const ssmClient = perRegion((region) => traced(new SSMClient({ ...clientSettings(), ...region })));
