/**
 * The workflow's failure contract, in one place: the names of its steps, every error name (the ones the state
 * machine raises itself too), which of them a retry may clear, where a caught failure is filed, and the format
 * of the final cause. The handlers throw these names, the state machine files retry and catch them (held to
 * this module by test/workflow/contract.test.ts), the alert describes them, and `history` and the
 * unalerted-failure rule read the cause back.
 *
 * Where a failure is filed: every Catch of a step writes `$.failed.<its own state name>` (one key), so the
 * step that failed is known by name without a state per step to remember it. A failure inside the image
 * workflow (statemachine/image-in-region.asl.json) ends that child in RegionFailed, whose cause is the child's
 * state (JSON); the rotation catches it as States.TaskFailed on ImageInSourceRegion, with DescribeExecution's
 * answer as the cause, and `failureOf` reads the child's step and facts out of it.
 */

/** The workflow's Task states, by name: what an alert, a log line and `history` call a step. */
export const STEP = {
  ValidateInput: 'ValidateInput',
  PrepareSourceInstance: 'PrepareSourceInstance',
  StartPreparing: 'StartPreparing',
  CheckPreparing: 'CheckPreparing',
  DescribePrepareFailure: 'DescribePrepareFailure',
  PlanRetention: 'PlanRetention',
  CreateImage: 'CreateImage',
  CleanUpAfterCreateFailure: 'CleanUpAfterCreateFailure',
  ImageInSourceRegion: 'ImageInSourceRegion',
  CheckImage: 'CheckImage',
  TagImage: 'TagImage',
  LaunchTestInstance: 'LaunchTestInstance',
  CheckBoot: 'CheckBoot',
  TerminateTestInstance: 'TerminateTestInstance',
  TerminateFailedTestInstance: 'TerminateFailedTestInstance',
  TerminateTestInstancesAfterFailure: 'TerminateTestInstancesAfterFailure',
  CleanUpImageAfterFailure: 'CleanUpImageAfterFailure',
  PublishImage: 'PublishImage',
  ConfirmPublish: 'ConfirmPublish',
  PruneImages: 'PruneImages',
  ContinuePruning: 'ContinuePruning',
  DistributeImage: 'DistributeImage',
  CopyImage: 'CopyImage',
  CleanUpAfterCopyFailure: 'CleanUpAfterCopyFailure',
  ImageInCopyRegion: 'ImageInCopyRegion',
  DescribeFailure: 'DescribeFailure',
  DescribeRegionFailure: 'DescribeRegionFailure',
  DescribeCopyRegionFailure: 'DescribeCopyRegionFailure',
  DescribePruneFailures: 'DescribePruneFailures',
  PlanRollback: 'PlanRollback',
  DescribeRollbackFailure: 'DescribeRollbackFailure',
  DescribeRollbackRegionFailure: 'DescribeRollbackRegionFailure',
  MarkRolledBack: 'MarkRolledBack',
  PublishRollback: 'PublishRollback',
  PlanPromotion: 'PlanPromotion',
  AwaitApproval: 'AwaitApproval',
  CheckCandidate: 'CheckCandidate',
  PromoteCandidate: 'PromoteCandidate',
  MarkPromoted: 'MarkPromoted',
  MarkRejected: 'MarkRejected',
  MarkExpired: 'MarkExpired',
  DescribePromotionFailure: 'DescribePromotionFailure',
  DescribePromotionRegionFailure: 'DescribePromotionRegionFailure',
} as const;
export type Step = (typeof STEP)[keyof typeof STEP];

/** Every error the workflow's own code or its state machine raises, by name. Renaming one breaks the ASL's Retry and Catch. */
export const ERROR = {
  InvalidInput: 'InvalidInput',
  ConfigurationError: 'ConfigurationError',
  InstanceNotFound: 'InstanceNotFound',
  InstanceNotOptedIn: 'InstanceNotOptedIn',
  UnsupportedInstance: 'UnsupportedInstance',
  ImageNameTaken: 'ImageNameTaken',
  ImageNotFound: 'ImageNotFound',
  ImageNotOwned: 'ImageNotOwned',
  RotationInProgress: 'RotationInProgress',
  StepFunctionsUnavailable: 'StepFunctionsUnavailable',
  Ec2Throttled: 'Ec2Throttled',
  Ec2Unavailable: 'Ec2Unavailable',
  Ec2AccessDenied: 'Ec2AccessDenied',
  Ec2RequestError: 'Ec2RequestError',
  PublishTargetInvalid: 'PublishTargetInvalid',
  PublishFailed: 'PublishFailed',
  PublishNotConfirmed: 'PublishNotConfirmed',
  ConsumersNotUpdated: 'ConsumersNotUpdated',
  InstanceNotManaged: 'InstanceNotManaged',
  PrepareFailed: 'PrepareFailed',
  PrepareTimedOut: 'PrepareTimedOut',
  CopyLimitReached: 'CopyLimitReached',
  RollbackRefused: 'RollbackRefused',
  // Raised by the rollback's state machine: a region it could not publish in (filed as PublishRollback's).
  RollbackIncomplete: 'RollbackIncomplete',
  PromotionRefused: 'PromotionRefused',
  // Sent by `ami-rotator reject` (SendTaskFailure's error) to the promotion's approval task.
  PromotionRejected: 'PromotionRejected',
  // Raised by the promotion's state machine: nobody answered by the deadline (filed as AwaitApproval's), a region it
  // could not publish in (filed as PromoteCandidate's).
  PromotionExpired: 'PromotionExpired',
  PromotionIncomplete: 'PromotionIncomplete',
  // AwaitImage's: the wait could not be stored; caught into the plain Wait (polling), never alerted.
  WaitNotRegistered: 'WaitNotRegistered',
  // Raised by the state machine itself (Pass states filed as CheckImage's or CheckBoot's failure).
  ImageCreationFailed: 'ImageCreationFailed',
  ImageCreationTimedOut: 'ImageCreationTimedOut',
  BootTestFailed: 'BootTestFailed',
  ImageHoldsCredentials: 'ImageHoldsCredentials',
  // Ends of the rotation that are not a step's error.
  RotationFailed: 'RotationFailed',
  RegionFailed: 'RegionFailed',
  PreparationFailed: 'PreparationFailed',
  DistributionFailed: 'DistributionFailed',
  AlertNotDelivered: 'AlertNotDelivered',
} as const;
export type ErrorName = (typeof ERROR)[keyof typeof ERROR];

/** The errors the state machine raises itself, and the step each is filed under. */
export const RAISED_BY_WORKFLOW: Readonly<Record<string, Step>> = {
  [ERROR.ImageCreationFailed]: STEP.CheckImage,
  [ERROR.ImageCreationTimedOut]: STEP.CheckImage,
  [ERROR.BootTestFailed]: STEP.CheckBoot,
  [ERROR.ImageHoldsCredentials]: STEP.CheckBoot,
  [ERROR.DistributionFailed]: STEP.DistributeImage,
  [ERROR.ConsumersNotUpdated]: STEP.ConfirmPublish,
  [ERROR.RollbackIncomplete]: STEP.PublishRollback,
  [ERROR.PromotionExpired]: STEP.AwaitApproval,
  [ERROR.PromotionIncomplete]: STEP.PromoteCandidate,
};

/** Ours that a retry of the same step may clear: the state machine retries these, and only these of ours. */
export const TRANSIENT_ERRORS: readonly ErrorName[] = [ERROR.Ec2Throttled, ERROR.Ec2Unavailable, ERROR.StepFunctionsUnavailable];

/**
 * Lambda's own transient failures, retried on every Lambda task (Step Functions Developer Guide, "Handling
 * errors in Step Functions workflows": Lambda service exceptions; Sandbox.Timedout is a timed-out invocation).
 */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Sandbox.Timedout',
] as const;

/** The Retry list of every Lambda task, in order. */
export const RETRIED_ON_LAMBDA_TASKS: readonly string[] = [...TRANSIENT_ERRORS, ...LAMBDA_TRANSIENT_ERRORS];

export const isTransient = (name: string): boolean => (TRANSIENT_ERRORS as readonly string[]).includes(name);

/** What a child execution's failure is caught as (Step Functions Developer Guide, "Run a Job (.sync)"). */
export const CHILD_EXECUTION_FAILED = 'States.TaskFailed';

/** Where a Catch files a step's failure. */
export const failedPath = (step: string): string => `$.failed.${step}`;

/** The final cause of a failed rotation whose alert went out starts with this; the unalerted-failure rule alerts on every other. */
export const ALERTED_PREFIX = '[alerted] ';

export interface Caught {
  Error?: string;
  Cause?: string;
}

/** What the failure path knows when a step failed: the caught failure by step, and what the rotation had made so far. */
export interface WorkflowFailureState {
  failed?: Record<string, Caught>;
  request?: { family?: string | undefined; instanceId?: string | undefined };
  image?: { imageId?: string; name?: string; instanceId?: string; stateReason?: string; poll?: number; waitedSeconds?: number };
  cleanup?: { deregistered?: boolean; deletedSnapshots?: string[]; keptSnapshots?: { snapshotId: string; reason: string }[] };
  cleanupError?: Caught;
  /** The boot test's instance, and the error of its termination when every attempt failed. */
  bootTest?: { instanceId?: string };
  bootTestCleanupError?: Caught;
  /** How far the preparation of the instance got: each document's end, and whether the instance rebooted. */
  prepare?: { results?: { label: string; status: string }[]; rebooted?: boolean; instanceId?: string };
  /** Each region's outcome (DistributeImage, the source region first): a failed one with its packed failure, as a child's Fail state has it. */
  distribution?: { regions?: RegionOutcome[]; anyFailed?: boolean; consumersFailed?: boolean; pruneIncomplete?: boolean };
  /** What the source region published, with its consumer accounts' outcomes (publish.consumers). */
  published?: { consumers?: ConsumersReport } | null;
  /** A rollback's plan (statemachine/rollback.asl.json), or a promotion's (`kind`): the failure is theirs. */
  plan?: { kind?: 'promotion'; family?: string; target?: { imageId?: string }; candidate?: { imageId?: string; name?: string } };
}

/** The consumer accounts of one region (publish.consumers), each with its outcome, as the publish step reports them. */
export interface ConsumersReport {
  region: string;
  parameter: string;
  imageId: string;
  outcomes: readonly { account: string; status: string; reason?: string }[];
}

export interface RegionOutcome {
  region: string;
  /** The source region's own iteration (pruned only: ImageInSourceRegion imaged and published it). */
  source?: boolean;
  outcome: 'done' | 'failed';
  imageId?: string;
  /** What a copied region published (its parameter and templates); none when it had nothing to publish. */
  published?: { parameter?: unknown; launchTemplates?: readonly unknown[]; consumers?: ConsumersReport } | null;
  /** Copied and published, but some consumer accounts did not get it: not pruned tonight. */
  consumersFailed?: boolean;
  /** Imaged and published, but the prune left something behind (or failed): its alert, for the rotation's one prune alert. */
  pruneIncomplete?: boolean;
  pruneAlert?: { subject: string; message: string };
  /** A failed region's error and packed facts (`packFailure`). */
  error?: string;
  cause?: string;
}

export interface Failure extends Omit<WorkflowFailureState, 'failed'> {
  /** The state that failed, by name; for a failure inside a child workflow, the child's state. */
  step: string;
  /** The states that led to it, outermost first (`['ImageInSourceRegion', 'CheckImage']`). */
  path: string[];
  error: Caught;
}

const parseObject = (text: string | undefined): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The failed step and its facts from the failure path's state. A child execution's failure is read through:
 * its DescribeExecution answer (the caught cause) holds the child's error and, as its cause, the child's state.
 */
export const failureOf = (state: WorkflowFailureState): Failure => {
  const { failed, ...facts } = state;
  const [step, caught] = Object.entries(failed ?? {})[0] ?? distributionFailureOf(state) ?? ['an unknown step', {}];
  if (caught.Error === CHILD_EXECUTION_FAILED) {
    const described = parseObject(caught.Cause);
    const childError = typeof described?.Error === 'string' ? described.Error : undefined;
    const childCause = typeof described?.Cause === 'string' ? described.Cause : undefined;
    const childState = parseObject(childCause) as WorkflowFailureState | undefined;
    if (childState?.failed) {
      const inner = failureOf(childState);
      return { ...facts, ...inner, path: [step, ...inner.path] };
    }
    // The child ended without filing its failure (timed out, aborted, a runtime error): its own error and cause.
    if (childError) return { ...facts, step, path: [step], error: { Error: childError, ...(childCause ? { Cause: childCause } : {}) } };
  }
  return { ...facts, step, path: [step], error: caught };
};

/**
 * IsEveryRegionDone goes to DescribeFailure with the regions' outcomes and nothing filed: a region that failed is
 * DistributeImage's DistributionFailed; a consumer account not updated (any region) is ConfirmPublish's ConsumersNotUpdated.
 */
const distributionFailureOf = (state: WorkflowFailureState): [string, Caught] | undefined => {
  const distribution = state.distribution;
  if (distribution?.anyFailed)
    return [
      STEP.DistributeImage,
      { Error: ERROR.DistributionFailed, Cause: 'A copy to another region failed; the alert names each region.' },
    ];
  if (distribution?.consumersFailed)
    return [
      STEP.ConfirmPublish,
      { Error: ERROR.ConsumersNotUpdated, Cause: 'Some consumer accounts did not get the new image; the alert names each.' },
    ];
  return undefined;
};

/** One of DistributeImage's items: a region, whether it is the source region, and (a copy region's) its settings. */
export interface RegionItem<Target extends { region: string } = { region: string }> {
  region: string;
  source: boolean;
  target: Target | { region: string };
}

/** DistributeImage's items: the source region (the execution's, as the state machine reads it from its ARN) first, then each copy region. */
export const regionItems = <Target extends { region: string }>(executionArn: string, targets: readonly Target[]): RegionItem<Target>[] => {
  const source = executionArn.split(':')[3] ?? '';
  return [
    { region: source, source: true, target: { region: source } },
    ...targets.map((target) => ({ region: target.region, source: false, target })),
  ];
};

/**
 * The source region's prune in a rotation's output: its DistributeImage iteration's (every region is pruned there);
 * `prune` at the top, as an execution of an earlier version (listed for 90 days) has it. Undefined when not pruned.
 */
export const sourcePruneOf = (output: unknown): Record<string, unknown> | undefined => {
  if (typeof output !== 'object' || output === null) return undefined;
  const { prune, distribution } = output as { prune?: unknown; distribution?: { regions?: unknown } };
  if (typeof prune === 'object' && prune !== null) return prune as Record<string, unknown>;
  const regions = Array.isArray(distribution?.regions) ? (distribution.regions as { source?: unknown; prune?: unknown }[]) : [];
  const source = regions.find((r) => r?.source === true)?.prune;
  return typeof source === 'object' && source !== null ? (source as Record<string, unknown>) : undefined;
};

/**
 * Every region's consumer accounts in a rotation's state (its output, or the failure path's input): DistributeImage's
 * regions once it ran (the source region's first), else what the source region published.
 */
export const consumerReportsOf = (state: unknown): ConsumersReport[] => {
  const { distribution, published } = (typeof state === 'object' && state !== null ? state : {}) as WorkflowFailureState;
  const reports = distribution?.regions ? distribution.regions.map((r) => r.published?.consumers) : [published?.consumers];
  return reports.filter((r): r is ConsumersReport => r !== undefined && r !== null && Array.isArray(r.outcomes));
};

/** How long a caught cause may be in a child's packed failure: a Fail state's cause holds at most 32,768 characters. */
const MAX_PACKED_CAUSE = 4000;
const trimmed = (caught: Caught): Caught => ({
  ...caught,
  ...(caught.Cause !== undefined ? { Cause: caught.Cause.slice(0, MAX_PACKED_CAUSE) } : {}),
});

/**
 * A child workflow's failure as its Fail state ends it: the failed step's error, and as the cause the facts the
 * rotation's alert needs (JSON), read back by `failureOf`. Only those facts, each caught cause shortened: the
 * child's whole state could pass the cause's limit.
 */
export const packFailure = (state: WorkflowFailureState): { error: string; cause: string } => {
  // A child workflow's failure is read through first: the packed facts name the child's failed step.
  const { step, error: caught, ...known } = failureOf(state);
  const facts: WorkflowFailureState = {
    failed: { [step]: trimmed(caught) },
    ...(known.request ? { request: { family: known.request.family, instanceId: known.request.instanceId } } : {}),
    ...(known.image ? { image: known.image } : {}),
    ...(known.cleanup ? { cleanup: known.cleanup } : {}),
    ...(known.cleanupError ? { cleanupError: trimmed(known.cleanupError) } : {}),
    ...(known.bootTest ? { bootTest: known.bootTest } : {}),
    ...(known.bootTestCleanupError ? { bootTestCleanupError: trimmed(known.bootTestCleanupError) } : {}),
    ...(known.prepare
      ? {
          prepare: {
            results: (known.prepare.results ?? []).map((r) => ({ label: r.label, status: r.status })),
            rebooted: known.prepare.rebooted ?? false,
          },
        }
      : {}),
  };
  return { error: caught.Error ?? 'UnknownError', cause: JSON.stringify(facts) };
};

/** A failed region's step and facts, read back from its packed failure (undefined when the facts could not be written). */
export const regionFailureOf = (outcome: RegionOutcome): Failure | undefined => {
  const state = parseObject(outcome.cause) as WorkflowFailureState | undefined;
  return state?.failed ? failureOf(state) : undefined;
};

/** The final cause: the step, then what happened (`CheckImage: image ami-1 ...`). */
export const formatCause = (step: string, message: string): string => `${step}: ${message}`;

/** The step a failed rotation stopped at, read back from its final cause; undefined for a cause of another shape. */
export const stepOfCause = (cause: string | undefined): string | undefined => {
  const text = cause?.startsWith(ALERTED_PREFIX) ? cause.slice(ALERTED_PREFIX.length) : cause;
  // Any state name: an execution of an earlier version (kept 90 days) may name a step this one no longer has.
  return /^([A-Z][A-Za-z]+): /.exec(text ?? '')?.[1];
};

/**
 * A rotation that made nothing because another was rotating the family (onConflict "skip"): its output files
 * CreateImage's RotationInProgress; an execution from before this contract (listed for 90 days) said it as `error`.
 */
export const isSkipped = (output: unknown): boolean => {
  if (typeof output !== 'object' || output === null) return false;
  const legacy = (output as { error?: Caught }).error?.Error;
  const filed = 'failed' in output ? failureOf(output as WorkflowFailureState).error.Error : undefined;
  return (filed ?? legacy) === ERROR.RotationInProgress;
};
