/**
 * Finds which expiry candidates are still in use. DescribeImageReferences (at most 10 images a call)
 * answers for instances (any state but terminated), every version of every launch template (up to
 * 10,000, EC2's limit for a template) and SSM parameters; Auto Scaling groups are read for the launch
 * template version or launch configuration each
 * one launches. Nothing else can see SSM parameters, so when DescribeImageReferences is refused, or
 * Auto Scaling cannot be read, usage is unknown and every candidate is kept; a transient failure is
 * thrown, for the step's retry.
 */

import {
  type AutoScalingClient,
  DescribeLaunchConfigurationsCommand,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import { DescribeImageReferencesCommand, DescribeLaunchTemplateVersionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { fromEc2Error } from '../aws/ec2-errors.ts';
import { awsErrorCode, classifyAwsFailure } from '../aws/failures.ts';
import type { UsageReport } from './plan.ts';

const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];
// Every version a template has: "version-depth ... Integers between 1 and 10000. Default: 10" (ResourceTypeOption).
const VERSION_DEPTH = 10_000;
// "ImageId.N ... Maximum number of 10 items" (API reference, DescribeImageReferences).
const IDS_PER_CALL = 10;

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

/** What a failed lookup means: a transient failure is thrown for the step's retry; anything else leaves usage unknown. */
const unknownUnlessTransient = (error: unknown, what: string): UsageReport => {
  const kind = classifyAwsFailure(error);
  if (kind === 'throttled' || kind === 'unavailable') throw fromEc2Error(error, what);
  return { known: false, reason: `${what} failed: ${reasonOf(error)}` };
};

/** How the candidates' usage was established, in words, and the expired images kept only because it was not. */
export interface UsageSummary {
  description: string;
  heldBack?: { images: number; reason: string; all: boolean };
}

export const summarizeUsage = (usage: UsageReport, candidates: number): UsageSummary => {
  if (candidates === 0) return { description: 'not needed: no expired image' };
  if (usage.known) {
    const description =
      'checked with DescribeImageReferences (instances, every version of each launch template, SSM parameters) and Auto Scaling groups';
    const unknown = [...(usage.unknown ?? new Map<string, string>())];
    if (unknown.length === 0)
      return { description: usage.awaiting?.size ? `${description}; shared images: AMI usage reports` : description };
    return {
      description: `${description}; ${unknown.length} shared image(s) kept: their use by other accounts is unknown`,
      heldBack: { images: unknown.length, reason: unknown.map(([imageId, why]) => `${imageId}: ${why}`).join('; '), all: false },
    };
  }
  return {
    description: `unknown (${usage.reason}): every expired image is kept`,
    heldBack: { images: candidates, reason: usage.reason, all: true },
  };
};

export const lookUpUsage = async (ec2: EC2Client, autoScaling: AutoScalingClient, imageIds: readonly string[]): Promise<UsageReport> => {
  const checked = new Set(imageIds);
  if (imageIds.length === 0) return { known: true, checked, uses: new Map() };
  let uses: Uses;
  try {
    uses = await byImageReferences(ec2, imageIds);
  } catch (error) {
    return unknownUnlessTransient(error, 'DescribeImageReferences (the only check of SSM parameters)');
  }
  try {
    await autoScalingUses(ec2, autoScaling, checked, uses);
  } catch (error) {
    return unknownUnlessTransient(error, 'reading Auto Scaling groups');
  }
  return { known: true, checked, uses };
};
