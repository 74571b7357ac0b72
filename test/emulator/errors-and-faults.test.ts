import {
  CreateImageCommand,
  DeleteSnapshotCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { clientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();

const seedInstances = () =>
  emulator().seed({
    instances: [
      { instanceId: 'i-0aaaaaaaaaaaaaaa1', tags: { Name: 'web' } },
      { instanceId: 'i-0aaaaaaaaaaaaaaa2', rootDeviceType: 'instance-store' },
      { instanceId: 'i-0aaaaaaaaaaaaaaa3', state: 'terminated' },
    ],
  });

describe('EC2 error codes arrive in the SDK as exceptions with the right name', () => {
  it.each([
    ['an unknown image', new DescribeImagesCommand({ ImageIds: ['ami-0fffffffffffffff0'] }), 'InvalidAMIID.NotFound'],
    ['a malformed image id', new DescribeImagesCommand({ ImageIds: ['ami-xyz'] }), 'InvalidAMIID.Malformed'],
    ['an unknown instance', new DescribeInstancesCommand({ InstanceIds: ['i-0fffffffffffffff0'] }), 'InvalidInstanceID.NotFound'],
    ['a malformed instance id', new DescribeInstancesCommand({ InstanceIds: ['i-nope'] }), 'InvalidInstanceID.Malformed'],
    ['an unknown snapshot', new DeleteSnapshotCommand({ SnapshotId: 'snap-0fffffffffffffff0' }), 'InvalidSnapshot.NotFound'],
    ['a malformed snapshot id', new DescribeSnapshotsCommand({ SnapshotIds: ['snap-?'] }), 'InvalidSnapshotID.Malformed'],
    ['an unknown filter', new DescribeImagesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] }), 'InvalidParameterValue'],
    [
      'a name against EC2 rules',
      new CreateImageCommand({ InstanceId: 'i-0aaaaaaaaaaaaaaa1', Name: 'bad*name' }),
      'InvalidAMIName.Malformed',
    ],
    ['a name too short', new CreateImageCommand({ InstanceId: 'i-0aaaaaaaaaaaaaaa1', Name: 'ab' }), 'InvalidAMIName.Malformed'],
    ['an instance-store root', new CreateImageCommand({ InstanceId: 'i-0aaaaaaaaaaaaaaa2', Name: 'store-root' }), 'UnsupportedOperation'],
    [
      'a terminated instance',
      new CreateImageCommand({ InstanceId: 'i-0aaaaaaaaaaaaaaa3', Name: 'gone-instance' }),
      'IncorrectInstanceState',
    ],
  ])('answers %s with %s', async (_what, command, code) => {
    seedInstances();

    // biome-ignore lint/suspicious/noExplicitAny: the table mixes command types on purpose
    await expect(clientFor(emulator()).send(command as any)).rejects.toMatchObject({ name: code });
  });

  it('refuses a duplicate image name with InvalidAMIName.Duplicate naming the holder', async () => {
    seedInstances();
    const ec2 = clientFor(emulator());
    const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: 'i-0aaaaaaaaaaaaaaa1', Name: 'web-1' }));

    const error = await ec2.send(new CreateImageCommand({ InstanceId: 'i-0aaaaaaaaaaaaaaa1', Name: 'web-1' })).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'InvalidAMIName.Duplicate' });
    expect((error as Error).message).toContain(ImageId);
  });

  it('answers an unknown action with InvalidAction', async () => {
    const response = await fetch(emulator().url, { method: 'POST', body: 'Action=LaunchRockets&Version=2016-11-15' });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidAction</Code>');
  });
});

describe('fault injection', () => {
  it('throttles chosen calls with RequestLimitExceeded, which the SDK retries by itself', async () => {
    seedInstances();
    emulator().injectFaults({ rules: [{ actions: ['DescribeInstances'], code: 'RequestLimitExceeded', times: 2 }] });

    const { Reservations } = await clientFor(emulator(), 4).send(new DescribeInstancesCommand({ InstanceIds: ['i-0aaaaaaaaaaaaaaa1'] }));

    expect(Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe('i-0aaaaaaaaaaaaaaa1');
    expect(emulator().requests.map((r) => [r.action, r.status])).toEqual([
      ['DescribeInstances', 503],
      ['DescribeInstances', 503],
      ['DescribeInstances', 200],
    ]);
  });

  it('surfaces InternalError once the SDK gives up', async () => {
    emulator().injectFaults({ rules: [{ code: 'InternalError' }] });

    await expect(clientFor(emulator(), 2).send(new DescribeImagesCommand({ Owners: ['self'] }))).rejects.toMatchObject({
      name: 'InternalError',
    });
    expect(emulator().requests).toHaveLength(2);
  });

  it('throttles about the configured fraction of calls, the same way for the same seed', async () => {
    const run = async () => {
      emulator().reset();
      emulator().injectFaults({ seed: 7, rules: [{ code: 'RequestLimitExceeded', rate: 0.3 }] });
      const ec2 = new EC2Client({
        endpoint: emulator().url,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 't', secretAccessKey: 't' },
      });
      for (let i = 0; i < 200; i += 1) await ec2.send(new DescribeImagesCommand({ Owners: ['self'] })).catch(() => undefined);
      return emulator().requests.map((r) => r.status);
    };

    const first = await run();
    const second = await run();

    const throttled = first.filter((s) => s === 503).length;
    expect(throttled).toBeGreaterThan(40);
    expect(throttled).toBeLessThan(80);
    expect(second).toEqual(first);
  });

  it('carries out a call and then loses its response when the rule says "after"', async () => {
    seedInstances();
    emulator().injectFaults({ rules: [{ actions: ['CreateImage'], code: 'InternalError', when: 'after', times: 1 }] });

    const error = await clientFor(emulator(), 2)
      .send(new CreateImageCommand({ InstanceId: 'i-0aaaaaaaaaaaaaaa1', Name: 'lost-response' }))
      .catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'InvalidAMIName.Duplicate' });
    expect([...emulator().store.images.values()].map((i) => i.name)).toEqual(['lost-response']);
    expect(emulator().requests.map((r) => [r.status, r.acted])).toEqual([
      [500, true],
      [400, false],
    ]);
  });

  it('adds latency to every response', async () => {
    emulator().injectFaults({ latencyMs: 50 });
    const started = performance.now();

    await clientFor(emulator()).send(new DescribeImagesCommand({ Owners: ['self'] }));

    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});
