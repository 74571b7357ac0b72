import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { clientFor, serviceClientFor, useEmulator } from '../support/emulator.ts';

// Time mode for Run Command: a command ends 300 s after it was sent, on the emulator's clock (which stands still).
const STARTED = Date.now();
const emulator = useEmulator({ commandSeconds: 300, now: () => new Date(STARTED) });
const ssm = () => serviceClientFor(SSMClient, emulator().url);
const IMAGE = 'ami-0ddddddddddddddd1';

const sent = async (document = 'golden-hardening') => {
  emulator().seed({
    images: [{ imageId: IMAGE, name: 'golden-web', creationDate: '2026-11-01T00:00:00.000Z', state: 'available' }],
    documents: [{ name: document }],
  });
  const launched = await clientFor(emulator(), 1).send(
    new RunInstancesCommand({ ImageId: IMAGE, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro', IamInstanceProfile: { Name: 'golden' } }),
  );
  const instanceId = launched.Instances?.[0]?.InstanceId ?? '';
  // Its agent registers: the first command to a just-launched instance is refused (InvalidInstanceId).
  await ssm()
    .send(new SendCommandCommand({ DocumentName: document, InstanceIds: [instanceId] }))
    .catch(() => undefined);
  const { Command } = await ssm().send(new SendCommandCommand({ DocumentName: document, InstanceIds: [instanceId], TimeoutSeconds: 600 }));
  const commandId = Command?.CommandId ?? '';
  return {
    instanceId,
    commandId,
    read: () => ssm().send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })),
  };
};
const commandEvents = () => emulator().events.flatMap((e) => (e.source === 'aws.ssm' ? [e] : []));

describe("Systems Manager's command status-change events, as it puts them on the default bus", () => {
  it('ends a command at its time, whoever reads it, and says so once with the command, its instance and its status', async () => {
    const { instanceId, commandId, read } = await sent();

    await expect(read()).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
    expect((await read()).Status).toBe('InProgress');
    expect((await read()).Status).toBe('InProgress');
    expect(emulator().passTime(600)).toBe(300);
    expect((await read()).Status).toBe('Success');

    expect(commandEvents()).toEqual([
      expect.objectContaining({
        source: 'aws.ssm',
        'detail-type': 'EC2 Command Status-change Notification',
        region: 'us-east-1',
        resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
        detail: expect.objectContaining({ 'command-id': commandId, 'document-name': 'golden-hardening', status: 'Success' }),
      }),
    ]);
  });

  it('says Failed for a document that fails, and nothing for one that never ends', async () => {
    emulator().injectFaults({
      commandOutcomes: [
        { documentName: 'golden-hardening', status: 'Failed', output: 'boom' },
        { documentName: 'golden-stuck', status: 'InProgress' },
      ],
    });
    await sent();
    const stuck = await sent('golden-stuck');

    emulator().passTime(3600);

    expect(commandEvents().map((e) => e.detail.status)).toEqual(['Failed']);
    await expect(stuck.read()).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
    expect((await stuck.read()).Status).toBe('InProgress');
  });
});
