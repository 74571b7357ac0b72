import { EC2Client } from '@aws-sdk/client-ec2';
import { traced } from '../lambda/tracer.ts';
import { clientSettings, perRegion } from './client-settings.ts';
import { countThrottles } from './throttles.ts';

/**
 * The one EC2 client of a Lambda container, created on first use and reused across invocations.
 * Region, credentials and endpoint come from the SDK's standard settings (`AWS_REGION`,
 * `AWS_ENDPOINT_URL_EC2`, ...), so the same code reaches AWS, LocalStack or the project's emulator.
 * Its throttled answers are counted (the Ec2Throttles metric). `region`: a client signed for another region (a copy's), one per
 * region and container.
 */
export const ec2Client = perRegion((region) => traced(countThrottles(new EC2Client({ ...clientSettings(), ...region }))));
