/**
 * An image a run of the same execution already tagged complete (a re-run that starts in the same second meets the image
 * it made, by its name): CheckImage hands on its completion time, and TagImage keeps it rather than writing a later one.
 */
import { describe, expect, it } from 'vitest';
import { makeHandler as checkHandler } from '../../functions/check-image.ts';
import { makeHandler as tagHandler } from '../../functions/tag-image.ts';
import { DEFAULT_WAIT } from '../../src/rotation/backoff.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { handlerClientsFor, useEmulator } from '../support/emulator.ts';
import { pendingProgress } from '../support/progress.ts';

const emulator = useEmulator();
const IMAGE = 'ami-0aaaaaaaaaaaaaaa1';
const context = { awsRequestId: 'tag-image-test', getRemainingTimeInMillis: () => 60_000 } as never;
const seed = (tags: Record<string, string>) =>
  emulator().seed({
    images: [
      {
        imageId: IMAGE,
        name: 'web-prod-20261123-020000',
        creationDate: '2026-11-23T02:00:00.000Z',
        state: 'available',
        tags: { [TAG.managed]: 'true', [TAG.family]: 'web-prod', ...tags },
        snapshotTags: { [TAG.managed]: 'true', [TAG.family]: 'web-prod' },
      },
    ],
  });
const checkThenTag = async () => {
  const check = checkHandler(handlerClientsFor(emulator(), 'CheckImageRole'));
  const tag = tagHandler(handlerClientsFor(emulator(), 'TagImageRole'), () => new Date('2026-11-23T03:00:00.000Z'));
  const image = await check({ request: { wait: DEFAULT_WAIT }, image: { ...pendingProgress(), imageId: IMAGE } } as never, context);
  const tagged = await tag({ family: 'web-prod', image } as never, context);
  const tags = Object.fromEntries((emulator().store.images.get(IMAGE)?.tags ?? []).map((t) => [t.key, t.value]));
  return { image, tagged, completedAt: tags[TAG.completedAt] };
};

describe('an image already tagged complete', () => {
  it('keeps the time the first run tagged it with', async () => {
    seed({ [TAG.status]: 'available', [TAG.completedAt]: '2026-11-23T02:20:00.000Z' });

    const { image, tagged, completedAt } = await checkThenTag();

    expect((image as { completedAt?: string }).completedAt).toBe('2026-11-23T02:20:00.000Z');
    expect(tagged).toMatchObject({ completedAt: '2026-11-23T02:20:00.000Z' });
    expect(completedAt).toBe('2026-11-23T02:20:00.000Z');
  });

  it('is tagged with the time it is seen when no run tagged it yet', async () => {
    seed({});

    const { image, tagged, completedAt } = await checkThenTag();

    expect((image as { completedAt?: string }).completedAt).toBeUndefined();
    expect(tagged).toMatchObject({ completedAt: '2026-11-23T03:00:00.000Z' });
    expect(completedAt).toBe('2026-11-23T03:00:00.000Z');
  });
});
