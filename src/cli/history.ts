/**
 * `ami-rotator history`, the pure part: the executions Step Functions keeps (90 days) merged with the
 * rotations older images' own tags tell, newest first, each row labelled with where it was read.
 */
import type { ManagedImage } from '../retention/inventory.ts';
import { TAG } from '../rotation/tags.ts';
import { isSkipped, sourcePruneOf, stepOfCause } from '../workflow/contract.ts';
import { dig, type ExecutionRecord } from './executions.ts';

export interface HistoryRow {
  source: 'step-functions' | 'image-tags';
  family: string;
  /** The execution's status, or for an image-tag row the image's `ami-rotator:status` (`image available`). */
  status: string;
  started: string;
  durationSeconds: number | undefined;
  imageId: string | undefined;
  imageName: string | undefined;
  /** Images the prune deleted; undefined when it did not run or is not known. */
  pruned: number | undefined;
  failedStep: string | undefined;
  error: string | undefined;
  execution: string | undefined;
  note: string | undefined;
}

/** Where a family is not named in the input, the deployment's default family made the image. */
export const DEFAULT_FAMILY = '(default family)';

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const fromExecution = (e: ExecutionRecord, images: readonly ManagedImage[]): HistoryRow => {
  // A failed rotation's image is usually removed; one it kept (a boot test's keepFailedImage) still says whose it is.
  const kept = images.find((i) => i.tags[TAG.execution] === e.executionArn);
  const skipped = e.status === 'SUCCEEDED' && isSkipped(e.output);
  const pruned = dig(sourcePruneOf(e.output), 'totals', 'deleted');
  return {
    source: 'step-functions',
    family: e.family ?? DEFAULT_FAMILY,
    status: e.status,
    started: e.startDate.toISOString(),
    durationSeconds: e.stopDate ? Math.round((e.stopDate.getTime() - e.startDate.getTime()) / 1000) : undefined,
    imageId: text(dig(e.output, 'image', 'imageId')) ?? kept?.imageId,
    imageName: text(dig(e.output, 'image', 'name')) ?? kept?.name,
    pruned: typeof pruned === 'number' ? pruned : undefined,
    failedStep: e.status === 'FAILED' ? stepOfCause(e.cause) : undefined,
    error: e.error,
    execution: e.name,
    note: e.dryRun ? 'dry run' : skipped ? 'skipped: the family was being rotated' : e.status === 'RUNNING' ? 'running' : undefined,
  };
};

const createdAt = (image: ManagedImage) => image.tags[TAG.createdAt] ?? image.creationDate;

const fromImage = (image: ManagedImage): HistoryRow => {
  const completed = Date.parse(image.tags[TAG.completedAt] ?? '');
  const started = Date.parse(createdAt(image));
  return {
    source: 'image-tags',
    family: image.tags[TAG.family] ?? DEFAULT_FAMILY,
    status: `image ${image.tags[TAG.status] ?? image.state}`,
    started: new Date(started).toISOString(),
    durationSeconds: Number.isFinite(completed) ? Math.round((completed - started) / 1000) : undefined,
    imageId: image.imageId,
    imageName: image.name,
    pruned: undefined,
    failedStep: undefined,
    error: undefined,
    execution: image.tags[TAG.execution]?.split(':').at(-1),
    note: image.state === 'available' ? undefined : `image is ${image.state}`,
  };
};

/**
 * The rotations since `since` (of `family`, when given), newest first: every execution listed, and every
 * image whose execution is not (Step Functions no longer keeps it, or another stage's state machine ran it).
 * An image already pruned leaves no trace.
 */
export const buildHistory = (
  executions: readonly ExecutionRecord[],
  images: readonly ManagedImage[],
  { since, family }: { since: Date; family?: string | undefined },
): HistoryRow[] => {
  const listed = new Set(executions.map((e) => e.executionArn));
  const rows = [
    ...executions.filter((e) => family === undefined || e.family === family).map((e) => fromExecution(e, images)),
    ...images
      .filter((i) => !listed.has(i.tags[TAG.execution] ?? ''))
      .filter((i) => family === undefined || i.tags[TAG.family] === family)
      .filter((i) => Date.parse(createdAt(i)) >= since.getTime())
      .map(fromImage),
  ];
  return rows.sort((a, b) => b.started.localeCompare(a.started));
};

const duration = (seconds: number | undefined): string => {
  if (seconds === undefined) return '-';
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes}m` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
};

/** The rows as a table a person reads, and a line that says where they came from. */
export const renderHistory = (rows: readonly HistoryRow[], since: Date): string => {
  const header = ['STARTED (UTC)', 'FAMILY', 'STATUS', 'TOOK', 'IMAGE', 'PRUNED', 'FAILED AT', 'SOURCE'];
  const cells = rows.map((r) => [
    r.started.slice(0, 16).replace('T', ' '),
    r.family,
    r.note ? `${r.status} (${r.note})` : r.status,
    duration(r.durationSeconds),
    r.imageId ?? '-',
    r.pruned === undefined ? '-' : String(r.pruned),
    r.failedStep ?? (r.error && r.status !== 'SUCCEEDED' ? r.error : '-'),
    r.source,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0))).join('  ');
  const fromTags = rows.filter((r) => r.source === 'image-tags').length;
  return [
    ...(rows.length ? [line(header), ...cells.map(line)] : [`No rotations since ${since.toISOString()}.`]),
    '',
    `${rows.length} rotation(s) since ${since.toISOString().slice(0, 10)}: ${rows.length - fromTags} from Step Functions (it keeps executions 90 days), ${fromTags} from their images' tags (an image already pruned leaves no trace).`,
  ].join('\n');
};
