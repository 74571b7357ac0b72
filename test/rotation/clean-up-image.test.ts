import { describe, expect, it } from 'vitest';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { cleanUpExecutionImage } from '../../src/rotation/clean-up-image.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const execution = { id: 'arn:aws:states:us-east-1:123456789012:execution:rotate:mine', name: 'mine', startTime: '2026-11-23T02:00:00Z' };
const tagged = (executionArn: string) => ({ [TAG.managed]: 'true', [TAG.family]: 'web-prod', [TAG.execution]: executionArn });

describe('cleanUpExecutionImage', () => {
  it("refuses an image it was named that carries another execution's tag, and leaves it in place", async () => {
    emulator().seed({
      images: [{ imageId: 'ami-0c0000000000000a1', name: 'theirs', creationDate: '2026-11-22T02:00:00Z', tags: tagged('arn:other') }],
    });

    await expect(cleanUpExecutionImage(ec2Client(), 'ami-0c0000000000000a1', execution)).rejects.toMatchObject({ name: 'ImageNotOwned' });
    expect(emulator().store.images.has('ami-0c0000000000000a1')).toBe(true);
    expect(emulator().mutatingRequests()).toEqual([]);
  });

  it('removes every image and snapshot tagged with the execution when no image id is known, and nothing else', async () => {
    emulator().seed({
      images: [
        {
          imageId: 'ami-0c0000000000000a2',
          name: 'mine',
          creationDate: '2026-11-23T02:00:00Z',
          tags: tagged(execution.id),
          snapshotTags: tagged(execution.id),
        },
        { imageId: 'ami-0c0000000000000a3', name: 'theirs', creationDate: '2026-11-22T02:00:00Z', tags: tagged('arn:other') },
      ],
    });

    const result = await cleanUpExecutionImage(ec2Client(), undefined, execution);

    expect(result).toMatchObject({ deregistered: true, deregisteredImages: ['ami-0c0000000000000a2'] });
    expect([...emulator().store.images.keys()]).toEqual(['ami-0c0000000000000a3']);
  });

  it("leaves a copy an earlier attempt of the execution completed, when asked to keep completed images, and removes this attempt's", async () => {
    const completed = { ...tagged(execution.id), [TAG.status]: 'available' };
    emulator().seed({
      images: [
        { imageId: 'ami-0c0000000000000a4', name: 'first-attempt', creationDate: '2026-11-23T02:00:00Z', tags: completed },
        { imageId: 'ami-0c0000000000000a5', name: 'this-attempt', creationDate: '2026-11-23T03:00:00Z', tags: tagged(execution.id) },
      ],
    });

    const result = await cleanUpExecutionImage(ec2Client(), 'ami-0c0000000000000a4', execution, { keepCompleted: true });

    expect(result.deregisteredImages).toEqual(['ami-0c0000000000000a5']);
    expect(result.keptImages).toEqual([
      { imageId: 'ami-0c0000000000000a4', reason: expect.stringMatching(/^completed by an earlier attempt/) },
    ]);
    expect([...emulator().store.images.keys()]).toEqual(['ami-0c0000000000000a4']);
  });
});
