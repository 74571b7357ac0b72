import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { traced } from '../lambda/tracer.ts';
import { clientSettings, perRegion } from './client-settings.ts';

/** The one Auto Scaling client of a container; its endpoint comes from the SDK's standard settings (`AWS_ENDPOINT_URL_AUTO_SCALING`). */
export const autoScalingClient = perRegion((region) => traced(new AutoScalingClient({ ...clientSettings(), ...region })));
