/**
 * The Auto Scaling side of the emulator (the same server, told apart by `Version=2011-01-01`): the
 * describes that show which images Auto Scaling groups launch, through a launch template version or
 * a launch configuration. Groups and launch configurations are seeded from fixtures.
 */
import { ServiceError } from '../error-response.ts';
import { paginate } from '../listing.ts';
import type { AutoScalingGroup, LaunchTemplateRef } from '../model.ts';
import type { Query } from '../query.ts';
import { int, node, str, strings } from '../query.ts';
import { ACCOUNT_ID } from '../store.ts';
import { type Action, type Actions, reads } from './context.ts';

export const AUTO_SCALING_VERSION = '2011-01-01';
const members = <T>(values: readonly T[]) => ({ member: [...values] });

const templateXml = (t: LaunchTemplateRef) => ({
  ...(t.launchTemplateId ? { LaunchTemplateId: t.launchTemplateId } : {}),
  ...(t.launchTemplateName ? { LaunchTemplateName: t.launchTemplateName } : {}),
  ...(t.version ? { Version: t.version } : {}),
});

const groupXml = (g: AutoScalingGroup, region: string) => ({
  AutoScalingGroupName: g.name,
  AutoScalingGroupARN: `arn:aws:autoscaling:${region}:${ACCOUNT_ID}:autoScalingGroup:uuid:autoScalingGroupName/${g.name}`,
  MinSize: 0,
  MaxSize: 1,
  DesiredCapacity: 0,
  // Members the Auto Scaling API model marks required in every AutoScalingGroup (API reference, AutoScalingGroup).
  DefaultCooldown: 300,
  AvailabilityZones: members([`${region}a`]),
  HealthCheckType: 'EC2',
  CreatedTime: '2026-01-01T00:00:00.000Z',
  ...(g.launchConfigurationName ? { LaunchConfigurationName: g.launchConfigurationName } : {}),
  ...(g.launchTemplate ? { LaunchTemplate: templateXml(g.launchTemplate) } : {}),
  ...(g.mixedInstancesPolicy
    ? {
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: templateXml(g.mixedInstancesPolicy.launchTemplate),
            Overrides: members(
              g.mixedInstancesPolicy.overrides.map((o) => ({
                ...(o.launchTemplate ? { LaunchTemplateSpecification: templateXml(o.launchTemplate) } : {}),
                ...(o.imageId ? { ImageId: o.imageId } : {}),
              })),
            ),
          },
        },
      }
    : {}),
});

const describeAutoScalingGroups: Action = (q, { store, options }) => {
  const names = strings(node(q, 'AutoScalingGroupNames'), 'member');
  // "AutoScalingGroupNames ... up to 1600 items"; MaxRecords "The default value is 50 and the maximum value is 100."
  if (names.length > 1600) throw new ServiceError('ValidationError', 'At most 1600 Auto Scaling group names may be given');
  const groups = [...store.autoScalingGroups.values()].filter((g) => names.length === 0 || names.includes(g.name));
  const page = paginate(groups, int(q, 'MaxRecords'), str(q, 'NextToken'), { min: 1, max: 100 });
  return {
    AutoScalingGroups: members(page.items.map((g) => groupXml(g, options.region))),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

const describeLaunchConfigurations: Action = (q, { store }) => {
  const names = strings(node(q, 'LaunchConfigurationNames'), 'member');
  if (names.length > 50) throw new ServiceError('ValidationError', 'At most 50 launch configuration names may be given');
  const configs = [...store.launchConfigurations.values()].filter((c) => names.length === 0 || names.includes(c.name));
  const page = paginate(configs, int(q, 'MaxRecords'), str(q, 'NextToken'), { min: 1, max: 100 });
  return {
    LaunchConfigurations: members(
      page.items.map((c) => ({
        LaunchConfigurationName: c.name,
        ImageId: c.imageId,
        InstanceType: 't3.micro',
        CreatedTime: c.createdTime,
      })),
    ),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

export const autoScalingActions: Actions<Query> = {
  DescribeAutoScalingGroups: reads(describeAutoScalingGroups),
  DescribeLaunchConfigurations: reads(describeLaunchConfigurations),
};
