/**
 * The project's errors. Each `name` is a stable string: the state machine's Retry and Catch
 * match on it, so renaming one is a breaking change to `statemachine/rotate-ami.asl.json`.
 */
export abstract class RotatorError extends Error {
  abstract override readonly name: string;
  /** Whether a retry of the same step may succeed. The state machine retries only these. */
  readonly transient: boolean = false;
}

/** The execution input broke the contract; nothing was changed in AWS. */
export class InvalidInputError extends RotatorError {
  override readonly name = 'InvalidInput' as const;
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid execution input: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The deployment itself is misconfigured (environment of a function). */
export class ConfigurationError extends RotatorError {
  override readonly name = 'ConfigurationError' as const;
}

/** The source instance does not exist or is terminated. */
export class InstanceNotFoundError extends RotatorError {
  override readonly name = 'InstanceNotFound' as const;
}

/** The source instance cannot be imaged (instance-store root: an AMI captures EBS volumes only). */
/** The instance does not carry ami-rotator:family=<family>: it was not opted in to being imaged (and rebooted). */
export class InstanceNotOptedInError extends RotatorError {
  override readonly name = 'InstanceNotOptedIn' as const;
}

export class UnsupportedInstanceError extends RotatorError {
  override readonly name = 'UnsupportedInstance' as const;
}

/** The image name is taken by an image that another execution made. */
export class ImageNameTakenError extends RotatorError {
  override readonly name = 'ImageNameTaken' as const;
}

/** The image this execution made is gone. */
export class ImageNotFoundError extends RotatorError {
  override readonly name = 'ImageNotFound' as const;
}

/** A cleanup was asked to remove an image that this execution did not make; it refuses. */
export class ImageNotOwnedError extends RotatorError {
  override readonly name = 'ImageNotOwned' as const;
}

/** Another execution is already rotating the same family: this one stops before making anything. */
export class RotationInProgressError extends RotatorError {
  override readonly name = 'RotationInProgress' as const;
}

/** Step Functions could not be asked which rotations are running. */
export class StepFunctionsUnavailableError extends RotatorError {
  override readonly name = 'StepFunctionsUnavailable' as const;
  override readonly transient = true;
}

/** EC2 throttled the call beyond what the SDK's own retries absorbed. */
export class Ec2ThrottledError extends RotatorError {
  override readonly name = 'Ec2Throttled' as const;
  override readonly transient = true;
}

/** EC2 answered with a server-side error or could not be reached. */
export class Ec2UnavailableError extends RotatorError {
  override readonly name = 'Ec2Unavailable' as const;
  override readonly transient = true;
}

/** The function's role lacks a permission: an operator must fix the deployment. */
export class Ec2AccessDeniedError extends RotatorError {
  override readonly name = 'Ec2AccessDenied' as const;
}

/** EC2 refused the call for a reason this project does not map more precisely. */
export class Ec2RequestError extends RotatorError {
  override readonly name = 'Ec2RequestError' as const;
}

/** A publish target is unusable: a parameter of another data type or outside the publish path, a launch template not tagged for the family. */
export class PublishTargetInvalidError extends RotatorError {
  override readonly name = 'PublishTargetInvalid' as const;
}

/** Publishing the new image failed part-way; the message says what was and was not published. */
export class PublishFailedError extends RotatorError {
  override readonly name = 'PublishFailed' as const;
}

/** The parameter never read back as the new image: SSM dropped the write (its asynchronous validation). */
export class PublishNotConfirmedError extends RotatorError {
  override readonly name = 'PublishNotConfirmed' as const;
}
