import { describe, expect, it } from 'vitest';
import { planDeprecations } from '../../src/retention/deprecation.ts';
import type { ManagedImage } from '../../src/retention/inventory.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { TAG } from '../../src/rotation/tags.ts';

const NOW = new Date('2026-11-23T02:00:00Z');
const image = (n: number, daysOld: number, extra: Partial<ManagedImage> = {}, tags: Record<string, string> = {}): ManagedImage => ({
  imageId: `ami-${n}`,
  name: `web-prod-${n}`,
  state: 'available',
  ownerId: '123456789012',
  creationDate: new Date(NOW.getTime() - daysOld * DAY_MS).toISOString(),
  tags: { [TAG.managed]: 'true', [TAG.family]: 'web-prod', ...tags },
  deregistrationProtected: false,
  snapshotIds: [],
  ...extra,
});
const ctx = (deprecateAfterDays: number | undefined, protectedImageIds: string[] = []) => ({
  family: 'web-prod',
  policy: { minKeep: 2, ...(deprecateAfterDays === undefined ? {} : { deprecateAfterDays }) },
  now: NOW,
  accountId: '123456789012',
  protectedImageIds,
});
const none = new Set<string>();

describe('deprecation, the first stage of retirement', () => {
  it('is off unless the policy sets deprecateAfterDays', () => {
    expect(planDeprecations([image(1, 0), image(2, 9)], none, ctx(undefined))).toEqual([]);
  });

  it('deprecates every image but the newest, N days after its creation, at once when that time has passed', () => {
    const planned = planDeprecations([image(1, 0.5), image(2, 1.5), image(3, 10)], none, ctx(3));

    expect(planned.map((d) => [d.imageId, d.deprecateAt])).toEqual([
      ['ami-2', '2026-11-24T14:00:00Z'],
      ['ami-3', '2026-11-23T02:01:00Z'],
    ]);
    expect(planned[0]?.reason).toBe('deprecate: no longer the newest, 3 days after creation (at 2026-11-24T14:00:00Z)');
    expect(planned[1]?.reason).toBe('deprecate: no longer the newest, 3 days after creation (now: that time has passed)');
  });

  it("never deprecates tonight's image, one already deprecated, one kept by a person (in any case), one being deleted or disabled, or another family's", () => {
    const images = [
      image(1, 1),
      image(2, 2, { deprecationTime: '2026-11-30T00:00:00Z' }),
      image(3, 3, {}, { [TAG.keep]: 'TRUE' }),
      image(4, 4),
      image(5, 5, {}, { [TAG.family]: 'db-prod' }),
      image(6, 6, { state: 'disabled' }),
      image(7, 7),
    ];

    const planned = planDeprecations([image(0, 0), ...images], new Set(['ami-4']), ctx(30, ['ami-0']));

    expect(planned.map((d) => d.imageId)).toEqual(['ami-1', 'ami-7']);
    expect(planDeprecations([image(0, 5), image(1, 1)], none, ctx(3, ['ami-0']))).toEqual([]);
  });

  it('takes the newest of images made at the same time as the plan does: the lower image id', () => {
    const planned = planDeprecations([image(9, 1), image(8, 1), image(7, 2)], none, ctx(3));

    expect(planned.map((d) => d.imageId)).toEqual(['ami-9', 'ami-7']);
  });

  it('stays within the ten years EC2 accepts, to the minute', () => {
    const [planned] = planDeprecations([image(1, 0), image(2, 0.001)], none, ctx(3650));

    expect(Date.parse(planned?.deprecateAt ?? '')).toBeLessThanOrEqual(Date.parse('2036-11-23T02:00:00Z'));
    expect(planned?.deprecateAt).toMatch(/:00Z$/);
  });

  it("follows the README's worked example: tonight's left alone, 1 and 2 days old later, 3 to 7 at once, 8 to 10 deleted instead", () => {
    const nightly = Array.from({ length: 10 }, (_, n) => image(n + 1, n + 1));
    const deleted = new Set([8, 9, 10].map((n) => `ami-${n}`));

    const planned = planDeprecations([image(0, 0), ...nightly], deleted, ctx(3, ['ami-0']));

    const atOnce = '2026-11-23T02:01:00Z';
    expect(Object.fromEntries(planned.map((d) => [d.imageId, d.deprecateAt]))).toEqual({
      'ami-1': '2026-11-25T02:00:00Z',
      'ami-2': '2026-11-24T02:00:00Z',
      'ami-3': atOnce,
      'ami-4': atOnce,
      'ami-5': atOnce,
      'ami-6': atOnce,
      'ami-7': atOnce,
    });
  });
});
