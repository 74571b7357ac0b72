/**
 * `ami-rotator status`, the pure part: per family, the newest image and its age, what is published, the
 * next scheduled run, the last success and failure, and its alarms in ALARM; then the stage's other alarms.
 */
import type { ManagedImage } from '../retention/inventory.ts';
import { TAG } from '../rotation/tags.ts';
import { type ConsumersReport, stepOfCause } from '../workflow/contract.ts';
import type { AlarmInfo, Read, ScheduleInfo } from './deployment-reads.ts';
import { dig, type ExecutionRecord } from './executions.ts';
import { nextRun } from './next-run.ts';

export interface FamilyStatus {
  family: string;
  newest: { imageId: string; name: string; createdAt: string; ageHours: number; state: string } | undefined;
  images: number;
  published:
    | {
        parameter: { name: string; imageId: string } | null;
        launchTemplates: { template: string; version: number; isDefault: boolean }[];
        /** With whom that rotation shared its image (launch permissions); empty: no one. */
        sharedWith: string[];
        by: string;
        at: string;
      }
    | undefined;
  /** The published parameter names another image than the newest: a later rotation did not publish, or failed after tagging. */
  publishedIsStale: boolean;
  schedule: { name: string; expression: string; timezone: string; next: string | undefined; none: string | undefined } | undefined;
  lastSuccess: { execution: string; at: string } | undefined;
  lastFailure: { execution: string; at: string; status: string; error: string | undefined; failedStep: string | undefined } | undefined;
  alarms: AlarmInfo[];
  /** Each other region the last copying rotation copied to: its copy there, and what it published there. */
  regions: { region: string; imageId: string; published: string; by: string }[];
  /** The consumer accounts (publish.consumers) as the last rotation that wrote them left them; undefined: none. */
  consumers: ConsumersRecord | undefined;
}

/** The consumer accounts of every region as one rotation left them (its output, or a failed one's history). */
export interface ConsumersRecord {
  execution: string;
  at: string;
  status: string;
  reports: ConsumersReport[];
}

export interface StageStatus {
  stage: string;
  /** The release the stage runs (its functions' ROTATOR_VERSION); absent when unknown. */
  version?: string;
  now: string;
  families: FamilyStatus[];
  /** Alarms in ALARM that belong to no one family (failed executions, alert delivery, dead letters). */
  stageAlarms: AlarmInfo[];
  /** What could not be read, and why (an operator without scheduler:ListSchedules still sees the rest). */
  unreadable: string[];
  /** How far back executions were read. */
  since: string;
}

export interface StatusInputs {
  stage: string;
  version?: string;
  family: string | undefined;
  now: Date;
  since: Date;
  images: readonly ManagedImage[];
  executions: readonly ExecutionRecord[];
  schedules: Read<ScheduleInfo[]>;
  alarms: Read<AlarmInfo[]>;
  /** By family: its consumers as the last rotation that wrote them left them. */
  consumers?: ReadonlyMap<string, ConsumersRecord>;
}

const FAILED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

const familyStatus = (family: string, inputs: StatusInputs, schedules: ScheduleInfo[], alarms: AlarmInfo[]): FamilyStatus => {
  const images = inputs.images.filter((i) => i.tags[TAG.family] === family);
  const newestImage = images.filter((i) => i.state === 'available').sort((a, b) => b.creationDate.localeCompare(a.creationDate))[0];
  // Executions are newest first: the first of each kind is the latest.
  const ran = inputs.executions.filter((e) => e.family === family && !e.dryRun);
  const success = ran.find((e) => e.status === 'SUCCEEDED' && dig(e.output, 'image', 'imageId') !== undefined);
  // NothingToPublish leaves `published` with no parameter and no template: that rotation published nothing.
  const publishing = ran.find(
    (e) =>
      e.status === 'SUCCEEDED' &&
      (dig(e.output, 'published', 'parameter') != null ||
        (dig(e.output, 'published', 'launchTemplates') as unknown[] | undefined)?.length ||
        (dig(e.output, 'published', 'sharedWith') as unknown[] | undefined)?.length),
  );
  const failure = ran.find((e) => FAILED.has(e.status));
  // The copies are in the output of the last rotation that copied (src/workflow/contract.ts, RegionOutcome).
  // Every region is in DistributeImage's outcomes, the source's first (marked `source`): the copies are the others.
  const copiesOf = (e: (typeof ran)[number] | undefined) =>
    ((e && (dig(e.output, 'distribution', 'regions') as Record<string, unknown>[] | undefined)) ?? []).filter((r) => r.source !== true);
  const copying = ran.find((e) => e.status === 'SUCCEEDED' && copiesOf(e).length > 0);
  const copies = copiesOf(copying).map((r) => {
    const parameter = dig(r.published, 'parameter') as { name: string; imageId: string } | null | undefined;
    const templates = (dig(r.published, 'launchTemplates') as { template: string; version: number }[] | undefined) ?? [];
    return {
      region: String(r.region),
      imageId: String(r.imageId),
      published:
        [
          ...(parameter ? [`${parameter.name} = ${parameter.imageId}`] : []),
          ...templates.map((t) => `${t.template} version ${t.version}`),
        ].join(', ') || 'nothing',
      by: copying?.name ?? '',
    };
  });
  const published = publishing
    ? (dig(publishing.output, 'published') as Pick<NonNullable<FamilyStatus['published']>, 'parameter' | 'launchTemplates'>)
    : undefined;
  const schedule = schedules.find((s) => s.family === family);
  const next = schedule ? nextRun(schedule, inputs.now) : undefined;
  return {
    family,
    newest: newestImage && {
      imageId: newestImage.imageId,
      name: newestImage.name,
      createdAt: newestImage.creationDate,
      ageHours: Math.round(((inputs.now.getTime() - Date.parse(newestImage.creationDate)) / 3_600_000) * 10) / 10,
      state: newestImage.state,
    },
    images: images.length,
    published:
      published && publishing
        ? {
            parameter: published.parameter ?? null,
            launchTemplates: published.launchTemplates ?? [],
            sharedWith: (dig(publishing.output, 'published', 'sharedWith') as string[] | undefined) ?? [],
            by: publishing.name,
            at: (publishing.stopDate ?? publishing.startDate).toISOString(),
          }
        : undefined,
    publishedIsStale: Boolean(published?.parameter && newestImage && published.parameter.imageId !== newestImage.imageId),
    schedule: schedule && {
      name: schedule.name,
      expression: schedule.expression,
      timezone: schedule.timezone,
      next: next && 'at' in next ? next.at.toISOString() : undefined,
      none: next && 'none' in next ? next.none : undefined,
    },
    lastSuccess: success && { execution: success.name, at: (success.stopDate ?? success.startDate).toISOString() },
    lastFailure: failure && {
      execution: failure.name,
      at: failure.startDate.toISOString(),
      status: failure.status,
      error: failure.error,
      failedStep: stepOfCause(failure.cause),
    },
    alarms: alarms.filter((a) => a.name === `ami-rotator-${inputs.stage}-freshness-${family}`),
    regions: copies,
    consumers: inputs.consumers?.get(family),
  };
};

/** Each consumer account in each region: what its parameter names, or why it was not written. */
const consumerLines = (record: ConsumersRecord): string[] => {
  const rows = record.reports.flatMap((r) =>
    r.outcomes.map((o) => ({ ...o, region: r.region, parameter: r.parameter, imageId: r.imageId })),
  );
  const failed = rows.filter((r) => r.status === 'failed').length;
  return [
    `  consumers      ${rows.length - failed} of ${rows.length} account-region(s) name the image published there (by ${record.execution}, ${record.at.slice(0, 16).replace('T', ' ')} UTC, ${record.status})`,
    ...rows.map((r) =>
      r.status === 'failed'
        ? `    ${r.account} in ${r.region}: NOT UPDATED (${r.reason ?? 'no reason given'}): ${r.parameter} still names an earlier image, if any`
        : `    ${r.account} in ${r.region}: ${r.parameter} = ${r.imageId}${r.status === 'confirmed' ? '' : ' (written, not read back)'}`,
    ),
  ];
};

export const buildStatus = (inputs: StatusInputs): StageStatus => {
  const schedules = 'value' in inputs.schedules ? inputs.schedules.value : [];
  const alarms = 'value' in inputs.alarms ? inputs.alarms.value : [];
  const known = new Set([
    ...inputs.images.map((i) => i.tags[TAG.family] ?? ''),
    ...schedules.map((s) => s.family ?? ''),
    ...inputs.executions.map((e) => e.family ?? ''),
  ]);
  known.delete('');
  const families = inputs.family === undefined ? [...known].sort() : [inputs.family];
  const statuses = families.map((f) => familyStatus(f, inputs, schedules, alarms));
  const owned = new Set(statuses.flatMap((s) => s.alarms.map((a) => a.name)));
  return {
    stage: inputs.stage,
    ...(inputs.version ? { version: inputs.version } : {}),
    now: inputs.now.toISOString(),
    families: statuses,
    stageAlarms: alarms.filter((a) => !owned.has(a.name) && !/-freshness-/.test(a.name)),
    unreadable: [
      ...('unreadable' in inputs.schedules ? [`schedules (EventBridge Scheduler): ${inputs.schedules.unreadable}`] : []),
      ...('unreadable' in inputs.alarms ? [`alarms (CloudWatch): ${inputs.alarms.unreadable}`] : []),
    ],
    since: inputs.since.toISOString(),
  };
};

const age = (hours: number) => (hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`);

/** The status as a person reads it: a block per family, then the stage's alarms and what could not be read. */
export const renderStatus = (status: StageStatus): string => {
  const days = Math.round((Date.parse(status.now) - Date.parse(status.since)) / 86_400_000);
  const blocks = status.families.map((f) => {
    const published = f.published
      ? [
          ...(f.published.parameter ? [`${f.published.parameter.name} = ${f.published.parameter.imageId}`] : []),
          ...f.published.launchTemplates.map((t) => `${t.template} version ${t.version}${t.isDefault ? ' (default)' : ''}`),
          ...(f.published.sharedWith.length ? [`shared with ${f.published.sharedWith.join(', ')}`] : []),
        ].join(', ')
      : undefined;
    return [
      `${f.family}`,
      `  newest image   ${f.newest ? `${f.newest.imageId} ${f.newest.name}, ${age(f.newest.ageHours)} old` : 'none available'} (${f.images} image(s) in all)`,
      `  published      ${published ? `${published} (by ${f.published?.by}, ${f.published?.at.slice(0, 16).replace('T', ' ')} UTC)${f.publishedIsStale ? '; NOT the newest image' : ''}` : `nothing published in the last ${days} days`}`,
      `  next run       ${f.schedule ? (f.schedule.next ? `${f.schedule.next.slice(0, 16).replace('T', ' ')} UTC (${f.schedule.expression}, ${f.schedule.timezone})` : `none: ${f.schedule.none}`) : 'no schedule (started by hand or by events)'}`,
      `  last success   ${f.lastSuccess ? `${f.lastSuccess.at.slice(0, 16).replace('T', ' ')} UTC (${f.lastSuccess.execution})` : `none in the last ${days} days`}`,
      `  last failure   ${f.lastFailure ? `${f.lastFailure.at.slice(0, 16).replace('T', ' ')} UTC ${f.lastFailure.status}${f.lastFailure.failedStep ? ` at ${f.lastFailure.failedStep}` : ''}: ${f.lastFailure.error ?? 'no error given'} (${f.lastFailure.execution})` : `none in the last ${days} days`}`,
      ...f.regions.map((r) => `  in ${r.region.padEnd(11)} ${r.imageId}; published ${r.published} (by ${r.by})`),
      ...(f.consumers ? consumerLines(f.consumers) : []),
      `  alarms         ${f.alarms.length ? f.alarms.map((a) => `${a.name} in ALARM: ${a.reason}`).join('; ') : 'none in ALARM'}`,
    ].join('\n');
  });
  return [
    `ami-rotator ${status.stage} as of ${status.now.slice(0, 16).replace('T', ' ')} UTC: stage ${status.stage} runs ${status.version ?? 'an unknown version (its settings could not be read, or it predates 0.2.0)'}`,
    '',
    ...(blocks.length ? blocks.flatMap((b) => [b, '']) : ['No family: no managed image, schedule or execution was found.', '']),
    status.stageAlarms.length ? 'stage alarms in ALARM:' : 'stage alarms in ALARM: none',
    ...status.stageAlarms.map((a) => `  ${a.name}: ${a.reason}`),
    ...status.unreadable.map((u) => `could not read ${u}`),
  ].join('\n');
};
