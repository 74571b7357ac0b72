/**
 * Finds which expiry candidates are still in use. DescribeImageReferences answers for instances
 * (any state but terminated), the newest launch template versions and SSM parameters; launch
 * templates whose default version is older than that window are checked one by one. When
 * DescribeImageReferences cannot be used, explicit describes of instances and launch templates
 * stand in, and the report says SSM parameters went unchecked.
 */
import {
  DescribeImageReferencesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  paginateDescribeLaunchTemplates,
} from '@aws-sdk/client-ec2';
import { ec2ErrorCode } from '../aws/ec2-errors.ts';
import type { UsageReport } from './plan.ts';

const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];
const VERSION_DEPTH = 10;
const IDS_PER_CALL = 50;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const resourceName = (arn: string): string => {
  const [, , service, , , resource = arn] = arn.split(':');
  if (service === 'ssm') return `SSM parameter ${resource.replace(/^parameter/, '')}`;
  const [type, id] = resource.split('/');
  return `${type === 'launch-template' ? 'launch template' : type} ${id ?? ''}`.trim();
};

type Uses = Map<string, string[]>;
const note = (uses: Uses, imageId: string, what: string) => {
  const list = uses.get(imageId) ?? [];
  if (!list.includes(what)) list.push(what);
  uses.set(imageId, list);
};

/** Launch templates whose default or latest version uses one of the images (explicit describes). */
const launchTemplateUses = async (ec2: EC2Client, imageIds: ReadonlySet<string>, uses: Uses, onlyBeyondDepth: boolean): Promise<void> => {
  for await (const page of paginateDescribeLaunchTemplates({ client: ec2, pageSize: 200 }, {})) {
    for (const t of page.LaunchTemplates ?? []) {
      const latest = t.LatestVersionNumber ?? 0;
      const defaultVersion = t.DefaultVersionNumber ?? latest;
      const wanted = onlyBeyondDepth ? (latest - defaultVersion >= VERSION_DEPTH ? ['$Default'] : []) : ['$Latest', '$Default'];
      if (wanted.length === 0) continue;
      const { LaunchTemplateVersions } = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: t.LaunchTemplateId, Versions: wanted }),
      );
      for (const v of LaunchTemplateVersions ?? []) {
        const imageId = v.LaunchTemplateData?.ImageId;
        if (imageId && imageIds.has(imageId))
          note(uses, imageId, `launch template ${t.LaunchTemplateId} version ${v.VersionNumber}${v.DefaultVersion ? ' (default)' : ''}`);
      }
    }
  }
};

const byImageReferences = async (ec2: EC2Client, imageIds: readonly string[]): Promise<Uses> => {
  const uses: Uses = new Map();
  for (const batch of chunks(imageIds, IDS_PER_CALL)) {
    let nextToken: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeImageReferencesCommand({
          ImageIds: batch,
          NextToken: nextToken,
          ResourceTypes: [
            { ResourceType: 'ec2:Instance', ResourceTypeOptions: [{ OptionName: 'state-name', OptionValues: LIVE_STATES }] },
            {
              ResourceType: 'ec2:LaunchTemplate',
              ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: [String(VERSION_DEPTH)] }],
            },
            { ResourceType: 'ssm:Parameter' },
          ],
        }),
      );
      for (const ref of page.ImageReferences ?? []) note(uses, ref.ImageId ?? '', resourceName(ref.Arn ?? ''));
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return uses;
};

const byExplicitDescribes = async (ec2: EC2Client, imageIds: readonly string[]): Promise<Uses> => {
  const uses: Uses = new Map();
  for (const batch of chunks(imageIds, 200)) {
    let nextToken: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'image-id', Values: batch },
            { Name: 'instance-state-name', Values: LIVE_STATES },
          ],
          NextToken: nextToken,
          MaxResults: 1000,
        }),
      );
      for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        note(uses, instance.ImageId ?? '', `instance ${instance.InstanceId} (${instance.State?.Name})`);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  await launchTemplateUses(ec2, new Set(imageIds), uses, false);
  return uses;
};

export const lookUpUsage = async (ec2: EC2Client, imageIds: readonly string[]): Promise<UsageReport> => {
  if (imageIds.length === 0) return { known: true, uses: new Map() };
  try {
    const uses = await byImageReferences(ec2, imageIds);
    await launchTemplateUses(ec2, new Set(imageIds), uses, true);
    return { known: true, uses };
  } catch (primary) {
    const why = `DescribeImageReferences failed: ${ec2ErrorCode(primary) ?? (primary as Error).message}`;
    try {
      return { known: true, uses: await byExplicitDescribes(ec2, imageIds), caveat: `SSM parameters not checked, ${why}` };
    } catch (fallback) {
      return {
        known: false,
        reason: `${why}; instance and launch template describes failed: ${ec2ErrorCode(fallback) ?? (fallback as Error).message}`,
      };
    }
  }
};
