/** What one prune pass adds to the family's metrics: deletions of this pass, failures and freshness once. */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC } from '../lambda/metrics.ts';
import type { PruneProgress } from './report.ts';
import { MAX_PRUNE_PASSES, type PruneStepResult } from './step.ts';

const HOUR_MS = 3_600_000;

export const recordPrune = (metrics: Metrics, previous: PruneProgress | undefined, result: PruneStepResult, now: Date): void => {
  if (!previous && result.newestImageAt)
    metrics.addMetric(
      METRIC.newestImageAgeHours,
      MetricUnit.NoUnit,
      Math.round(((now.getTime() - Date.parse(result.newestImageAt)) / HOUR_MS) * 10) / 10,
    );
  if (result.dryRun) return;
  metrics.addMetric(METRIC.imagesPruned, MetricUnit.Count, result.totals.deleted - (previous?.totals.deleted ?? 0));
  metrics.addMetric(METRIC.snapshotsDeleted, MetricUnit.Count, result.totals.snapshotsDeleted - (previous?.totals.snapshotsDeleted ?? 0));
  if (result.done || result.iteration >= MAX_PRUNE_PASSES) metrics.addMetric(METRIC.pruneFailures, MetricUnit.Count, result.totals.failed);
};
