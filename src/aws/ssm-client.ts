import { SSMClient } from '@aws-sdk/client-ssm';
import { traced } from '../lambda/tracer.ts';
import { clientSettings } from './client-settings.ts';

let client: SSMClient | undefined;

/** The one SSM client of a container; its endpoint comes from the SDK's standard settings (`AWS_ENDPOINT_URL_SSM`). */
export const ssmClient = (): SSMClient => {
  client ??= traced(new SSMClient(clientSettings()));
  return client;
};
