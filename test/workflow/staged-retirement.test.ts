import { afterEach, describe, expect, it, vi } from 'vitest';
import { runRotationLocally } from '../../local/workflow.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { dieAfter } from '../reliability/runs.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';
afterEach(() => {
  vi.useRealTimers();
});

const START = Date.parse('2027-02-01T02:00:00Z');
const id = (n: number) => `ami-0e${n.toString(16).padStart(15, '0')}`;
const retention = { keepLast: 3, maxAgeDays: 2, minKeep: 2, disableBeforeDeleteDays: 3 };
const state = (imageId: string) => emulator().store.images.get(imageId)?.state ?? 'deregistered';

describe('disable before delete, over two nights', () => {
  it('disables the expired images, then deletes those still unused and enables again the one that came into use', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
    seedInstance(emulator());
    emulator().seed({
      images: Array.from({ length: 6 }, (_, n) => ({
        imageId: id(n + 1),
        name: `web-prod-old-${n + 1}`,
        creationDate: new Date(START - (n + 1) * DAY_MS).toISOString(),
        tags: { [TAG.managed]: 'true', [TAG.family]: FAMILY },
      })),
    });

    const first = await runRotationLocally({ input: input({ retention }) });

    // Tonight's and the two newest stay; the other four are disabled, none deleted.
    expect(first.status).toBe('SUCCEEDED');
    expect([1, 2, 3, 4, 5, 6].map((n) => state(id(n)))).toEqual(['available', 'available', 'disabled', 'disabled', 'disabled', 'disabled']);
    expect(emulator().requests.filter((r) => r.action === 'DeregisterImage')).toEqual([]);
    expect(emulator().store.images.get(id(3))?.tags).toContainEqual({ key: TAG.disabledAt, value: new Date(START).toISOString() });

    // Someone launches from a disabled image's id through a template in the meantime.
    emulator().seed({ launchTemplates: [{ name: 'still-needed', versions: [{ imageId: id(4) }] }] });
    vi.setSystemTime(START + 3 * DAY_MS);
    const second = await runRotationLocally({ input: input({ retention }) });

    expect(second.status).toBe('SUCCEEDED');
    expect([3, 4, 5, 6].map((n) => state(id(n)))).toEqual(['deregistered', 'available', 'deregistered', 'deregistered']);
    expect(
      emulator()
        .store.images.get(id(4))
        ?.tags.some((t) => t.key === TAG.disabledAt),
    ).toBe(false);
    expect(second.alerts).toHaveLength(1);
    expect(second.alerts[0]?.message).toContain(`${id(4)} (web-prod-old-4): enabled again: disabled, but in use by launch template`);
  });
});

describe('enabling again, when the pass that did it does not live to say so', () => {
  const disabledInUse = () => {
    seedInstance(emulator());
    emulator().seed({
      images: [
        {
          imageId: id(1),
          name: 'web-prod-old-1',
          creationDate: new Date(Date.now() - 5 * DAY_MS).toISOString(),
          state: 'disabled',
          tags: { [TAG.managed]: 'true', [TAG.family]: FAMILY, [TAG.disabledAt]: new Date(Date.now() - DAY_MS).toISOString() },
        },
      ],
      // Someone launched it by id again: a stopped instance still uses it.
      instances: [{ imageId: id(1), state: 'stopped' }],
    });
  };
  /** Enabled and no longer marked disabled: what every way through must leave. */
  const enabledAndUntagged = () => {
    expect(state(id(1))).toBe('available');
    expect(
      emulator()
        .store.images.get(id(1))
        ?.tags.map((t) => t.key),
    ).not.toContain(TAG.disabledAt);
  };

  it("still says in the night's alert that the image was enabled again, and leaves no disabled-at tag on it", async () => {
    disabledInUse();

    // The prune function does its work, then its first attempt is ended as a Lambda timeout ends it.
    const run = await runRotationLocally({ input: input({ retention }), interceptInvoke: dieAfter('prune-images') });

    expect(run.status).toBe('SUCCEEDED');
    enabledAndUntagged();
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.message).toContain(`${id(1)} (web-prod-old-1): enabled again`);
  });

  it('finishes an enable that stopped before the image was untagged, and says so', async () => {
    disabledInUse();
    emulator().injectFaults({ rules: [{ actions: ['DeleteTags'], code: 'InternalError', times: 20 }] });

    const first = await runRotationLocally({ input: input({ retention }) });
    emulator().injectFaults({});
    const next = await runRotationLocally({ input: input({ retention }) });

    expect(first.alerts[0]?.message).toContain(`${id(1)} (web-prod-old-1)`);
    enabledAndUntagged();
    expect(next.alerts[0]?.message).toContain(`${id(1)} (web-prod-old-1): enabled again`);
  });
});
