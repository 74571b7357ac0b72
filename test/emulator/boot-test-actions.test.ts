import { DescribeInstanceStatusCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CancelCommandCommand,
  DescribeDocumentCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
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
  it("runs a document once a launched instance's agent registered: not yet known, in progress, then its outcome", async () => {
    seedImage();
    emulator().seed({ documents: [{ name: 'smoke' }] });
    emulator().injectFaults({ commandOutcomes: [{ documentName: 'smoke', status: 'Failed', output: 'boom' }] });
    const id = (await launch({ IamInstanceProfile: { Name: 'golden-test' } })).Instances?.[0]?.InstanceId ?? '';
    const send = () => ssm().send(new SendCommandCommand({ DocumentName: 'smoke', InstanceIds: [id] }));
    const managed = async () =>
      (await ssm().send(new DescribeInstanceInformationCommand({}))).InstanceInformationList?.map((i) => i.InstanceId);

    const beforeAgent = await failureOf(send());
    const listedAfter = await managed();
    const { Command } = await send();
    const read = () => ssm().send(new GetCommandInvocationCommand({ CommandId: Command?.CommandId ?? '', InstanceId: id }));
    const first = await failureOf(read());
    const second = await read();
    const third = await read();

    expect(beforeAgent).toMatchObject({ name: 'InvalidInstanceId' });
    expect(listedAfter).toEqual([id]);
    expect(first).toMatchObject({ name: 'InvocationDoesNotExist' });
    expect(second.Status).toBe('InProgress');
    expect(third).toMatchObject({ Status: 'Failed', StandardOutputContent: 'boom' });
  });

  it('lists a launched instance as managed only once its agent registered', async () => {
    seedImage();
    const id = (await launch({ IamInstanceProfile: { Name: 'golden-test' } })).Instances?.[0]?.InstanceId ?? '';

    const listed = await ssm().send(new DescribeInstanceInformationCommand({}));

    expect(listed.InstanceInformationList?.map((i) => i.InstanceId)).not.toContain(id);
  });

  it('refuses an instance without an instance profile, and an invocation it does not know', async () => {
    seedImage();
    emulator().seed({ documents: [{ name: 'smoke' }] });
    const id = (await launch()).Instances?.[0]?.InstanceId ?? '';

    expect(await failureOf(ssm().send(new SendCommandCommand({ DocumentName: 'smoke', InstanceIds: [id] })))).toMatchObject({
      name: 'InvalidInstanceId',
    });
    expect(
      await failureOf(ssm().send(new GetCommandInvocationCommand({ CommandId: '00000000-0000-0000-0000-000000000000', InstanceId: id }))),
    ).toMatchObject({ name: 'InvocationDoesNotExist' });
  });
});

describe('Systems Manager documents and commands, as strict as the API reference', () => {
  const managed = async () => {
    seedImage();
    emulator().seed({
      documents: [{ name: 'golden-hardening', parameters: [{ name: 'level' }, { name: 'dryRun', defaultValue: 'false' }] }],
    });
    const id = (await launch({ IamInstanceProfile: { Name: 'golden-test' } })).Instances?.[0]?.InstanceId ?? '';
    // Its agent registers: the first command to a just-launched instance is refused.
    const shell = { DocumentName: 'AWS-RunShellScript', InstanceIds: [id], Parameters: { commands: ['true'] } };
    expect(await failureOf(ssm().send(new SendCommandCommand(shell)))).toMatchObject({ name: 'InvalidInstanceId' });
    return id;
  };

  it('refuses a document the account does not have, a parameter it does not declare and a required one left out', async () => {
    const id = await managed();
    const send = (DocumentName: string, Parameters?: Record<string, string[]>) =>
      failureOf(ssm().send(new SendCommandCommand({ DocumentName, InstanceIds: [id], ...(Parameters ? { Parameters } : {}) })));

    expect(await send('golden-wipe')).toMatchObject({ name: 'InvalidDocument' });
    expect(await send('golden-hardening', { level: ['2'], levle: ['3'] })).toMatchObject({ name: 'InvalidParameters' });
    expect(await send('golden-hardening')).toMatchObject({ name: 'InvalidParameters' });
    expect(await send('AWS-RunPatchBaseline', { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] })).toBeUndefined();
    expect(emulator().store.commands.size).toBe(1);
  });

  it("describes a document with the parameters it declares, AWS-owned or the account's, and refuses an unknown one", async () => {
    await managed();

    const own = await ssm().send(new DescribeDocumentCommand({ Name: 'golden-hardening' }));
    const patch = await ssm().send(new DescribeDocumentCommand({ Name: 'AWS-RunPatchBaseline' }));

    expect(own.Document?.Parameters?.map((p) => [p.Name, p.DefaultValue])).toEqual([
      ['level', undefined],
      ['dryRun', 'false'],
    ]);
    expect(patch.Document?.Owner).toBe('Amazon');
    expect(await failureOf(ssm().send(new DescribeDocumentCommand({ Name: 'golden-wipe' })))).toMatchObject({ name: 'InvalidDocument' });
  });

  it('lists commands by document and time with their comment, cancels one still running, and refuses an unknown filter key', async () => {
    const id = await managed();
    emulator().injectFaults({ commandOutcomes: [{ documentName: 'golden-hardening', status: 'InProgress' }] });
    const { Command } = await ssm().send(
      new SendCommandCommand({ DocumentName: 'golden-hardening', InstanceIds: [id], Parameters: { level: ['2'] }, Comment: 'night 1' }),
    );

    const listed = await ssm().send(
      new ListCommandsCommand({ InstanceId: id, Filters: [{ key: 'DocumentName', value: 'golden-hardening' }] }),
    );
    const read = () => ssm().send(new GetCommandInvocationCommand({ CommandId: Command?.CommandId ?? '', InstanceId: id }));
    const notYet = await failureOf(read());
    await ssm().send(new CancelCommandCommand({ CommandId: Command?.CommandId ?? '' }));
    const after = await read();

    expect(listed.Commands?.map((c) => [c.CommandId, c.Comment, c.Status])).toEqual([[Command?.CommandId, 'night 1', 'InProgress']]);
    expect(notYet).toMatchObject({ name: 'InvocationDoesNotExist' });
    expect(after.Status).toBe('Cancelled');
    expect(await failureOf(ssm().send(new ListCommandsCommand({ Filters: [{ key: 'Instance' as 'Status', value: id }] })))).toMatchObject({
      name: 'InvalidFilterKey',
    });
    expect(
      await failureOf(ssm().send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceId', Values: [id] }] }))),
    ).toMatchObject({ name: 'InvalidFilterKey' });
  });
});
