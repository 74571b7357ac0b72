import { SFNClient } from '@aws-sdk/client-sfn';
import { traced } from '../lambda/tracer.ts';
import { clientSettings } from './client-settings.ts';

let client: SFNClient | undefined;

/** The one Step Functions client of a container; its endpoint comes from the SDK's standard settings (`AWS_ENDPOINT_URL_SFN`). */
export const sfnClient = (): SFNClient => {
  client ??= traced(new SFNClient(clientSettings()));
  return client;
};
