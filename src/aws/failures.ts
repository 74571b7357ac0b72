/**
 * What kind of failure an AWS SDK call ended in, for every service the project calls. The SDK's own
 * classifiers (the ones its retry strategy uses) decide what is transient; anything that never reached
 * a service and is not a network fault is a setup or programming problem that no retry fixes.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

export type AwsFailure =
  /** The service asked us to slow down. */
  | 'throttled'
  /** A 5xx answer, or no answer at all (a network fault or a timeout): a later retry may succeed. */
  | 'unavailable'
  /** The caller lacks a permission: an operator must fix the deployment. */
  | 'denied'
  /** The call could not be made (no region, no credentials), or the endpoint is not AWS. */
  | 'setup'
  /** The service answered and refused the request (a 4xx of its own). */
  | 'refused'
  /** Not an AWS failure at all: a bug, to be reported as it is. */
  | 'bug';

const ACCESS_DENIED = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException', 'AuthFailure']);
// The SDK's names for a call it could not sign or address: @smithy/property-provider and the region resolver.
const SETUP = new Set(['CredentialsProviderError', 'ProviderError', 'TokenProviderError', 'UnrecognizedResponse']);

/** The error code an AWS service answered with (the exception's `name`); undefined when it never answered. */
export const awsErrorCode = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const fault = (error as { $fault?: unknown }).$fault;
  const name = (error as { name?: unknown }).name;
  return (fault === 'client' || fault === 'server') && typeof name === 'string' ? name : undefined;
};

// biome-ignore lint/suspicious/noExplicitAny: the SDK's classifiers take its own error type
type SdkError = any;

export const classifyAwsFailure = (error: unknown): AwsFailure => {
  if (typeof error !== 'object' || error === null) return 'bug';
  const code = awsErrorCode(error);
  if (code !== undefined && ACCESS_DENIED.has(code)) return 'denied';
  if (isThrottlingError(error as SdkError)) return 'throttled';
  if (isServerError(error as SdkError) || isTransientError(error as SdkError)) return 'unavailable';
  if (code !== undefined) return (error as { $fault?: string }).$fault === 'server' ? 'unavailable' : 'refused';
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (typeof name === 'string' && SETUP.has(name)) return 'setup';
  if (typeof message === 'string' && /^Region is missing/.test(message)) return 'setup';
  return 'bug';
};

/** What an operator should do about a setup failure, in one sentence. */
export const setupAdvice = (error: unknown): string =>
  (error as { name?: unknown } | null)?.name === 'UnrecognizedResponse'
    ? 'check the AWS_ENDPOINT_URL_* settings, or a proxy between here and AWS'
    : 'set AWS_REGION and credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for the account to reach';
