import { EC2Client } from '@aws-sdk/client-ec2';

let client: EC2Client | undefined;

/**
 * The one EC2 client of a Lambda container, created on first use and reused across invocations.
 * Region, credentials and endpoint come from the SDK's standard settings (`AWS_REGION`,
 * `AWS_ENDPOINT_URL_EC2`, ...), so the same code reaches AWS, LocalStack or the project's emulator.
 * Retries default to the adaptive mode (it backs off client-side when EC2 throttles) with 6 attempts;
 * the SDK's standard `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` override them.
 */
export const ec2Client = (): EC2Client => {
  client ??= new EC2Client({
    retryMode: process.env.AWS_RETRY_MODE ?? 'adaptive',
    maxAttempts: Number(process.env.AWS_MAX_ATTEMPTS ?? 6),
  });
  return client;
};
