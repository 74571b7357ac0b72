import { CopyImageCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { emulatorClients } from '../../local/clients.ts';
import { readConfig } from '../../src/config.ts';
import { CopyLimitReachedError } from '../../src/errors.ts';
import { copyRotationImage } from '../../src/rotation/copy-image.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const SOURCE = 'ami-0c00000000000c0c1';
const execution = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:ami-rotator-local:night',
  name: 'night',
  startTime: '2026-12-01T02:00:00Z',
};
const request = parseRotationRequest({ family: 'web-prod', instanceId: 'i-0123456789abcdef0' }, readConfig({}));
const inEurope = () => emulatorClients(emulator().url, { AWS_REGION: 'eu-west-1', AWS_MAX_ATTEMPTS: '1' }).ec2;
const copyTo = (night = execution, source = SOURCE, name = 'web-prod-20261201-020000') =>
  copyRotationImage(inEurope(), {
    request,
    execution: night,
    image: {
      imageId: source,
      name,
      instanceId: request.instanceId,
      state: 'available',
      poll: 1,
      nextWaitSeconds: 0,
      waitedSeconds: 0,
      deadlineSeconds: 0,
      timedOut: false,
    },
    target: { region: 'eu-west-1', retention: request.retention },
    sourceRegion: 'us-east-1',
  });

describe('the copy of the new image into another region', () => {
  it('makes one copy however often it is called, the client token being the execution and region', async () => {
    emulator().seed({ images: [{ imageId: SOURCE, name: 'web-prod-20261201-020000', creationDate: '2026-12-01T02:00:00Z' }] });

    const first = await copyTo();
    const again = await copyTo();

    expect(again.image.imageId).toBe(first.image.imageId);
    expect(emulator().storeIn('eu-west-1').images.size).toBe(1);
    // EC2 answered the retry itself, by its client token: not a refusal the copy step then looked past by name.
    const copies = emulator().requests.filter((r) => r.action === 'CopyImage');
    expect(copies.map((r) => [r.status, typeof r.params.ClientToken])).toEqual([
      [200, 'string'],
      [200, 'string'],
    ]);
    expect(first).toMatchObject({ region: 'eu-west-1', image: { state: 'pending', name: 'web-prod-20261201-020000' } });
  });

  it('copies on two nights into one region, each night its own copy: the token is the execution and the region, not the region alone', async () => {
    const tonight = 'ami-0c00000000000c0c2';
    emulator().seed({
      images: [
        { imageId: SOURCE, name: 'web-prod-20261201-020000', creationDate: '2026-12-01T02:00:00Z' },
        { imageId: tonight, name: 'web-prod-20261202-020000', creationDate: '2026-12-02T02:00:00Z' },
      ],
    });
    const nextNight = { id: `${execution.id}-2`, name: 'night-2', startTime: '2026-12-02T02:00:00Z' };

    const first = await copyTo();
    const second = await copyTo(nextNight, tonight, 'web-prod-20261202-020000');

    expect(second.image.imageId).not.toBe(first.image.imageId);
    expect(emulator().storeIn('eu-west-1').images.size).toBe(2);
    expect(
      emulator()
        .requests.filter((r) => r.action === 'CopyImage')
        .map((r) => r.status),
    ).toEqual([200, 200]);
  });

  it("says CopyLimitReached, naming the region's quota, when EC2 is already copying 25 images from the region", async () => {
    emulator().seed({ images: [{ imageId: SOURCE, name: 'web-prod-20261201-020000', creationDate: '2026-12-01T02:00:00Z' }] });
    for (let n = 0; n < 25; n += 1)
      await inEurope().send(new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: SOURCE, Name: `other-${n}` }));

    const refused = copyTo();

    await expect(refused).rejects.toThrow(CopyLimitReachedError);
    await expect(refused).rejects.toThrow(/quota allows \(50 at once, 25 from one region\); this region gets no copy tonight/);
  });
});
