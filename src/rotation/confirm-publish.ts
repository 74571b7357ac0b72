/**
 * Reads the published parameter back: SSM validates an `aws:ec2:image` value after PutParameter has
 * answered, and drops one it cannot validate without an error. The ConfirmPublish state runs it in the
 * publish-image function (functions/publish-image.ts); it needs SSM only.
 */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { fromEc2Error } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';
import { PublishNotConfirmedError } from '../errors.ts';

/** Seconds between read-backs of the parameter, and how many: about five minutes in all. */
export const CONFIRM_WAIT_SECONDS = 10;
export const MAX_CONFIRM_CHECKS = 30;

export interface PublishResult {
  /** Null when no parameter is published (always present: the AMI Rotated event reads it). */
  parameter: { name: string; imageId: string } | null;
  launchTemplates: { template: string; version: number; isDefault: boolean }[];
  /** The accounts, organizations and OUs the image was shared with before it was published; absent: no one. */
  sharedWith?: string[];
  /** Read-backs of the parameter so far, and the wait before the next one. */
  checks: number;
  nextWaitSeconds: number;
  confirmed: boolean;
}

/** The parameter's value as reads see it now; undefined when there is none. */
export const currentValue = async (ssm: SSMClient, name: string): Promise<string | undefined> => {
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if (awsErrorCode(error) === 'ParameterNotFound') return undefined;
    throw fromEc2Error(error, `read SSM parameter ${name}`);
  }
};

/** One read-back of the parameter: confirmed once it shows the new image; PublishNotConfirmed past the cap. */
export const confirmPublish = async (ssm: SSMClient, state: PublishResult): Promise<PublishResult> => {
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
