/**
 * The project's errors. Each `name` comes from the failure contract (src/workflow/contract.ts): the state
 * machine's Retry and Catch match on it, so renaming one is a breaking change to the state machine files.
 */
import { ERROR, isTransient } from './workflow/contract.ts';

export abstract class RotatorError extends Error {
  abstract override readonly name: string;
  /** Whether a retry of the same step may succeed: the contract's TRANSIENT_ERRORS, which the state machine retries. */
  get transient(): boolean {
    return isTransient(this.name);
  }
}

/** The execution input broke the contract; nothing was changed in AWS. */
export class InvalidInputError extends RotatorError {
  override readonly name = ERROR.InvalidInput;
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid execution input: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The deployment itself is misconfigured (environment of a function). */
export class ConfigurationError extends RotatorError {
  override readonly name = ERROR.ConfigurationError;
}

/** The source instance does not exist or is terminated. */
export class InstanceNotFoundError extends RotatorError {
  override readonly name = ERROR.InstanceNotFound;
}

/** The source instance cannot be imaged (instance-store root: an AMI captures EBS volumes only). */
/** The instance does not carry ami-rotator:family=<family>: it was not opted in to being imaged (and rebooted). */
export class InstanceNotOptedInError extends RotatorError {
  override readonly name = ERROR.InstanceNotOptedIn;
}

export class UnsupportedInstanceError extends RotatorError {
  override readonly name = ERROR.UnsupportedInstance;
}

/** The image name is taken by an image that another execution made. */
export class ImageNameTakenError extends RotatorError {
  override readonly name = ERROR.ImageNameTaken;
}

/** The image this execution made is gone. */
export class ImageNotFoundError extends RotatorError {
  override readonly name = ERROR.ImageNotFound;
}

/** A cleanup was asked to remove an image that this execution did not make; it refuses. */
export class ImageNotOwnedError extends RotatorError {
  override readonly name = ERROR.ImageNotOwned;
}

/** Another execution is already rotating the same family: this one stops before making anything. */
export class RotationInProgressError extends RotatorError {
  override readonly name = ERROR.RotationInProgress;
}

/** Step Functions could not be asked which rotations are running. */
export class StepFunctionsUnavailableError extends RotatorError {
  override readonly name = ERROR.StepFunctionsUnavailable;
}

/** EC2 throttled the call beyond what the SDK's own retries absorbed. */
export class Ec2ThrottledError extends RotatorError {
  override readonly name = ERROR.Ec2Throttled;
}

/** EC2 answered with a server-side error or could not be reached. */
export class Ec2UnavailableError extends RotatorError {
  override readonly name = ERROR.Ec2Unavailable;
}

/** The function's role lacks a permission: an operator must fix the deployment. */
export class Ec2AccessDeniedError extends RotatorError {
  override readonly name = ERROR.Ec2AccessDenied;
}

/** EC2 refused the call for a reason this project does not map more precisely. */
export class Ec2RequestError extends RotatorError {
  override readonly name = ERROR.Ec2RequestError;
}

/** A publish target is unusable: a parameter of another data type or outside the publish path, a launch template not tagged for the family. */
export class PublishTargetInvalidError extends RotatorError {
  override readonly name = ERROR.PublishTargetInvalid;
}

/** Publishing the new image failed part-way; the message says what was and was not published. */
export class PublishFailedError extends RotatorError {
  override readonly name = ERROR.PublishFailed;
}

/** The parameter never read back as the new image: SSM dropped the write (its asynchronous validation). */
export class PublishNotConfirmedError extends RotatorError {
  override readonly name = ERROR.PublishNotConfirmed;
}

/** The source instance is not managed by Systems Manager (no agent online): prepare cannot run its documents. */
export class InstanceNotManagedError extends RotatorError {
  override readonly name = ERROR.InstanceNotManaged;
}

/** A prepare document did not end in Success (or the instance was unhealthy after it): no image was made. */
export class PrepareFailedError extends RotatorError {
  override readonly name = ERROR.PrepareFailed;
}

/** A prepare document (or the status checks after it) did not end within its time limit: no image was made. */
export class PrepareTimedOutError extends RotatorError {
  override readonly name = ERROR.PrepareTimedOut;
}

/** EC2 refused a copy: too many copies are already running into the region (its concurrent-copy quota). */
export class CopyLimitReachedError extends RotatorError {
  override readonly name = ERROR.CopyLimitReached;
}

/** AwaitImage could not store its wait (the table refused or could not be reached): the state machine polls instead. */
export class WaitNotRegisteredError extends RotatorError {
  override readonly name = ERROR.WaitNotRegistered;
}

/** A promotion cannot start: the family has no candidate channel, or the candidate is gone or set aside; nothing changed. */
export class PromotionRefusedError extends RotatorError {
  override readonly name = ERROR.PromotionRefused;

  constructor(why: string) {
    super(`Promotion refused: ${why}`);
  }
}

/** A rollback cannot publish the image asked for (gone, disabled, of another family, set aside, unshared): nothing changed. */
export class RollbackRefusedError extends RotatorError {
  override readonly name = ERROR.RollbackRefused;
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Rollback refused: ${problems.join('; ')}`);
    this.problems = problems;
  }
}
