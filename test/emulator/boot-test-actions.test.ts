import { DescribeInstanceStatusCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { clientFor, failureOf, serviceClientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const IMAGE = 'ami-0ddddddddddddddd1';
const ssm = () => serviceClientFor(SSMClient, emulator().url);
const seedImage = (state: 'available' | 'pending' = 'available') =>
  emulator().seed({ images: [{ imageId: IMAGE, name: 'golden-web', creationDate: '2026-11-01T00:00:00.000Z', state }] });
const launch = (extra: Record<string, unknown> = {}) =>
  clientFor(emulator(), 1).send(new RunInstancesCommand({ ImageId: IMAGE, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro', ...extra }));

describe('launching and watching test instances (RunInstances, DescribeInstanceStatus)', () => {
  it('answers a repeated ClientToken with the first launch, and refuses it with other parameters', async () => {
    seedImage();

    const first = await launch({ ClientToken: 'token-1' });
    const again = await launch({ ClientToken: 'token-1' });
    const other = await failureOf(launch({ ClientToken: 'token-1', InstanceType: 't3.large' }));

    expect(again.Instances?.[0]?.InstanceId).toBe(first.Instances?.[0]?.InstanceId);
    expect(emulator().store.instances.size).toBe(1);
    expect(other).toMatchObject({ name: 'IdempotentParameterMismatch' });
  });

  it.each([
    ['an image still pending', () => seedImage('pending'), {}, 'InvalidAMIID.Unavailable'],
    ['an image that does not exist', () => undefined, {}, 'InvalidAMIID.NotFound'],
    ['MinCount above MaxCount', seedImage, { MinCount: 2, MaxCount: 1 }, 'InvalidParameterValue'],
    ['a malformed subnet', seedImage, { SubnetId: 'subnet-xyz' }, 'InvalidSubnetID.Malformed'],
  ])('refuses a launch from %s', async (_what, seed, extra, code) => {
    seed();

    expect(await failureOf(launch(extra))).toMatchObject({ name: code });
  });

  it('reports status checks initializing, then ok, or impaired as the fault plan says', async () => {
    seedImage();
    emulator().injectFaults({ bootFates: [{ imageNameContains: 'golden', fate: 'impaired' }] });
    const id = (await launch()).Instances?.[0]?.InstanceId ?? '';
    const look = async () =>
      (await clientFor(emulator()).send(new DescribeInstanceStatusCommand({ InstanceIds: [id], IncludeAllInstances: true })))
        .InstanceStatuses?.[0];

    const first = await look();
    const second = await look();

    expect([first?.SystemStatus?.Status, first?.InstanceStatus?.Status]).toEqual(['initializing', 'initializing']);
    expect([second?.SystemStatus?.Status, second?.InstanceStatus?.Status]).toEqual(['ok', 'impaired']);
  });

  it('refuses MaxResults outside 5 to 1000 and beside instance ids', async () => {
    const ec2 = clientFor(emulator(), 1);

    expect(await failureOf(ec2.send(new DescribeInstanceStatusCommand({ MaxResults: 4 })))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await failureOf(ec2.send(new DescribeInstanceStatusCommand({ MaxResults: 5, InstanceIds: ['i-0123456789abcdef0'] }))),
    ).toMatchObject({
      name: 'InvalidParameterCombination',
    });
  });
});

describe('Run Command (SendCommand, GetCommandInvocation)', () => {
  it('runs a document on an instance launched with a profile: in progress, then its outcome', async () => {
    seedImage();
    emulator().injectFaults({ commandOutcomes: [{ documentName: 'smoke', status: 'Failed', output: 'boom' }] });
    const id = (await launch({ IamInstanceProfile: { Name: 'golden-test' } })).Instances?.[0]?.InstanceId ?? '';

    const { Command } = await ssm().send(new SendCommandCommand({ DocumentName: 'smoke', InstanceIds: [id] }));
    const read = () => ssm().send(new GetCommandInvocationCommand({ CommandId: Command?.CommandId ?? '', InstanceId: id }));
    const first = await read();
    const second = await read();

    expect(first.Status).toBe('InProgress');
    expect(second).toMatchObject({ Status: 'Failed', StandardOutputContent: 'boom' });
  });

  it('refuses an instance without an instance profile, and an invocation it does not know', async () => {
    seedImage();
    const id = (await launch()).Instances?.[0]?.InstanceId ?? '';

    expect(await failureOf(ssm().send(new SendCommandCommand({ DocumentName: 'smoke', InstanceIds: [id] })))).toMatchObject({
      name: 'InvalidInstanceId',
    });
    expect(
      await failureOf(ssm().send(new GetCommandInvocationCommand({ CommandId: '00000000-0000-0000-0000-000000000000', InstanceId: id }))),
    ).toMatchObject({ name: 'InvocationDoesNotExist' });
  });
});
