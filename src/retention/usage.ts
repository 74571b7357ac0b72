/**
 * Finds which expiry candidates are still in use. DescribeImageReferences answers for instances
 * (any state but terminated), the newest launch template versions and SSM parameters; launch
 * templates whose default version is older than that window are checked one by one; Auto Scaling
 * groups are read for the launch template version or launch configuration each one launches. When
 * DescribeImageReferences cannot be used, explicit describes of instances and launch templates
 * stand in, and the report says SSM parameters went unchecked. When Auto Scaling cannot be read,
 * usage is unknown and every candidate is kept.
 */

import {
  type AutoScalingClient,
  DescribeLaunchConfigurationsCommand,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeImageReferencesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  paginateDescribeLaunchTemplates,
} from '@aws-sdk/client-ec2';
import { awsErrorCode } from '../aws/failures.ts';
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

type TemplateSpec = { LaunchTemplateId?: string | undefined; LaunchTemplateName?: string | undefined; Version?: string | undefined };

/** Auto Scaling groups whose launch template version or launch configuration launches one of the images. */
const autoScalingUses = async (
  ec2: EC2Client,
  autoScaling: AutoScalingClient,
  imageIds: ReadonlySet<string>,
  uses: Uses,
): Promise<void> => {
  const byConfiguration = new Map<string, string[]>();
  const byTemplate = new Map<string, { spec: TemplateSpec; groups: string[] }>();
  const remember = (group: string, spec: TemplateSpec | undefined) => {
    if (!spec || (!spec.LaunchTemplateId && !spec.LaunchTemplateName)) return;
    const key = `${spec.LaunchTemplateId ?? spec.LaunchTemplateName}@${spec.Version ?? '$Default'}`;
    const entry = byTemplate.get(key) ?? { spec, groups: [] };
    entry.groups.push(group);
    byTemplate.set(key, entry);
  };
  for await (const page of paginateDescribeAutoScalingGroups({ client: autoScaling, pageSize: 100 }, {})) {
    for (const group of page.AutoScalingGroups ?? []) {
      const name = group.AutoScalingGroupName ?? '';
      const configuration = group.LaunchConfigurationName;
      if (configuration) byConfiguration.set(configuration, [...(byConfiguration.get(configuration) ?? []), name]);
      remember(name, group.LaunchTemplate);
      const mixed = group.MixedInstancesPolicy?.LaunchTemplate;
      remember(name, mixed?.LaunchTemplateSpecification);
      for (const override of mixed?.Overrides ?? []) {
        remember(name, override.LaunchTemplateSpecification);
        if (override.ImageId && imageIds.has(override.ImageId))
          note(uses, override.ImageId, `Auto Scaling group ${name} (instance type override)`);
      }
    }
  }
  for (const names of chunks([...byConfiguration.keys()], 50)) {
    const { LaunchConfigurations } = await autoScaling.send(new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: names }));
    for (const config of LaunchConfigurations ?? []) {
      if (!config.ImageId || !imageIds.has(config.ImageId)) continue;
      for (const group of byConfiguration.get(config.LaunchConfigurationName ?? '') ?? []) {
        note(uses, config.ImageId, `Auto Scaling group ${group} (launch configuration ${config.LaunchConfigurationName})`);
      }
    }
  }
  for (const { spec, groups } of byTemplate.values()) {
    const version = spec.Version ?? '$Default';
    const template = spec.LaunchTemplateId ? { LaunchTemplateId: spec.LaunchTemplateId } : { LaunchTemplateName: spec.LaunchTemplateName };
    const { LaunchTemplateVersions } = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ ...template, Versions: [version] }));
    const imageId = LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId;
    if (!imageId || !imageIds.has(imageId)) continue;
    for (const group of groups)
      note(
        uses,
        imageId,
        `Auto Scaling group ${group} (launch template ${spec.LaunchTemplateId ?? spec.LaunchTemplateName} version ${version})`,
      );
  }
};

const reasonOf = (error: unknown): string =>
  awsErrorCode(error) ?? (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

export const lookUpUsage = async (ec2: EC2Client, autoScaling: AutoScalingClient, imageIds: readonly string[]): Promise<UsageReport> => {
  if (imageIds.length === 0) return { known: true, uses: new Map() };
  let uses: Uses;
  let caveat: string | undefined;
  try {
    uses = await byImageReferences(ec2, imageIds);
    await launchTemplateUses(ec2, new Set(imageIds), uses, true);
  } catch (primary) {
    const why = `DescribeImageReferences failed: ${reasonOf(primary)}`;
    try {
      uses = await byExplicitDescribes(ec2, imageIds);
      caveat = `SSM parameters not checked, ${why}`;
    } catch (fallback) {
      return { known: false, reason: `${why}; instance and launch template describes failed: ${reasonOf(fallback)}` };
    }
  }
  try {
    await autoScalingUses(ec2, autoScaling, new Set(imageIds), uses);
  } catch (error) {
    return { known: false, reason: `Auto Scaling groups could not be read: ${reasonOf(error)}` };
  }
  return caveat ? { known: true, uses, caveat } : { known: true, uses };
};
