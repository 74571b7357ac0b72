/** Shapes prune runs into the step's output: bounded in size, accumulated across the resumable loop. */
import { fitMessage, toSubject } from '../alerts/sns-limits.ts';
import { USAGE_UNKNOWN } from './plan.ts';
import type { PruneRun } from './prune.ts';
import type { BucketState } from './token-bucket.ts';

const MAX_LISTED = 50;

export interface PruneProgress {
  iteration: number;
  done: boolean;
  dryRun: boolean;
  policy: string;
  totals: {
    images: number;
    kept: number;
    expired: number;
    deleted: number;
    failed: number;
    orphanSnapshots: number;
    orphanSnapshotsDeleted: number;
    deprecated: number;
    disabled: number;
    enabled: number;
    /** Snapshots deleted, with their images and orphaned ones. */
    snapshotsDeleted: number;
  };
  /** When the family's newest available image was made, as the first pass saw it. */
  newestImageAt?: string;
  /** How usage of the expiry candidates was established (the first pass's). */
  usage?: string;
  /** Whether a deleted image could be restored from the Recycle Bin (the first pass's). */
  recycleBin?: { warning: boolean; note: string };
  /** The newest decisions of the plan as of the execution's start, each with its reason. */
  plan: {
    imageId: string;
    name: string;
    action: 'keep' | 'delete' | 'deprecate' | 'disable' | 'enable' | 'withdraw' | 'share again';
    reason: string;
  }[];
  deleted: { imageId: string; name: string; reason: string }[];
  failures: { resource: string; reason: string }[];
  /** How many times the state machine has waited for usage reports of shared images. */
  usageReportWaits?: number;
  /** The pacing buckets as this pass left them, for the next pass. */
  pacing?: { deregister: BucketState; deleteSnapshot: BucketState };
}

export const emptyProgress = (policy: string, dryRun: boolean): PruneProgress => ({
  iteration: 0,
  done: false,
  dryRun,
  policy,
  totals: {
    images: 0,
    kept: 0,
    expired: 0,
    deleted: 0,
    failed: 0,
    orphanSnapshots: 0,
    orphanSnapshotsDeleted: 0,
    deprecated: 0,
    disabled: 0,
    enabled: 0,
    snapshotsDeleted: 0,
  },
  plan: [],
  deleted: [],
  failures: [],
});

/** The creation time of the newest available image the plan saw, if any. */
const newestAvailable = (run: PruneRun): string | undefined =>
  run.plan.images
    .filter((d) => d.state === 'available')
    .map((d) => d.creationDate)
    .sort()
    .at(-1);

const newestOf = (at: string | undefined) => (at === undefined ? {} : { newestImageAt: at });

/** A later pass retries what an earlier one could not delete: only its latest outcome is reported. */
const latestPerResource = (failures: PruneProgress['failures']): PruneProgress['failures'] => [
  ...new Map(failures.map((f) => [f.resource, f])).values(),
];

/**
 * Adds a pass to the progress. The first pass's plan is the execution's; a pass after a wait for usage reports plans
 * again with what the reports say (`replan`), and its plan replaces the earlier one.
 */
export const accumulate = (previous: PruneProgress, run: PruneRun, replan = false): PruneProgress => {
  const first = previous.iteration === 0;
  const expired = run.plan.images.filter((d) => d.action === 'delete').length;
  // After a wait for usage reports: the images the reports let go are now expired too; the rest of the plan stands.
  const nowExpired = replan
    ? run.plan.images.filter((d) => d.action === 'delete' && previous.plan.some((p) => p.imageId === d.imageId && p.action === 'keep'))
    : [];
  const imageFailures = run.images
    .filter((o) => o.outcome === 'failed')
    .map((o) => ({ resource: `${o.imageId} (${o.name})`, reason: o.reason }));
  const keptSnapshots = run.images.flatMap((o) =>
    o.snapshots
      .filter((s) => s.outcome === 'kept')
      .map((s) => ({ resource: s.snapshotId, reason: `${s.reason} (image ${o.imageId} was deregistered)` })),
  );
  const snapshotFailures = run.snapshots.filter((s) => s.outcome === 'failed').map((s) => ({ resource: s.snapshotId, reason: s.reason }));
  const deprecationFailures = run.deprecations
    .filter((d) => d.outcome === 'failed')
    .map((d) => ({ resource: `${d.imageId} (${d.name})`, reason: d.reason }));
  const deprecating = new Map(run.plan.deprecations.map((d) => [d.imageId, d.reason]));
  const staging = new Map(run.plan.stages.map((d) => [d.imageId, d.stage]));
  const stageFailures = run.stages
    .filter((d) => d.outcome === 'failed')
    .map((d) => ({ resource: `${d.imageId} (${d.name})`, reason: d.reason }));
  // A disabled image that came into use again is enabled, and said in the one alert: someone relied on it.
  const enabledNotices = [
    // Enabled by an earlier pass of this execution that did not live to report it (its enabled-at tag says so).
    ...run.plan.reenabled
      .filter((r) => !run.stages.some((d) => d.imageId === r.imageId))
      .map((r) => ({ resource: `${r.imageId} (${r.name})`, reason: 'enabled again: it was disabled and found in use' })),
    ...run.stages
      .filter((d) => d.stage === 'enable' && d.outcome === 'done')
      .map((d) => ({ resource: `${d.imageId} (${d.name})`, reason: `enabled again: ${d.reason.replace(/^enable: /, '')}` })),
  ];
  // Expired images kept because their usage is unknown are not pruned: said once a night, in the one alert.
  const { heldBack } = run.plan.usage;
  const heldBackNote = heldBack
    ? [
        {
          resource: `${heldBack.images} expired image(s)`,
          reason: `${USAGE_UNKNOWN} (${heldBack.reason}); ${heldBack.all ? 'pruning is held back' : 'they are kept'} until usage can be read`,
        },
      ]
    : [];
  return {
    ...previous,
    iteration: previous.iteration + 1,
    done: run.done,
    totals: {
      images: first ? run.plan.images.length : previous.totals.images,
      kept: first ? run.plan.images.length - expired : previous.totals.kept - nowExpired.length,
      expired: first ? expired : previous.totals.expired + nowExpired.length,
      deleted: previous.totals.deleted + run.images.filter((o) => o.outcome === 'deleted').length,
      failed:
        previous.totals.failed +
        [...imageFailures, ...snapshotFailures, ...deprecationFailures, ...stageFailures].filter(
          (f) => !previous.failures.some((p) => p.resource === f.resource),
        ).length,
      orphanSnapshots: first ? run.plan.snapshots.filter((s) => s.action === 'delete').length : previous.totals.orphanSnapshots,
      orphanSnapshotsDeleted: previous.totals.orphanSnapshotsDeleted + run.snapshots.filter((s) => s.outcome === 'deleted').length,
      deprecated: previous.totals.deprecated + run.deprecations.filter((d) => d.outcome === 'deprecated').length,
      disabled: previous.totals.disabled + run.stages.filter((d) => d.stage === 'disable' && d.outcome === 'done').length,
      enabled: previous.totals.enabled + run.stages.filter((d) => d.stage === 'enable' && d.outcome === 'done').length,
      snapshotsDeleted:
        previous.totals.snapshotsDeleted +
        run.images.flatMap((o) => o.snapshots).filter((s) => s.outcome === 'deleted').length +
        run.snapshots.filter((s) => s.outcome === 'deleted').length,
    },
    ...newestOf(first ? newestAvailable(run) : undefined),
    ...(first ? { usage: run.plan.usage.description } : {}),
    ...(first && run.plan.recycleBin ? { recycleBin: run.plan.recycleBin } : {}),
    plan: first
      ? run.plan.images.slice(0, MAX_LISTED).map(({ imageId, name, action, reason }) => {
          const stage = staging.get(imageId);
          // What was done says more than what was planned (a withdrawal names who lost access).
          const done = run.stages.find((o) => o.imageId === imageId && o.outcome === 'done');
          if (stage) return { imageId, name, action: stage, reason: done?.reason ?? reason };
          const deprecation = deprecating.get(imageId);
          return deprecation
            ? { imageId, name, action: 'deprecate' as const, reason: `${reason}; ${deprecation}` }
            : { imageId, name, action, reason };
        })
      : replan
        ? previous.plan.map((p) => {
            // What the reports said of an image kept while they were made; the others' decisions stand.
            const now = run.plan.images.find((d) => d.imageId === p.imageId);
            const done = run.stages.find((o) => o.imageId === p.imageId && o.outcome === 'done');
            if (p.action !== 'keep' || now === undefined) return p;
            return { ...p, action: staging.get(p.imageId) ?? now.action, reason: done?.reason ?? now.reason };
          })
        : previous.plan,
    deleted: [
      ...previous.deleted,
      ...run.images.filter((o) => o.outcome === 'deleted').map(({ imageId, name, reason }) => ({ imageId, name, reason })),
    ].slice(0, MAX_LISTED),
    failures: latestPerResource([
      // Each pass plans again: what it says of unknown usage replaces what the pass before said.
      ...previous.failures.filter((f) => !f.reason.startsWith(USAGE_UNKNOWN)),
      ...heldBackNote,
      ...imageFailures,
      ...snapshotFailures,
      ...deprecationFailures,
      ...stageFailures,
      ...enabledNotices,
      ...keptSnapshots,
    ]).slice(0, MAX_LISTED),
  };
};

/** The one alert for a rotation whose image is good but whose pruning left things behind. */
export const pruneAlert = (
  family: string,
  progress: PruneProgress,
  newImageId: string | undefined,
): { subject: string; message: string } => {
  const count = progress.failures.length;
  const unknown = progress.failures.filter((f) => f.reason.startsWith(USAGE_UNKNOWN));
  const heldBack = unknown.some((f) => f.reason.includes('pruning is held back'));
  // Stopped at the pass cap: what is left is the expired images not yet deleted, whether or not anything failed.
  const left = Math.max(0, progress.totals.expired - progress.totals.deleted);
  const headline = progress.done
    ? `pruning left ${count} item(s) behind`
    : `pruning stopped after ${progress.iteration} passes with ${left} expired image(s) still to delete`;
  const closing = !progress.done
    ? `Pruning stopped after ${progress.iteration} passes with work left; the next run goes on where it stopped.`
    : heldBack
      ? 'Pruning is held back: no expired image was deleted, and none will be until their usage can be read.'
      : unknown.length > 0
        ? 'The shared images whose use by other accounts is unknown are kept; every other expired image was deleted.'
        : 'Nothing else was affected: every other expired image was deleted and the policy was kept.';
  const lines = (listed: string) => [
    `ami-rotator rotated family ${family}${newImageId ? ` (new image ${newImageId} is available)` : ''}, but ${headline}.`,
    '',
    listed,
    '',
    closing,
    'What to do: read each reason. Throttling or server errors clear by themselves at the next run;',
    'a snapshot kept because another image uses it is deleted once that image is gone; an access error needs the role fixed.',
    'Images whose usage could not be read are kept, never deleted on a guess.',
    ...(progress.recycleBin?.warning ? ['', progress.recycleBin.note] : []),
  ];
  return {
    subject: toSubject(
      progress.done
        ? `ami-rotator: ${family} rotated, ${count} item(s) not pruned`
        : `ami-rotator: ${family} rotated, ${left} image(s) left to prune`,
    ),
    message: fitMessage(
      (listed) => lines(listed).join('\n'),
      progress.failures.map((f) => `- ${f.resource}: ${f.reason}`).join('\n') || '- (nothing failed: time ran out)',
      "the whole list is in the prune step's output in the execution history",
    ),
  };
};
