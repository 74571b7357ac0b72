/**
 * Reads the published parameter back: SSM validates an `aws:ec2:image` value after PutParameter has
 * answered, and drops one it cannot validate without an error. The ConfirmPublish state runs it in the
 * publish-image function (functions/publish-image.ts); it needs SSM only.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { PublishNotConfirmedError } from '../errors.ts';
import { anyConsumerFailed, type ConsumerSsm, type ConsumersResult, confirmConsumers, consumersSettled } from './consumers.ts';
import { currentValue } from './parameter-value.ts';

/** Seconds between read-backs of the parameter, and how many: about five minutes in all. */
export const CONFIRM_WAIT_SECONDS = 10;
export const MAX_CONFIRM_CHECKS = 30;

export interface PublishResult {
  /** Null when no parameter is published (always present: the AMI Rotated event reads it). */
  parameter: { name: string; imageId: string } | null;
  launchTemplates: { template: string; version: number; isDefault: boolean }[];
  /** Which channel was published: `candidate` starts the promotion (the AMI Rotated event says so); always present. */
  channel: 'stable' | 'candidate';
  /** The accounts, organizations and OUs the image was shared with before it was published; absent: no one. */
  sharedWith?: string[];
  /** The consumer accounts' own parameters (infra/consumer-stack.yml), each account's outcome; absent: none. */
  consumers?: ConsumersResult;
  /** Settled with a consumer that did not get the image: the region is not pruned tonight, and the rotation alerts. */
  consumersFailed?: boolean;
  /** Read-backs of the parameter so far, and the wait before the next one. */
  checks: number;
  nextWaitSeconds: number;
  confirmed: boolean;
}

/**
 * One read-back of the parameter, and of each consumer's still awaiting validation: confirmed once it shows the new
 * image and every consumer is settled (`consumersFailed` when one did not get it: the others did); PublishNotConfirmed
 * past the cap.
 */
export const confirmPublish = async (ssm: SSMClient, state: PublishResult, ssmOf?: ConsumerSsm): Promise<PublishResult> => {
  if (!state.consumers || !ssmOf) return confirmParameter(ssm, state);
  const checks = state.checks + 1;
  const parameter = await confirmParameter(ssm, { ...state, checks: state.checks });
  const consumers = await confirmConsumers(ssmOf, state.consumers, checks >= MAX_CONFIRM_CHECKS);
  const confirmed = parameter.confirmed && consumersSettled(consumers);
  return { ...parameter, checks, consumers, confirmed, consumersFailed: confirmed && anyConsumerFailed(consumers) };
};

const confirmParameter = async (ssm: SSMClient, state: PublishResult): Promise<PublishResult> => {
  if (!state.parameter) return { ...state, confirmed: true };
  const value = await currentValue(ssm, state.parameter.name);
  const checks = state.checks + 1;
  if (value === state.parameter.imageId) return { ...state, checks, confirmed: true };
  if (checks >= MAX_CONFIRM_CHECKS) {
    throw new PublishNotConfirmedError(
      `Parameter ${state.parameter.name} still reads ${value ?? '(nothing)'} after ${checks * CONFIRM_WAIT_SECONDS} s, not ${state.parameter.imageId}: SSM did not accept the value (its validation of aws:ec2:image drops a value silently). Launch templates published: ${
        state.launchTemplates.map((t) => `${t.template} version ${t.version}`).join(', ') || 'none'
      }. The image is kept; nothing was pruned.`,
    );
  }
  return { ...state, checks };
};
