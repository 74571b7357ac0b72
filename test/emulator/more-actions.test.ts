import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeLaunchConfigurationsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DeregisterImageCommand,
  DescribeLaunchTemplatesCommand,
  DisableImageDeregistrationProtectionCommand,
  EnableImageDeregistrationProtectionCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { clientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const autoScaling = () =>
  new AutoScalingClient({
    endpoint: emulator().url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });

describe('the rest of the EC2 actions', () => {
  it('turns deregistration protection on and off', async () => {
    emulator().seed({ images: [{ imageId: 'ami-0aaaaaaaaaaaaaaa1', name: 'guarded', creationDate: '2026-01-01T00:00:00.000Z' }] });
    const ec2 = clientFor(emulator());

    await ec2.send(new EnableImageDeregistrationProtectionCommand({ ImageId: 'ami-0aaaaaaaaaaaaaaa1' }));
    const refused = await ec2.send(new DeregisterImageCommand({ ImageId: 'ami-0aaaaaaaaaaaaaaa1' })).catch((e: Error) => e);
    await ec2.send(new DisableImageDeregistrationProtectionCommand({ ImageId: 'ami-0aaaaaaaaaaaaaaa1' }));
    await ec2.send(new DeregisterImageCommand({ ImageId: 'ami-0aaaaaaaaaaaaaaa1' }));

    expect(refused).toMatchObject({ name: 'OperationNotPermitted' });
    expect(emulator().store.images.size).toBe(0);
  });

  it('stops and starts an instance, refusing to start a terminated one', async () => {
    emulator().seed({ instances: [{ instanceId: 'i-0aaaaaaaaaaaaaaa1' }, { instanceId: 'i-0aaaaaaaaaaaaaaa2', state: 'terminated' }] });
    const ec2 = clientFor(emulator());

    await ec2.send(new StopInstancesCommand({ InstanceIds: ['i-0aaaaaaaaaaaaaaa1'] }));
    const afterStop = emulator().store.instance('i-0aaaaaaaaaaaaaaa1').state;
    await ec2.send(new StartInstancesCommand({ InstanceIds: ['i-0aaaaaaaaaaaaaaa1'] }));

    expect(afterStop).toBe('stopped');
    expect(emulator().store.instance('i-0aaaaaaaaaaaaaaa1').state).toBe('running');
    await expect(ec2.send(new StartInstancesCommand({ InstanceIds: ['i-0aaaaaaaaaaaaaaa2'] }))).rejects.toMatchObject({
      name: 'IncorrectInstanceState',
    });
  });

  it('lists launch templates with their default and latest versions', async () => {
    emulator().seed({
      launchTemplates: [{ launchTemplateId: 'lt-0aaaaaaaaaaaaaaa1', name: 'web', defaultVersion: 1, versions: [{}, {}, {}] }],
    });

    const { LaunchTemplates } = await clientFor(emulator()).send(new DescribeLaunchTemplatesCommand({}));

    expect(LaunchTemplates?.map((t) => [t.LaunchTemplateName, t.DefaultVersionNumber, t.LatestVersionNumber])).toEqual([['web', 1, 3]]);
  });
});

describe('Auto Scaling, on the same port', () => {
  it('describes groups with their launch template or configuration, and the configurations', async () => {
    emulator().seed({
      launchConfigurations: [{ name: 'legacy', imageId: 'ami-0aaaaaaaaaaaaaaa1' }],
      autoScalingGroups: [
        { name: 'web', launchTemplate: { launchTemplateId: 'lt-0aaaaaaaaaaaaaaa1', version: '$Latest' } },
        { name: 'old', launchConfigurationName: 'legacy' },
        {
          name: 'mixed',
          mixedInstancesPolicy: { launchTemplate: { launchTemplateName: 'web' }, overrides: [{ imageId: 'ami-0aaaaaaaaaaaaaaa2' }] },
        },
      ],
    });

    const { AutoScalingGroups } = await autoScaling().send(new DescribeAutoScalingGroupsCommand({}));
    const { LaunchConfigurations } = await autoScaling().send(
      new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: ['legacy'] }),
    );

    expect(
      AutoScalingGroups?.map((g) => [
        g.AutoScalingGroupName,
        g.LaunchTemplate?.Version,
        g.LaunchConfigurationName,
        g.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.[0]?.ImageId,
      ]),
    ).toEqual([
      ['web', '$Latest', undefined, undefined],
      ['old', undefined, 'legacy', undefined],
      ['mixed', undefined, undefined, 'ami-0aaaaaaaaaaaaaaa2'],
    ]);
    expect(LaunchConfigurations?.map((c) => c.ImageId)).toEqual(['ami-0aaaaaaaaaaaaaaa1']);
  });

  it('answers every member the Auto Scaling model marks required in a group', async () => {
    emulator().seed({ autoScalingGroups: [{ name: 'web', launchTemplate: { launchTemplateId: 'lt-0aaaaaaaaaaaaaaa1' } }] });

    const { AutoScalingGroups } = await autoScaling().send(new DescribeAutoScalingGroupsCommand({}));

    expect(AutoScalingGroups?.[0]).toMatchObject({
      AutoScalingGroupName: 'web',
      MinSize: 0,
      MaxSize: 1,
      DesiredCapacity: 0,
      DefaultCooldown: 300,
      AvailabilityZones: ['us-east-1a'],
      HealthCheckType: 'EC2',
      CreatedTime: expect.any(Date),
    });
  });

  it('answers Auto Scaling errors in its own format', async () => {
    emulator().injectFaults({ rules: [{ actions: ['DescribeAutoScalingGroups'], code: 'Throttling' }] });

    await expect(autoScaling().send(new DescribeAutoScalingGroupsCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
  });
});
