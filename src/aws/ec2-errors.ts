import {
  Ec2AccessDeniedError,
  Ec2RequestError,
  Ec2ThrottledError,
  Ec2UnavailableError,
  ImageNotFoundError,
  InstanceNotFoundError,
  RotatorError,
} from '../errors.ts';

/** EC2 error codes that mean "slow down": the step is retried later. */
const THROTTLING = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException']);
const SERVER_SIDE = new Set(['InternalError', 'InternalFailure', 'ServiceUnavailable', 'Unavailable']);
const ACCESS_DENIED = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException', 'AuthFailure']);

/** The error code an AWS service answered with (the exception's `name`); undefined when it never answered (a network fault). */
export const awsErrorCode = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const fault = (error as { $fault?: unknown }).$fault;
  const name = (error as { name?: unknown }).name;
  return (fault === 'client' || fault === 'server') && typeof name === 'string' ? name : undefined;
};

/**
 * Maps any error thrown by an EC2 call to the project's errors: the one place that knows EC2's codes.
 * `doing` says what the call was for, e.g. "describe instance i-0abc", and starts the message.
 */
export const fromEc2Error = (error: unknown, doing: string): Error => {
  if (error instanceof RotatorError) return error;
  const code = awsErrorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  const message = `${doing}: ${code ? `${code}: ` : ''}${detail}`;
  if (code === undefined) {
    // No EC2 response at all: a network fault or a timeout, which a later retry may not meet.
    return new Ec2UnavailableError(message, { cause: error });
  }
  if (THROTTLING.has(code)) return new Ec2ThrottledError(message, { cause: error });
  if (SERVER_SIDE.has(code)) return new Ec2UnavailableError(message, { cause: error });
  if (ACCESS_DENIED.has(code)) return new Ec2AccessDeniedError(message, { cause: error });
  if (code.startsWith('InvalidInstanceID.')) return new InstanceNotFoundError(message, { cause: error });
  if (code.startsWith('InvalidAMIID.')) return new ImageNotFoundError(message, { cause: error });
  return new Ec2RequestError(message, { cause: error });
};

/** EC2's answers that the steps act on, named by what they mean: the codes stay in this file. */
export const isGone = (error: unknown): boolean =>
  ['InvalidAMIID.NotFound', 'InvalidSnapshot.NotFound'].includes(awsErrorCode(error) ?? '');
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
