/** The prune step: plan as of the execution's start, act within the Lambda's time, report with reasons. */
import { logger } from '../lambda/logger.ts';
import type { ExecutionRef } from '../rotation/naming.ts';
import type { RotationRequest } from '../rotation/request.ts';
import type { Pacing } from './apply.ts';
import { describePolicy } from './policy.ts';
import { ORPHAN_GRACE_HOURS, type PruneClients, type PruneRun, type PruneSettings, planPrune, runPrune } from './prune.ts';
import { accumulate, emptyProgress, type PruneProgress, pruneAlert } from './report.ts';
import { type Clock, ec2Bucket, systemClock } from './token-bucket.ts';

export interface PruneStepEvent {
  request: RotationRequest;
  execution: ExecutionRef;
  /** The image this execution made: never pruned. Absent on a dry run, which makes none. */
  newImageId?: string;
  /** The previous pass's result, when the state machine loops back after `done: false`. */
  progress?: PruneProgress;
  /**
   * false: the result keeps counts and failures but not the plan's decisions nor the deleted images (a copy region's,
   * which the rotation's output holds for every region at once; its log lists each decision with its reason).
   * Absent or true: everything, as the rotation's output shows the source region's prune.
   */
  listed?: boolean;
}

export interface PruneStepResult extends PruneProgress {
  /** Present once, on the last pass, when something could not be pruned. */
  alert?: { subject: string; message: string };
  /** Present when a usage report still being made decides a shared image: the state machine waits, then passes again. */
  awaitingUsageReports?: string[];
}

/**
 * How many times the state machine waits for usage reports (WaitForUsageReports, 120 s each) before their images'
 * usage counts as unknown: 16 minutes, over the 10 that the AWS CLI's image-usage-report-available waiter allows
 * (15 s by 40 checks). A test holds the state machine's Wait to this.
 */
export const MAX_USAGE_REPORT_WAITS = 8;
export const USAGE_REPORT_WAIT_SECONDS = 120;

/** The state machine's IsPruneDone stops looping after this many passes (a test holds the two equal). */
export const MAX_PRUNE_PASSES = 50;

const accountOf = (executionArn: string): string | undefined => executionArn.split(':')[4] || undefined;

const LOG_CHUNK = 200;
const logRun = (run: PruneRun, family: string): void => {
  for (let i = 0; i < run.plan.images.length; i += LOG_CHUNK) {
    logger.info('retention plan', {
      family,
      decisions: run.plan.images.slice(i, i + LOG_CHUNK).map(({ imageId, action, reason }) => ({ imageId, action, reason })),
    });
  }
  if (run.plan.recycleBin) logger[run.plan.recycleBin.warning ? 'warn' : 'info']('recycle bin', { family, note: run.plan.recycleBin.note });
  const orphans = run.plan.snapshots.filter((s) => s.action === 'delete');
  if (orphans.length > 0) logger.info('orphaned snapshots', { family, snapshots: orphans });
  for (const outcome of run.images)
    logger[outcome.outcome === 'failed' ? 'warn' : 'info'](`image ${outcome.outcome}`, { family, ...outcome });
};

export const pruneImages = async (
  clients: PruneClients,
  event: PruneStepEvent,
  remainingMs: () => number,
  clock: Clock = systemClock,
): Promise<PruneStepResult> => {
  const result = await prunePass(clients, event, remainingMs, clock);
  return event.listed === false ? { ...result, plan: [], deleted: [] } : result;
};

const prunePass = async (
  clients: PruneClients,
  event: PruneStepEvent,
  remainingMs: () => number,
  clock: Clock,
): Promise<PruneStepResult> => {
  const { request, execution } = event;
  // A pass after a wait for usage reports: what the previous pass awaited is its own business, not this one's.
  const { awaitingUsageReports: awaited, ...carried } = (event.progress ?? {}) as PruneStepResult;
  const previous: PruneProgress = event.progress ? carried : emptyProgress(describePolicy(request.retention), request.dryRun);
  const settings: PruneSettings = {
    family: request.family,
    policy: request.retention,
    now: new Date(execution.startTime),
    accountId: accountOf(execution.id),
    protectedImageIds: event.newImageId ? [event.newImageId] : [],
    orphanGraceHours: ORPHAN_GRACE_HOURS,
    executionId: execution.id,
    checkRecycleBin: previous.iteration === 0,
    requestUsageReports: !request.dryRun,
    mayWaitForUsageReports: (previous.usageReportWaits ?? 0) < MAX_USAGE_REPORT_WAITS,
    share: request.publish?.share,
  };
  if (request.dryRun) {
    const run: PruneRun = { plan: await planPrune(clients, settings), images: [], snapshots: [], deprecations: [], stages: [], done: true };
    logRun(run, request.family);
    return accumulate(previous, run);
  }
  const saved = event.progress?.pacing;
  const pacing: Pacing = {
    deregister: ec2Bucket('DeregisterImage', clock, saved?.deregister),
    deleteSnapshot: ec2Bucket('DeleteSnapshot', clock, saved?.deleteSnapshot),
    remainingMs,
    // Leave a tenth of the time (1 s to 60 s) to finish the calls in flight and return.
    reserveMs: Math.min(60_000, Math.max(1_000, remainingMs() * 0.1)),
    concurrency: 4,
  };
  const run = await runPrune(clients, settings, pacing);
  logRun(run, request.family);
  const waiting = run.done && run.plan.pendingUsageReports.length > 0;
  const accumulated = accumulate(previous, run, awaited !== undefined);
  const progress: PruneProgress = {
    ...accumulated,
    // Reports still being made: not done, and the state machine waits before the next pass.
    done: accumulated.done && !waiting,
    ...(waiting ? { usageReportWaits: (previous.usageReportWaits ?? 0) + 1 } : {}),
    pacing: { deregister: pacing.deregister.save(), deleteSnapshot: pacing.deleteSnapshot.save() },
  };
  if (waiting && progress.iteration < MAX_PRUNE_PASSES) {
    logger.info('waiting for usage reports', { family: request.family, reports: run.plan.pendingUsageReports });
    return { ...progress, awaitingUsageReports: run.plan.pendingUsageReports.slice(0, 20) };
  }
  // The last pass (done, or the state machine's cap reached) says once what was left behind, and why.
  const last = progress.done || progress.iteration >= MAX_PRUNE_PASSES;
  return last && (progress.failures.length > 0 || !progress.done)
    ? { ...progress, alert: pruneAlert(request.family, progress, event.newImageId) }
    : progress;
};
