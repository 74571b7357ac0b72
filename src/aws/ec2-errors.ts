import {
  ConfigurationError,
  Ec2AccessDeniedError,
  Ec2RequestError,
  Ec2ThrottledError,
  Ec2UnavailableError,
  ImageNotFoundError,
  InstanceNotFoundError,
  RotatorError,
} from '../errors.ts';
import { awsErrorCode, classifyAwsFailure, setupAdvice } from './failures.ts';

/**
 * Maps any error thrown by an EC2 call to the project's errors: the one place that knows EC2's codes.
 * `doing` says what the call was for, e.g. "describe instance i-0abc", and starts the message.
 * Only throttling, 5xx answers and network faults are transient; a call that could not be made (no
 * region, no credentials) is a ConfigurationError, and a bug is passed on as it is, never retried.
 */
export const fromEc2Error = (error: unknown, doing: string): Error => {
  if (error instanceof RotatorError) return error;
  const code = awsErrorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  const message = `${doing}: ${code ? `${code}: ` : ''}${detail}`;
  switch (classifyAwsFailure(error)) {
    case 'throttled':
      return new Ec2ThrottledError(message, { cause: error });
    case 'unavailable':
      return new Ec2UnavailableError(message, { cause: error });
    case 'denied':
      return new Ec2AccessDeniedError(message, { cause: error });
    case 'setup':
      return new ConfigurationError(`${message}: ${setupAdvice(error)}`, { cause: error });
    case 'bug':
      return error instanceof Error ? error : new Error(message);
    case 'refused':
      break;
  }
  if (code?.startsWith('InvalidInstanceID.')) return new InstanceNotFoundError(message, { cause: error });
  if (code?.startsWith('InvalidAMIID.')) return new ImageNotFoundError(message, { cause: error });
  return new Ec2RequestError(message, { cause: error });
};

/** EC2's answers that the steps act on, named by what they mean: the codes stay in this file. */
// EC2 answers an image deregistered moments ago with InvalidAMIID.Unavailable, later with NotFound.
export const isGone = (error: unknown): boolean =>
  ['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable', 'InvalidSnapshot.NotFound'].includes(awsErrorCode(error) ?? '');
export const isSnapshotInUse = (error: unknown): boolean => awsErrorCode(error) === 'InvalidSnapshot.InUse';
export const isImageNameTaken = (error: unknown): boolean => awsErrorCode(error) === 'InvalidAMIName.Duplicate';

/** Runs one EC2 call and maps whatever it throws. */
export const ec2Call = async <T>(doing: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw fromEc2Error(error, doing);
  }
};
