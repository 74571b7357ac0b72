import { SFNClient } from '@aws-sdk/client-sfn';

let client: SFNClient | undefined;

/** The one Step Functions client of a container; its endpoint comes from the SDK's standard settings (`AWS_ENDPOINT_URL_SFN`). */
export const sfnClient = (): SFNClient => {
  client ??= new SFNClient({ maxAttempts: Number(process.env.AWS_MAX_ATTEMPTS ?? 6) });
  return client;
};
