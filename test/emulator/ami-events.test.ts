import {
  CopyImageCommand,
  CreateImageCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DisableImageCommand,
  EnableImageCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { emulatorClients } from '../../local/clients.ts';
import { clientFor, useEmulator } from '../support/emulator.ts';
import { INSTANCE, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator({ pendingPolls: 1 });
const ec2 = () => clientFor(emulator(), 1);
const lookTwice = async (imageId: string, client = ec2()) => {
  for (const _ of [1, 2]) await client.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
};
const amiEvents = () => emulator().events.flatMap((e) => (e.source === 'aws.ec2' ? [e] : []));
const seen = () => amiEvents().map((e) => [e.region, e.detail.ImageId, e.detail.State]);

describe("EC2's AMI state-change events, as EC2 puts them on the default bus", () => {
  it('says once when a new image becomes available, and when it is disabled, enabled and deregistered', async () => {
    seedInstance(emulator());
    const { ImageId = '' } = await ec2().send(new CreateImageCommand({ InstanceId: INSTANCE, Name: 'web-prod-1' }));

    await lookTwice(ImageId);
    await lookTwice(ImageId);
    await ec2().send(new DisableImageCommand({ ImageId }));
    await ec2().send(new EnableImageCommand({ ImageId }));
    await ec2().send(new DeregisterImageCommand({ ImageId }));

    expect(seen()).toEqual([
      ['us-east-1', ImageId, 'available'],
      ['us-east-1', ImageId, 'disabled'],
      ['us-east-1', ImageId, 'available'],
      ['us-east-1', ImageId, 'deregistered'],
    ]);
    expect(emulator().events[0]).toMatchObject({
      source: 'aws.ec2',
      'detail-type': 'EC2 AMI State Change',
      account: '123456789012',
      resources: [`arn:aws:ec2:us-east-1::image/${ImageId}`],
      detail: { ErrorMessage: '' },
    });
  });

  it('says when an image fails, with why, and a copy in the region it was copied to', async () => {
    seedInstance(emulator());
    emulator().injectFaults({ imageFates: [{ nameContains: 'doomed', fate: 'failed' }] });
    const { ImageId: failed = '' } = await ec2().send(new CreateImageCommand({ InstanceId: INSTANCE, Name: 'doomed-1' }));
    const { ImageId: good = '' } = await ec2().send(new CreateImageCommand({ InstanceId: INSTANCE, Name: 'web-prod-2' }));
    await lookTwice(failed);
    await lookTwice(good);
    const inEurope = emulatorClients(emulator().url, { AWS_REGION: 'eu-west-1', AWS_MAX_ATTEMPTS: '1' }).ec2;
    const { ImageId: copy = '' } = await inEurope.send(
      new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: good, Name: 'web-prod-2' }),
    );
    await lookTwice(copy, inEurope);

    expect(seen()).toEqual([
      ['us-east-1', failed, 'failed'],
      ['us-east-1', good, 'available'],
      ['eu-west-1', copy, 'available'],
    ]);
    expect(amiEvents()[0]?.detail.ErrorMessage).toBe('Client.InternalError: Snapshot creation failed');
  });
});
