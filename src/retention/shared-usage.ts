/**
 * Expiry candidates shared with other accounts (tagged `ami-rotator:shared=true`): another account's instances and
 * launch templates are invisible to DescribeImageReferences, so a shared image counts as in use, and the plan says what
 * EC2's AMI usage reports know of its consumers (EC2 User Guide, "View your AMI usage"): the newest available report of
 * each image, read with DescribeImageUsageReports and DescribeImageUsageReportEntries, or else a report requested for
 * the next night (CreateImageUsageReport, one client token per execution and image). Nothing here deletes: a shared
 * image is kept whatever its report says until its retirement by report is built (issue 28); a read that fails says so.
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

/** How many shared images a pass asks EC2 about: ImageIds of DescribeImageUsageReports take at most 200. */
const MAX_SHARED = 200;
/** At most this many reports are requested a night; the others wait for a later night (each report is work for EC2). */
const MAX_REQUESTS = 20;

export interface SharedUsageSettings {
  /** Request a report for a shared image that has none (an execution that changes things; never a plan or a dry run). */
  requestReports: boolean;
  executionId?: string | undefined;
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

/** What the usage reports say of each shared candidate, as a use the plan keeps it for. */
export const withSharedUses = async (
  ec2: EC2Client,
  usage: UsageReport,
  images: readonly { imageId: string; tags: Readonly<Record<string, string>> }[],
  settings: SharedUsageSettings,
): Promise<UsageReport> => {
  if (!usage.known) return usage;
  const shared = images.filter((i) => usage.checked.has(i.imageId) && isShared(i.tags)).map((i) => i.imageId);
  if (shared.length === 0) return usage;
  const said = new Map<string, string>();
  try {
    const newest = new Map<string, ImageUsageReport>();
    for await (const page of paginateDescribeImageUsageReports({ client: ec2 }, { ImageIds: shared.slice(0, MAX_SHARED) }))
      for (const report of page.ImageUsageReports ?? []) {
        const known = newest.get(report.ImageId ?? '');
        if (
          !known ||
          (report.State === 'available' && (known.State !== 'available' || (report.CreationTime ?? 0) > (known.CreationTime ?? 0)))
        )
          newest.set(report.ImageId ?? '', report);
      }
    const available = [...newest.values()].filter((r) => r.State === 'available').map((r) => r.ReportId ?? '');
    const entries = new Map<string, ImageUsageReportEntry[]>();
    if (available.length > 0)
      for await (const page of paginateDescribeImageUsageReportEntries({ client: ec2 }, { ReportIds: available }))
        for (const e of page.ImageUsageReportEntries ?? []) entries.set(e.ImageId ?? '', [...(entries.get(e.ImageId ?? '') ?? []), e]);
    let requested = 0;
    for (const imageId of shared) {
      const report = newest.get(imageId);
      const day = report?.CreationTime ? new Date(report.CreationTime).toISOString().slice(0, 10) : '';
      if (report?.State === 'available') {
        const uses = describeEntries(entries.get(imageId) ?? []);
        said.set(
          imageId,
          uses ? `used by ${uses} (report ${report.ReportId}, ${day})` : `no other account's use in its report ${report.ReportId} (${day})`,
        );
      } else if (report?.State === 'pending') said.set(imageId, `its usage report ${report.ReportId} is still being made`);
      else if (settings.requestReports && settings.executionId && requested < MAX_REQUESTS) {
        requested += 1;
        const { ReportId } = await ec2.send(
          new CreateImageUsageReportCommand({
            ImageId: imageId,
            ResourceTypes: [{ ResourceType: 'ec2:Instance' }, { ResourceType: 'ec2:LaunchTemplate' }],
            ClientToken: tokenFor(settings.executionId, imageId),
          }),
        );
        said.set(imageId, `usage report ${ReportId} requested, read by a later run`);
      } else said.set(imageId, report?.State === 'error' ? `its usage report ${report.ReportId} failed` : 'no usage report yet');
    }
  } catch (error) {
    const reason = `usage by other accounts could not be read (${awsErrorCode(error) ?? (error as Error).name})`;
    for (const imageId of shared) said.set(imageId, reason);
  }
  const uses = new Map(usage.uses);
  for (const imageId of shared)
    uses.set(imageId, [
      ...(uses.get(imageId) ?? []),
      `other accounts it is shared with (${TAG.shared}=true): ${said.get(imageId) ?? 'unknown'}`,
    ]);
  return { ...usage, uses };
};
