import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeImageReferencesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { clientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const IMAGE = 'ami-0ccccccccccccccc1';

describe('instances', () => {
  it('runs, describes by filter and terminates instances', async () => {
    emulator().seed({ images: [{ imageId: IMAGE, name: 'base-image', creationDate: '2026-01-01T00:00:00.000Z' }] });
    const ec2 = clientFor(emulator());
    const { Instances } = await ec2.send(
      new RunInstancesCommand({
        ImageId: IMAGE,
        MinCount: 2,
        MaxCount: 2,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'role', Value: 'web' }] }],
      }),
    );
    const [first, second] = (Instances ?? []).map((i) => i.InstanceId ?? '');

    const terminated = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [first ?? ''] }));
    const running = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'instance-state-name', Values: ['running'] },
          { Name: 'tag:role', Values: ['web'] },
        ],
      }),
    );

    expect(terminated.TerminatingInstances?.[0]?.CurrentState?.Name).toBe('terminated');
    expect(running.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual([second]);
  });
});

describe('launch templates', () => {
  it('keeps versions and answers $Latest and $Default', async () => {
    const ec2 = clientFor(emulator());
    const { LaunchTemplate } = await ec2.send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: IMAGE } }),
    );
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: LaunchTemplate?.LaunchTemplateId,
        LaunchTemplateData: { ImageId: 'ami-0ccccccccccccccc2' },
      }),
    );

    const { LaunchTemplateVersions } = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web', Versions: ['$Latest', '$Default'] }),
    );

    expect(LaunchTemplateVersions?.map((v) => [v.VersionNumber, v.DefaultVersion, v.LaunchTemplateData?.ImageId])).toEqual([
      [1, true, IMAGE],
      [2, false, 'ami-0ccccccccccccccc2'],
    ]);
  });
});

describe('DescribeImageReferences', () => {
  it('finds instances in any state, recent launch template versions and SSM parameters', async () => {
    emulator().seed({
      instances: [
        { instanceId: 'i-0ddddddddddddddd1', imageId: IMAGE, state: 'stopped' },
        { instanceId: 'i-0ddddddddddddddd2', imageId: IMAGE, state: 'terminated' },
      ],
      launchTemplates: [
        {
          launchTemplateId: 'lt-0ddddddddddddddd1',
          name: 'old',
          versions: [{ imageId: IMAGE }, ...Array.from({ length: 10 }, () => ({ imageId: 'ami-0eeeeeeeeeeeeeee1' }))],
        },
        { launchTemplateId: 'lt-0ddddddddddddddd2', name: 'web', versions: [{ imageId: IMAGE }] },
      ],
      parameters: [{ name: '/golden/web', value: IMAGE }],
    });

    const { ImageReferences } = await clientFor(emulator()).send(
      new DescribeImageReferencesCommand({
        ImageIds: [IMAGE],
        ResourceTypes: [
          {
            ResourceType: 'ec2:Instance',
            ResourceTypeOptions: [{ OptionName: 'state-name', OptionValues: ['pending', 'running', 'stopping', 'stopped'] }],
          },
          { ResourceType: 'ec2:LaunchTemplate' },
          { ResourceType: 'ssm:Parameter' },
        ],
      }),
    );

    expect(ImageReferences?.map((r) => r.Arn)).toEqual([
      'arn:aws:ec2:us-east-1:123456789012:instance/i-0ddddddddddddddd1',
      'arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0ddddddddddddddd2',
      'arn:aws:ssm:us-east-1:123456789012:parameter/golden/web',
    ]);
  });

  it('reads as many launch template versions as version-depth asks, 1 to 10000', async () => {
    emulator().seed({
      launchTemplates: [
        {
          launchTemplateId: 'lt-0ddddddddddddddd1',
          name: 'old',
          versions: [{ imageId: IMAGE }, ...Array.from({ length: 10 }, () => ({ imageId: 'ami-0eeeeeeeeeeeeeee1' }))],
        },
      ],
    });
    const ec2 = clientFor(emulator(), 1);
    const depth = (...values: string[]) =>
      ec2.send(
        new DescribeImageReferencesCommand({
          ImageIds: [IMAGE],
          ResourceTypes: [
            { ResourceType: 'ec2:LaunchTemplate', ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: values }] },
          ],
        }),
      );

    expect((await depth('11')).ImageReferences).toHaveLength(1);
    expect((await depth('10')).ImageReferences).toEqual([]);
    expect((await depth('10000')).ImageReferences).toHaveLength(1);
    for (const bad of [['0'], ['10001'], ['ten'], ['2', '3'], []])
      await expect(depth(...bad), `version-depth ${JSON.stringify(bad)}`).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      ec2.send(
        new DescribeImageReferencesCommand({
          ImageIds: [IMAGE],
          ResourceTypes: [{ ResourceType: 'ssm:Parameter', ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: ['5'] }] }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});
