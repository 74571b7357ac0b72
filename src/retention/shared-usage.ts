/**
 * Expiry candidates shared with other accounts (tagged `ami-rotator:shared=true`): another account's instances and
 * launch templates are invisible to DescribeImageReferences, so what decides is EC2's AMI usage report (EC2 User
 * Guide, "View your AMI usage": CreateImageUsageReport, DescribeImageUsageReports, DescribeImageUsageReportEntries)
 * and DescribeImages' `LastLaunchedTime`. Only a report made during this execution (created at or after its start)
 * can let a shared image go; an older one is quoted, never trusted. A shared candidate is:
 * - kept as in use: launched within `keepLaunchedWithinDays`, or its report counts another account's instances or
 *   launch templates ("used by 2 instances in 111122223333");
 * - kept while its report is made (`awaiting`; the report ids in `pending`, which the state machine waits for);
 * - kept as unknown (alerted): its report failed, could not be requested or read, or was not ready in time;
 * - made private when its report shows no use (`withdraw`), and retired on a later night: EC2 reports a launch in
 *   LastLaunchedTime only 24 hours later (EC2 API Reference, Image, lastLaunchedTime), so only once 24 hours have
 *   passed since the withdrawal (tag `ami-rotator:withdrawn-at`) does what EC2 says cover every launch another account
 *   could have made; it is then deregistered when still unused, or shared again (`restore`) when a launch or a use shows.
 *   A withdrawal not yet covered is waited for, without a report.
 * Reports are requested only by an execution that changes things (never a plan or a dry run), at most 20 a night,
 * one client token per execution and image, so a retried pass asks for nothing twice.
 */
import { createHash } from 'node:crypto';
import {
  CreateImageUsageReportCommand,
  type EC2Client,
  type ImageUsageReport,
  type ImageUsageReportEntry,
  paginateDescribeImageUsageReportEntries,
  paginateDescribeImageUsageReports,
} from '@aws-sdk/client-ec2';
import { awsErrorCode } from '../aws/failures.ts';
import { TAG } from '../rotation/tags.ts';
import type { UsageReport } from './plan.ts';
import { DAY_MS } from './policy.ts';

/** How many shared images a pass asks EC2 about: ImageIds of DescribeImageUsageReports take at most 200. */
const MAX_SHARED = 200;
/** At most this many reports are requested a night; the others wait for a later night (each report is work for EC2). */
export const MAX_REPORT_REQUESTS = 20;

export interface SharedUsageSettings {
  /** Request a report for a shared image that has none made since `since` (never a plan or a dry run). */
  requestReports: boolean;
  executionId?: string | undefined;
  /** The execution's start: only a report created since then decides. */
  since: Date;
  /** Keep a shared image launched within this many days; off when absent. */
  keepLaunchedWithinDays?: number | undefined;
  /** A report still being made is waited for; false once the waits are used up: its usage is then unknown. */
  mayWait: boolean;
}

/** What the reports say of the shared candidates: the usage with their verdicts, and the reports to wait for. */
export interface SharedUsage {
  usage: UsageReport;
  /** Reports still being made that would decide an image: the state machine waits, then plans again. */
  pending: string[];
}

const isShared = (tags: Readonly<Record<string, string>>) => tags[TAG.shared]?.toLowerCase() === 'true';

/** "2 instances and 1 launch template in 111122223333; 1 instance in 444455556666", from a report's entries. */
const describeEntries = (entries: readonly ImageUsageReportEntry[]): string => {
  const byAccount = new Map<string, string[]>();
  for (const e of entries) {
    const count = Number(e.UsageCount ?? 0);
    if (count === 0) continue;
    const what = e.ResourceType === 'ec2:LaunchTemplate' ? 'launch template' : 'instance';
    byAccount.set(e.AccountId ?? '?', [...(byAccount.get(e.AccountId ?? '?') ?? []), `${count} ${what}${count === 1 ? '' : 's'}`]);
  }
  return [...byAccount].map(([account, uses]) => `${uses.join(' and ')} in ${account}`).join('; ');
};

const tokenFor = (executionId: string, imageId: string) =>
  createHash('sha256').update(`${executionId} ${imageId}`).digest('hex').slice(0, 64);

const at = (time: Date | undefined) => (time ? new Date(time).toISOString() : '?');

/** The newest report of each image, and the newest made since `since` (the only kind that decides). */
const readReports = async (ec2: EC2Client, imageIds: readonly string[], since: Date) => {
  const fresh = new Map<string, ImageUsageReport>();
  const older = new Map<string, ImageUsageReport>();
  for await (const page of paginateDescribeImageUsageReports({ client: ec2 }, { ImageIds: imageIds.slice(0, MAX_SHARED) }))
    for (const report of page.ImageUsageReports ?? []) {
      const imageId = report.ImageId ?? '';
      const created = report.CreationTime ? new Date(report.CreationTime).getTime() : 0;
      const into = created >= since.getTime() ? fresh : report.State === 'available' ? older : undefined;
      const known = into?.get(imageId);
      // Among fresh reports, an available one over a pending or failed one; then the newest.
      const rank = (r: ImageUsageReport) => (r.State === 'available' ? 2 : r.State === 'pending' ? 1 : 0);
      if (
        into &&
        (!known || rank(report) > rank(known) || (rank(report) === rank(known) && created > new Date(known.CreationTime ?? 0).getTime()))
      )
        into.set(imageId, report);
    }
  const available = [...fresh.values(), ...older.values()].filter((r) => r.State === 'available').map((r) => r.ReportId ?? '');
  const entries = new Map<string, ImageUsageReportEntry[]>();
  if (available.length > 0)
    for await (const page of paginateDescribeImageUsageReportEntries({ client: ec2 }, { ReportIds: available }))
      for (const e of page.ImageUsageReportEntries ?? []) entries.set(e.ReportId ?? '', [...(entries.get(e.ReportId ?? '') ?? []), e]);
  return { fresh, older, entries };
};

/** EC2 reports a launch in LastLaunchedTime this long after it (EC2 API Reference, Image, lastLaunchedTime). */
export const LAUNCH_RECORD_DELAY_MS = 24 * 3_600_000;

type Verdict =
  | { kind: 'used'; what: string }
  | { kind: 'unused'; note: string }
  | { kind: 'withdraw'; note: string }
  | { kind: 'restore'; what: string }
  | { kind: 'awaiting'; why: string; pending?: string }
  | { kind: 'unknown'; why: string };

/** What the usage reports and LastLaunchedTime say of each shared candidate. */
export const withSharedUses = async (
  ec2: EC2Client,
  usage: UsageReport,
  images: readonly { imageId: string; tags: Readonly<Record<string, string>>; lastLaunchedTime?: string | undefined }[],
  settings: SharedUsageSettings,
): Promise<SharedUsage> => {
  if (!usage.known) return { usage, pending: [] };
  const shared = images.filter((i) => usage.checked.has(i.imageId) && isShared(i.tags));
  if (shared.length === 0) return { usage, pending: [] };
  const verdicts = new Map<string, Verdict>();
  const grace = settings.keepLaunchedWithinDays;
  const toAsk: string[] = [];
  const withdrawnAt = new Map<string, number>();
  for (const image of shared) {
    const launched = image.lastLaunchedTime ? Date.parse(image.lastLaunchedTime) : Number.NaN;
    const days = (settings.since.getTime() - launched) / DAY_MS;
    const withdrawn = Date.parse(image.tags[TAG.withdrawnAt] ?? '');
    if (!Number.isNaN(withdrawn)) withdrawnAt.set(image.imageId, withdrawn);
    if (grace !== undefined && days < grace) {
      const what = `a launch ${Math.max(0, Math.floor(days))} day(s) ago (LastLaunchedTime ${image.lastLaunchedTime}, within keepLaunchedWithinDays ${grace})`;
      verdicts.set(image.imageId, Number.isNaN(withdrawn) ? { kind: 'used', what } : { kind: 'restore', what });
    } else if (!Number.isNaN(withdrawn) && settings.since.getTime() < withdrawn + LAUNCH_RECORD_DELAY_MS)
      verdicts.set(image.imageId, {
        kind: 'awaiting',
        why: `private since ${image.tags[TAG.withdrawnAt]} (its launch permissions withdrawn); retired once EC2's launch record, 24 hours behind, covers the withdrawal (from ${new Date(withdrawn + LAUNCH_RECORD_DELAY_MS).toISOString()})`,
      });
    else toAsk.push(image.imageId);
  }
  try {
    const { fresh, older, entries } = toAsk.length > 0 ? await readReports(ec2, toAsk, settings.since) : emptyReports;
    let requested = 0;
    for (const imageId of toAsk) {
      const report = fresh.get(imageId);
      const id = report?.ReportId ?? '';
      if (report?.State === 'available') {
        const uses = describeEntries(entries.get(id) ?? []);
        const withdrawn = withdrawnAt.get(imageId);
        const unused = `no other account uses it (usage report ${id}, ${at(report.CreationTime)})`;
        verdicts.set(
          imageId,
          uses
            ? { kind: withdrawn === undefined ? 'used' : 'restore', what: `${uses} (usage report ${id}, ${at(report.CreationTime)})` }
            : withdrawn === undefined
              ? { kind: 'withdraw', note: unused }
              : {
                  kind: 'unused',
                  note: `${unused}, nor launched it before its launch permissions were withdrawn at ${new Date(withdrawn).toISOString()} (EC2's launch record covers it now)`,
                },
        );
      } else if (report?.State === 'pending')
        verdicts.set(
          imageId,
          settings.mayWait
            ? { kind: 'awaiting', why: `waiting for its usage report ${id}`, pending: id }
            : { kind: 'unknown', why: `its usage report ${id} was not ready in time` },
        );
      else if (report !== undefined)
        verdicts.set(imageId, { kind: 'unknown', why: `its usage report ${id} failed (${report.StateReason ?? report.State})` });
      else {
        const old = older.get(imageId);
        const quoted = old
          ? `; the last report (${old.ReportId}, ${at(old.CreationTime)}) said ${describeEntries(entries.get(old.ReportId ?? '') ?? []) || 'no other account used it'}`
          : '';
        if (!settings.requestReports || !settings.executionId)
          verdicts.set(imageId, {
            kind: 'awaiting',
            why: `shared: a run asks EC2 for a usage report before retiring it${quoted}`,
          });
        else if (requested >= MAX_REPORT_REQUESTS)
          verdicts.set(imageId, {
            kind: 'awaiting',
            why: `shared: its usage report waits for a later night (at most ${MAX_REPORT_REQUESTS} a night)${quoted}`,
          });
        else {
          requested += 1;
          try {
            const { ReportId } = await ec2.send(
              new CreateImageUsageReportCommand({
                ImageId: imageId,
                ResourceTypes: [{ ResourceType: 'ec2:Instance' }, { ResourceType: 'ec2:LaunchTemplate' }],
                ClientToken: tokenFor(settings.executionId, imageId),
              }),
            );
            verdicts.set(
              imageId,
              settings.mayWait
                ? { kind: 'awaiting', why: `waiting for its usage report ${ReportId}`, pending: ReportId ?? '' }
                : { kind: 'unknown', why: `its usage report ${ReportId} was not ready in time` },
            );
          } catch (error) {
            verdicts.set(imageId, {
              kind: 'unknown',
              why: `a usage report could not be requested (${awsErrorCode(error) ?? (error as Error).name})`,
            });
          }
        }
      }
    }
  } catch (error) {
    const why = `its usage report could not be read (${awsErrorCode(error) ?? (error as Error).name})`;
    for (const imageId of toAsk) verdicts.set(imageId, { kind: 'unknown', why });
  }
  return {
    usage: merge(usage, verdicts),
    pending: [...verdicts.values()].flatMap((v) => (v.kind === 'awaiting' && v.pending ? [v.pending] : [])),
  };
};

const emptyReports = {
  fresh: new Map<string, ImageUsageReport>(),
  older: new Map<string, ImageUsageReport>(),
  entries: new Map<string, ImageUsageReportEntry[]>(),
};

/** The verdicts as the plan reads them: a use, a note on the deletion, a reason to wait, or unknown usage. */
const merge = (usage: Extract<UsageReport, { known: true }>, verdicts: ReadonlyMap<string, Verdict>): UsageReport => {
  const uses = new Map(usage.uses);
  const notes = new Map(usage.notes);
  const awaiting = new Map(usage.awaiting);
  const unknown = new Map(usage.unknown);
  const withdraw = new Map(usage.withdraw);
  const restore = new Map(usage.restore);
  for (const [imageId, v] of verdicts) {
    if (v.kind === 'used' || v.kind === 'restore') {
      uses.set(imageId, [...(uses.get(imageId) ?? []), `another account: ${v.what}`]);
      if (v.kind === 'restore') restore.set(imageId, `another account: ${v.what}`);
    } else if (v.kind === 'withdraw') {
      notes.set(imageId, v.note);
      withdraw.set(imageId, v.note);
    } else if (v.kind === 'unused') notes.set(imageId, v.note);
    else if (v.kind === 'awaiting') awaiting.set(imageId, v.why);
    else unknown.set(imageId, `shared with other accounts: ${v.why}`);
  }
  return { ...usage, uses, notes, awaiting, unknown, withdraw, restore };
};
