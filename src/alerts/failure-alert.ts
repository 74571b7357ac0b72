/**
 * Turns a failed execution's state into the one alert a person on call reads: what failed, where,
 * why, what was cleaned up, and what to do, with a link to the execution. Pure.
 */
import type { ExecutionRef } from '../rotation/naming.ts';
import { consumerReportsOf, ERROR, type Failure, formatCause, type RegionOutcome, regionFailureOf, STEP } from '../workflow/contract.ts';
import { fitMessage, toSubject } from './sns-limits.ts';

/** The failure as the contract reads it (the failed step, its error, what was made and cleaned up), and the raw input. */
export type FailureState = Omit<Failure, 'path'> & { path?: string[]; input?: unknown };

/** The image errors the state machine raises itself (Pass states), whose cause is told from the image. */
const imageCause = (state: FailureState, error: string): string | undefined => {
  const image = state.image;
  if (!image) return undefined;
  const what = `Image ${image.imageId} (${image.name}) from instance ${image.instanceId}`;
  if (error === ERROR.ImageCreationFailed) return `${what} ended in state failed${image.stateReason ? `: ${image.stateReason}` : ''}`;
  if (error === ERROR.ImageCreationTimedOut)
    return `${what} was still pending after ${image.waitedSeconds ?? 0} s of waiting (${image.poll ?? 0} checks)`;
  return undefined;
};

export interface Alert {
  subject: string;
  message: string;
  /** The execution's final error and cause (the Fail state's). */
  error: string;
  cause: string;
  /** The alert's facts as fields: the failure event's detail and the failure metric's dimensions. */
  details: {
    family: string;
    failedStep: string;
    error: string;
    /** The alert's subject: one line for a person. */
    summary: string;
    instanceId: string;
    /** The image the execution made, if it made one (null: none was created). */
    imageId: string | null;
    executionArn: string;
  };
}

const HINTS: Partial<Record<string, string>> = {
  RollbackRefused:
    'Nothing was changed: the cause says why the image cannot be published again. Name another image with --to (ami-rotator rollback --dry-run shows what it would change), or leave the family as it is (docs/operator.md, "Roll back").',
  PromotionRejected:
    'The stable channel is unchanged and the candidate is set aside (ami-rotator:status=rejected): never promoted, never a rollback target, pruned by age once no channel names it. The next rotation publishes a new candidate (docs/channels.md).',
  PromotionExpired:
    'Nobody approved or rejected the candidate by its deadline: it is neither promoted nor pruned (ami-rotator:promotion=expired), and the stable channel is unchanged. The next rotation publishes a new candidate; to promote this one, roll the stable channel forward with ami-rotator rollback --to IMAGE (docs/channels.md).',
  PromotionRefused: 'Nothing was changed: the cause says why this candidate cannot be promoted (docs/channels.md).',
  PromotionIncomplete:
    'The candidate is published to the stable channel in every region not marked FAILED, as each line says; a failed region still publishes what it did before. Fix what its line says; the next candidate promoted publishes there again (docs/channels.md).',
  RollbackIncomplete:
    'The withdrawn image is set aside everywhere, and the rollback\'s image is published in every region not marked FAILED, as each line says; a failed region still publishes what it did before. Fix what its line says and roll back again to the same image (docs/operator.md, "Roll back").',
  ConsumersNotUpdated:
    'Deploy the consumer stack in each account named, or fix its role or external id (docs/organization.md, "Consumer accounts"); the next rotation writes every consumer again. A region with a consumer not updated was not pruned tonight.',
  InvalidInput: 'Fix the execution input (docs/input.md, "Execution input") and start the execution again. Nothing was changed in AWS.',
  InstanceNotFound:
    "The instance is gone or terminated. Point the schedule's input (or the deployment's default instance) at the current instance.",
  UnsupportedInstance:
    'The instance has an instance-store root; CreateImage captures EBS volumes only. Rotate an EBS-backed instance instead.',
  InstanceNotOptedIn:
    'The instance is not opted in to ami-rotator: tag it ami-rotator:family=<family> (docs/deploy.md, "Opt an instance in") and start again. Nothing was changed.',
  PublishTargetInvalid:
    'Where the image would be published cannot take it (the cause says why). Fix the parameter or tag the launch template, then start again. Nothing was made.',
  PublishFailed:
    'The new image is good and kept, but publishing it failed part-way (the cause lists what was published). The previous image stays in use and nothing was pruned; fix the cause and start again.',
  PublishNotConfirmed:
    'SSM never showed the new image in the parameter: its validation dropped the value. The image is kept and nothing was pruned; check the parameter and start again.',
  ImageNameTaken:
    'Another image already has this name. Start again a second later, or remove the image that holds the name if it is a leftover.',
  ImageCreationFailed:
    'EC2 could not finish the image; ami-rotator removed it and its snapshots. Check the instance and its volumes, then start again.',
  ImageCreationTimedOut:
    'The image stayed pending past the wait cap; ami-rotator removed it and its snapshots. Large volumes may need a longer cap: the stage parameter maxWaitMinutes (ROTATOR_MAX_WAIT_MINUTES in the functions).',
  BootTestFailed:
    'The new image did not pass its boot test (the cause says why): it was not published, nothing was pruned, and the image was removed (or kept, tagged ami-rotator:status=boot-test-failed, with bootTest.keepFailedImage); the Test instance line says whether its instance is gone. Fix the source instance (fstab, disk space, services), then start again.',
  ImageHoldsCredentials:
    'The boot test found long-lived credentials on a copy of the new image (the cause names the paths, never their contents): it was not published, nothing was pruned, and the image was removed (or kept, tagged ami-rotator:status=boot-test-failed, with bootTest.keepFailedImage). Remove the files on the source instance (prepare\'s "clean" does), rotate any key that was in them, and start again.',
  ImageNotFound: 'The image was deregistered outside this execution while it was being made. Start the rotation again.',
  ImageNotOwned:
    'The cleanup refused to remove an image that another execution made. Check that image; remove it by hand if it is a leftover.',
  Ec2RequestError:
    "EC2 refused a call; the cause names the call and EC2's reason (often a quota or a setting of the instance). Fix that and start again.",
  RotationInProgress:
    'Another execution was already rotating this family, so this one made nothing. Nothing to do unless that execution fails.',
  StepFunctionsUnavailable: 'Step Functions could not be asked which rotations are running, even after retries. Start the rotation again.',
  Ec2AccessDenied: "The function's IAM role lacks a permission named in the cause. Fix the deployment's role; nothing else is needed.",
  Ec2Throttled: 'EC2 kept throttling after retries. The next scheduled run tries again; start one by hand if the image is needed sooner.',
  Ec2Unavailable:
    'EC2 kept failing or could not be reached after retries. The next scheduled run tries again; start one by hand if needed.',
  ConfigurationError: "The deployment's settings are invalid; the cause names the setting. Redeploy with a valid value.",
  InstanceNotManaged:
    'The instance is not managed by Systems Manager, so prepare could not run its documents. Nothing was run or made. Give it an instance profile whose role has AmazonSSMManagedInstanceCore (and a path to Systems Manager), or start with "prepare": null.',
  PrepareFailed:
    'A prepare document did not succeed on the instance (the cause names it, with the end of its output). No image was made, nothing was published or pruned; the instance is left running. Fix what the output says and start again.',
  PrepareTimedOut:
    'A prepare document (or the status checks after it) did not finish in its time limit. No image was made; the instance is left running, and the command may still run there (the cause says how to cancel it). Raise timeoutMinutes or fix the instance, then start again.',
  DistributionFailed:
    'The image is good in the source region and in every region not marked FAILED, as each line says. A failed region keeps its previous image in use and was not pruned; its line says what became of its copy (removed, or kept unpublished). Fix what the line says, and the next rotation copies again.',
  CopyLimitReached:
    'EC2 was already copying as many images into the region as its quota allows. Wait for other copies to finish (or ask for a higher quota); the next rotation copies again.',
  WaitNotRegistered:
    'The wait for the image could not be stored in the wait table; the workflow checked the image by polling instead. Nothing to do unless it repeats: then check the wait table (ami-rotator-<stage>-waits) and the AwaitImage role.',
  PreparationFailed: 'The preparation failed and its facts could not be written: open the prepare-instance child execution in the console.',
  'States.Timeout': 'A step ran past its time limit. Look at the step in the execution history.',
};

const parseCause = (cause: string | undefined): string => {
  if (!cause) return '(no cause given)';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // A plain-text cause: as it is.
  }
  return cause;
};

/** A field of the raw input, which may be anything a person pasted: shown at most `MAX_ECHO` characters long. */
const MAX_ECHO = 80;
const field = (value: unknown, key: string): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = (value as Record<string, unknown>)[key];
  if (typeof v !== 'string') return undefined;
  return v.length <= MAX_ECHO ? v : `${v.slice(0, MAX_ECHO)}... (${v.length} characters)`;
};

const consoleLink = (executionArn: string): string => {
  const region = executionArn.split(':')[3] ?? 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
};

/** Whether the boot test's instance is gone: said only when there was one, and loudly when it could not be terminated. */
const testInstanceLines = (state: FailureState): string[] => {
  const instance = state.bootTest?.instanceId;
  if (state.bootTestCleanupError)
    return [
      `Test instance: NOT terminated${instance ? ` (${instance})` : ''}: ${state.bootTestCleanupError.Error}: ${parseCause(state.bootTestCleanupError.Cause).slice(0, 500)} - terminate it by hand (aws ec2 terminate-instances --instance-ids ${instance ?? '<the instance tagged ami-rotator:boot-test with this execution>'}); the next boot test also terminates it once it is older than its time limit.`,
    ];
  return instance ? [`Test instance: ${instance} terminated`] : [];
};

/** How far prepare got, and that the instance was left running: said only when the rotation prepared. */
const prepareLines = (state: FailureState): string[] => {
  const prepare = state.prepare;
  if (!prepare) return [];
  const ran = (prepare.results ?? []).map((r) => `${r.label} (${r.status})`).join(', ');
  return [
    `Prepare:     ${ran ? `ran ${ran}` : 'no document succeeded'}; the instance is left running${prepare.rebooted ? ', and it rebooted during prepare' : ''}`,
  ];
};

/** What became of a region's copy when no clean-up ran: it failed after the copy was good (publishing). */
const keptCopy = (failure: Failure): string => {
  const id = failure.image?.imageId;
  return id === undefined ? '' : `; its copy ${id} is kept, available and not published: the previous image stays in use there`;
};

/** What the prune left in a region, in a few words: the headline of its prune alert. */
const pruneGist = (outcome: RegionOutcome): string =>
  outcome.pruneAlert?.subject.replace(/^ami-rotator: \S+ rotated, /, '') ?? 'the prune did not finish';

/** A region in one line: what it did, or where it stopped, why, and what became of its copy (a rollback's: what it published). */
const regionLine = (outcome: RegionOutcome, rollback: boolean): string => {
  const name = outcome.source ? `${outcome.region} (source)` : outcome.region;
  const made = outcome.source || rollback ? '' : 'copied, ';
  if (outcome.outcome !== 'failed') {
    const id = outcome.imageId ?? (outcome.source ? 'its image' : 'its copy');
    if (outcome.consumersFailed)
      return rollback
        ? `${name}: published (${id}), some consumer accounts did not get it`
        : `${name}: ${made}published (${id}), not pruned tonight: some consumer accounts did not get it`;
    const published = outcome.published?.parameter != null || (outcome.published?.launchTemplates?.length ?? 0) > 0;
    const done = published ? `${made}published` : `${made}nothing to publish there`;
    if (outcome.pruneIncomplete) return `${name}: ${done} (${id}), pruning incomplete: ${pruneGist(outcome)}`;
    return rollback ? `${name}: ${done} (${id})` : `${name}: ${done}, pruned (${id})`;
  }
  const failure = regionFailureOf(outcome);
  if (!failure) return `${name}: FAILED (${outcome.error ?? 'RegionFailed'}): ${parseCause(outcome.cause).slice(0, 300)}`;
  const error = failure.error.Error ?? outcome.error ?? 'UnknownError';
  const why = failure.error.Cause === undefined ? (imageCause(failure, error) ?? '') : parseCause(failure.error.Cause);
  const copy = failure.cleanupError
    ? `; its copy could NOT be removed (${failure.cleanupError.Error}): deregister the images tagged with this execution in ${outcome.region} by hand`
    : failure.cleanup
      ? failure.cleanup.deregistered
        ? `; its copy was removed (${failure.cleanup.deletedSnapshots?.length ?? 0} snapshot(s) deleted)`
        : '; no copy was left'
      : keptCopy(failure);
  return `${name}: FAILED at ${failure.step}: ${error}${why ? `: ${why.slice(0, 600)}` : ''}${copy}`;
};

/** Each consumer account, in each region, that did not get the region's image, with why. */
const consumerFailures = (state: FailureState) =>
  consumerReportsOf(state).flatMap((c) =>
    c.outcomes.filter((o) => o.status === 'failed').map((o) => ({ region: c.region, account: o.account, reason: o.reason ?? 'unknown' })),
  );

const consumerLines = (state: FailureState): string[] => {
  const failed = consumerFailures(state);
  return failed.length === 0 ? [] : ['Consumers not updated:', ...failed.map((f) => `  ${f.account} in ${f.region}: ${f.reason}`)];
};

const consumersCause = (state: FailureState): string => {
  const failed = consumerFailures(state);
  return `${failed.length} consumer account(s) did not get the new image: ${failed.map((f) => `${f.account} in ${f.region}`).join(', ')}; the others did`;
};

/** Each region's outcome, when the rotation copied to any (a rotation of its own region only has its lines above). */
const regionLines = (state: FailureState, rollback: boolean): string[] => {
  const regions = state.distribution?.regions ?? [];
  return regions.length < 2 ? [] : ['Regions:', ...regions.map((r) => `  ${regionLine(r, rollback)}`)];
};

/**
 * DescribePruneFailures: the one prune alert of a rotation whose image is good everywhere, for every region whose
 * prune left something behind: each one's account, as its prune wrote it, under the region's name (one region's subject as its own).
 */
export const describePruneFailures = (family: string, regions: readonly RegionOutcome[]): { subject: string; message: string } => {
  const incomplete = regions.filter((r) => r.pruneIncomplete && r.pruneAlert);
  const account = (r: RegionOutcome) => `In ${r.region}${r.source ? ' (the source region)' : ''}:\n${r.pruneAlert?.message ?? ''}`;
  const [only] = incomplete;
  if (incomplete.length === 1 && only?.pruneAlert)
    return {
      subject: only.pruneAlert.subject,
      message: fitMessage((whole) => whole, account(only), 'the whole account is in the execution history'),
    };
  const names = incomplete.map((r) => r.region);
  return {
    subject: toSubject(`ami-rotator: ${family} rotated, pruning incomplete in ${names.join(', ')}`),
    message: fitMessage(
      (listed) =>
        [
          `ami-rotator rotated family ${family} in every region, but pruning was incomplete in ${incomplete.length} of ${regions.length} region(s): ${names.join(', ')}. Each region's account follows.`,
          '',
          listed,
        ].join('\n'),
      incomplete.map(account).join('\n\n'),
      "each region's whole account is in its DistributeImage iteration in the execution history",
    ),
  };
};

/** A distribution's cause: which regions failed, and where each stopped. */
const distributionCause = (state: FailureState): string => {
  const regions = state.distribution?.regions ?? [];
  const failed = regions.filter((r) => r.outcome === 'failed');
  const where = failed.map((r) => {
    const failure = regionFailureOf(r);
    return `${r.region} (${failure ? `${failure.step}: ${failure.error.Error ?? r.error}` : (r.error ?? 'RegionFailed')})`;
  });
  return `${failed.length} of ${regions.length} region(s) failed: ${where.join(', ')}`;
};

/** The rollback's own steps (statemachine/rollback.asl.json): its alert says it is a rollback's. */
const ROLLBACK_STEPS: ReadonlySet<string> = new Set([STEP.PlanRollback, STEP.MarkRolledBack, STEP.PublishRollback]);
/** The promotion's own steps (statemachine/promote.asl.json): its alert says it is a promotion's. */
const PROMOTION_STEPS: ReadonlySet<string> = new Set([
  STEP.PlanPromotion,
  STEP.AwaitApproval,
  STEP.CheckCandidate,
  STEP.PromoteCandidate,
  STEP.MarkPromoted,
  STEP.MarkRejected,
  STEP.MarkExpired,
]);

/** The headline and subject of a promotion's alert: rejected and expired are a person's answer (or its absence). */
const promotionWords = (state: FailureState, family: string, step: string, error: string): { headline: string; subject: string } => {
  const candidate = state.plan?.candidate?.imageId ?? field(state.input, 'imageId') ?? 'the candidate';
  if (error === ERROR.PromotionRejected)
    return {
      headline: `ami-rotator did not promote family ${family}: candidate ${candidate} was rejected. The stable channel is unchanged.`,
      subject: `ami-rotator: ${family} candidate ${candidate} rejected, not promoted`,
    };
  if (error === ERROR.PromotionExpired)
    return {
      headline: `ami-rotator did not promote family ${family}: nobody approved candidate ${candidate} by its deadline. The stable channel is unchanged.`,
      subject: `ami-rotator: ${family} candidate ${candidate} not approved by its deadline`,
    };
  if (error === ERROR.ConsumersNotUpdated)
    return {
      headline: `ami-rotator promoted family ${family}, but some consumer accounts did not get the candidate.`,
      subject: `ami-rotator: ${family} promoted, ${consumerFailures(state).length} consumer account(s) not updated`,
    };
  return {
    headline: `ami-rotator could not promote family ${family}'s candidate ${candidate}.`,
    subject: `ami-rotator: ${family} promotion failed at ${step}: ${error}`,
  };
};

export const describeFailure = (state: FailureState, execution: ExecutionRef, version?: string): Alert => {
  const error = state.error?.Error ?? 'UnknownError';
  const cause =
    error === ERROR.DistributionFailed
      ? distributionCause(state)
      : error === ERROR.ConsumersNotUpdated
        ? consumersCause(state)
        : state.error?.Cause === undefined
          ? (imageCause(state, error) ?? parseCause(undefined))
          : parseCause(state.error.Cause);
  const family = state.request?.family ?? field(state.input, 'family') ?? '(default family)';
  const instance = state.request?.instanceId ?? field(state.input, 'instanceId') ?? '(default instance)';
  const step = state.step;
  const image = state.image?.imageId
    ? `${state.image.imageId}${state.image.name ? ` (${state.image.name})` : ''}`
    : state.cleanup?.deregistered
      ? 'one was made though the step failed, and the cleanup removed it'
      : 'none was created';
  const cleanup = state.cleanup
    ? `${state.cleanup.deregistered ? 'image deregistered' : state.image?.imageId ? 'image was already gone' : 'nothing to remove (no image was made)'}, ${state.cleanup.deletedSnapshots?.length ?? 0} snapshot(s) deleted${
        state.cleanup.keptSnapshots?.length
          ? `, kept: ${state.cleanup.keptSnapshots.map((k) => `${k.snapshotId} (${k.reason})`).join(', ')}`
          : ''
      }`
    : undefined;
  // A promotion's or a rollback's failure (its plan is in the state, or its own step failed) says whose it is.
  const promotion = state.plan?.kind === 'promotion' || PROMOTION_STEPS.has(state.path?.[0] ?? step);
  const rollback = !promotion && (state.plan !== undefined || ROLLBACK_STEPS.has(state.path?.[0] ?? step));
  const promoted = promotion ? promotionWords(state, family, step, error) : undefined;
  const shownImage =
    promotion && state.plan?.candidate?.imageId ? `${state.plan.candidate.imageId} (${state.plan.candidate.name}), the candidate` : image;
  const lines = (shownCause: string) => [
    promoted
      ? promoted.headline
      : error === ERROR.DistributionFailed
        ? `ami-rotator rotated family ${family} in its own region, but a copy to another region failed.`
        : error === ERROR.ConsumersNotUpdated
          ? rollback
            ? `ami-rotator rolled back family ${family}, but some consumer accounts did not get the earlier image.`
            : `ami-rotator rotated family ${family}, but some consumer accounts did not get the new image.`
          : rollback
            ? `ami-rotator could not roll back family ${family}.`
            : `ami-rotator could not rotate family ${family}.`,
    '',
    `Failed step: ${step}`,
    `Error:       ${error}`,
    `Cause:       ${shownCause}`,
    ...(promotion ? [] : [`Instance:    ${instance}`]),
    `Image:       ${shownImage}`,
    ...(cleanup ? [`Cleanup:     ${cleanup}`] : []),
    ...(state.cleanupError
      ? [
          `Cleanup FAILED: ${state.cleanupError.Error}: ${parseCause(state.cleanupError.Cause).slice(0, 2000)} - remove the image and its snapshots by hand.`,
        ]
      : []),
    ...testInstanceLines(state),
    ...prepareLines(state),
    ...regionLines(state, rollback || promotion),
    ...consumerLines(state),
    ...(state.image?.poll ? [`Waited:      ${state.image.waitedSeconds ?? 0} s over ${state.image.poll} checks`] : []),
    `Execution:   ${execution.name} (started ${execution.startTime})`,
    `Console:     ${consoleLink(execution.id)}`,
    '',
    `What to do: ${HINTS[error] ?? 'Open the execution in the console; the failed step and its input are in the history.'}`,
    // Which code sent it: what a person on call checks against the changelog before anything else.
    ...(version ? ['', `-- ami-rotator ${version}`] : []),
  ];
  const failedRegions = (state.distribution?.regions ?? []).filter((r) => r.outcome === 'failed').map((r) => r.region);
  const subject = toSubject(
    promoted
      ? promoted.subject
      : error === ERROR.DistributionFailed
        ? `ami-rotator: ${family} rotated, copy failed in ${failedRegions.join(', ')}`
        : error === ERROR.ConsumersNotUpdated
          ? `ami-rotator: ${family} ${rollback ? 'rolled back' : 'rotated'}, ${consumerFailures(state).length} consumer account(s) not updated`
          : rollback
            ? `ami-rotator: ${family} rollback failed at ${step}: ${error}`
            : `ami-rotator: ${family} failed at ${step}: ${error}`,
  );
  return {
    subject,
    message: fitMessage((shown) => lines(shown).join('\n'), cause),
    error,
    cause: formatCause(step, cause).slice(0, 32_000),
    details: {
      family,
      failedStep: step,
      error,
      summary: subject,
      instanceId: instance,
      imageId: state.image?.imageId ?? null,
      executionArn: execution.id,
    },
  };
};
