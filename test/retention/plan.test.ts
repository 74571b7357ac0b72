import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ManagedImage } from '../../src/retention/inventory.ts';
import { type PlanContext, planRetention, usageCandidates } from '../../src/retention/plan.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { ACCOUNT, FAMILY, image, NOW } from '../support/images.ts';
import { oracleDeletes, type Policy, type Spec } from '../support/retention-oracle.ts';

const ctx = (policy: PlanContext['policy'], extra: Partial<PlanContext> = {}): PlanContext => ({
  family: FAMILY,
  policy,
  now: NOW,
  accountId: ACCOUNT,
  ...extra,
});
const deleted = (images: readonly ManagedImage[], context: PlanContext) =>
  planRetention(images, context)
    .filter((d) => d.action === 'delete')
    .map((d) => d.imageId);
const reasonOf = (images: readonly ManagedImage[], context: PlanContext, imageId: string) =>
  planRetention(images, context).find((d) => d.imageId === imageId)?.reason;

describe('retention semantics', () => {
  const ten = Array.from({ length: 10 }, (_, n) => image(n + 1));
  const ids = (from: number, to: number) => ten.slice(from, to).map((i) => i.imageId);

  it.each([
    ['keepLast alone keeps the newest N', { keepLast: 3, minKeep: 1 }, ids(3, 10)],
    ['maxAgeDays alone keeps anything younger', { maxAgeDays: 5, minKeep: 1 }, ids(5, 10)],
    ['both: expired only when beyond the newest N and too old', { keepLast: 7, maxAgeDays: 2, minKeep: 1 }, ids(7, 10)],
    ['both: the age rule keeps what the count rule would not', { keepLast: 2, maxAgeDays: 6, minKeep: 1 }, ids(6, 10)],
    ['minKeep rescues the newest expired images', { maxAgeDays: 1, minKeep: 4 }, ids(4, 10)],
    ['neither rule set: nothing expires', { minKeep: 1 }, []],
  ])('%s', (_what, policy, expected) => {
    expect(deleted(ten, ctx(policy)).sort()).toEqual([...expected].sort());
  });

  it('gives every image a reason a person can read', () => {
    const plan = planRetention(ten, ctx({ keepLast: 7, maxAgeDays: 7, minKeep: 2 }));

    expect(plan.map((d) => d.reason)).toEqual([
      ...Array.from({ length: 7 }, (_, n) => `kept: newest 7 (number ${n + 1})`),
      'expired: 8 days old, beyond the newest 7 and older than 7 days',
      'expired: 9 days old, beyond the newest 7 and older than 7 days',
      'expired: 10 days old, beyond the newest 7 and older than 7 days',
    ]);
  });
});

describe('protections', () => {
  const policy = { keepLast: 1, maxAgeDays: 1, minKeep: 1 };
  const newest = image(0.5);

  it.each<[string, ManagedImage, Partial<PlanContext>, RegExp]>([
    ['not owned by the account', image(30, { ownerId: '999999999999' }), {}, /^kept: owned by account 999999999999/],
    ['not managed by ami-rotator', image(30, { tags: { [TAG.family]: FAMILY } }), {}, /^kept: not managed by ami-rotator/],
    ['of another family', image(30, { tags: { [TAG.managed]: 'true', [TAG.family]: 'db-prod' } }), {}, /^kept: belongs to family db-prod/],
    [
      'made by this execution',
      image(30, { imageId: 'ami-000000000000000aa' }),
      { protectedImageIds: ['ami-000000000000000aa'] },
      /^kept: made by this execution$/,
    ],
    ['still pending', image(30, { state: 'pending' }), {}, /^kept: still pending$/],
    ['tagged to be kept', image(30, { extraTags: { [TAG.keep]: 'true' } }), {}, /^kept: tagged ami-rotator:keep=true$/],
    [
      'a candidate awaiting promotion',
      image(30, { extraTags: { [TAG.promotion]: 'awaiting' } }),
      {},
      /^kept: a candidate awaiting promotion \(ami-rotator:promotion=awaiting\)$/,
    ],
    ['deregistration-protected', image(30, { deregistrationProtected: true }), {}, /^kept: deregistration protection is enabled$/],
  ])('keeps an image that is %s', (_what, protectedImage, extra, reason) => {
    expect(reasonOf([newest, protectedImage], ctx(policy, extra), protectedImage.imageId)).toMatch(reason);
  });

  it('keeps an expired image that something still uses, naming the user', () => {
    const used = image(30);
    const usage = {
      known: true as const,
      checked: new Set([used.imageId]),
      uses: new Map([[used.imageId, ['launch template lt-0a1 version 3 (default)']]]),
    };

    expect(reasonOf([newest, used], ctx(policy, { usage }), used.imageId)).toBe(
      'kept: in use by launch template lt-0a1 version 3 (default)',
    );
  });

  it('never deletes an image whose usage was not looked up, even when the rest of the report is known', () => {
    const [checkedOld, uncheckedOld] = [image(30), image(31)];
    const usage = { known: true as const, checked: new Set([checkedOld.imageId]), uses: new Map() };

    const plan = planRetention([newest, checkedOld, uncheckedOld], ctx(policy, { usage }));

    expect(plan.map((d) => [d.imageId, d.action, d.reason])).toEqual([
      [newest.imageId, 'keep', 'kept: newest 1 (number 1)'],
      [checkedOld.imageId, 'delete', expect.stringMatching(/^expired: /)],
      [uncheckedOld.imageId, 'keep', 'kept: usage could not be established (not looked up)'],
    ]);
  });

  it('asks for the usage of every expired image, the ones the minKeep floor would rescue too, and of every disabled one', () => {
    const aged = [2, 3, 4, 5, 6].map((days) => image(days));
    const disabledKept = image(1, { state: 'disabled', extraTags: { [TAG.keep]: 'true' } });
    const others = [image(40, { state: 'failed' }), image(40, { state: 'pending' }), image(40, { ownerId: '999999999999' })];

    const candidates = usageCandidates([image(0.5), ...aged, disabledKept, ...others], ctx({ maxAgeDays: 1, minKeep: 3 }));

    expect(candidates.sort()).toEqual([...aged, disabledKept].map((i) => i.imageId).sort());
  });

  it('counts an image kept after a failed boot test towards no rule: the good images stay the rollback', () => {
    const tonight = image(0);
    const failedTest = image(1, { extraTags: { [TAG.status]: 'boot-test-failed' } });
    const good = [2, 3, 4].map((days) => image(days));

    const plan = planRetention([tonight, failedTest, ...good], ctx({ keepLast: 2, maxAgeDays: 1, minKeep: 2 }));

    expect(plan.filter((d) => d.action === 'delete').map((d) => d.imageId)).toEqual([good[1]?.imageId, good[2]?.imageId]);
    expect(plan.find((d) => d.imageId === failedTest.imageId)?.reason).toBe(
      'kept for inspection: failed its boot test (counts towards no rule; pruned once older than maxAgeDays)',
    );
    expect(
      deleted([image(0), image(9, { extraTags: { [TAG.status]: 'boot-test-failed' } })], ctx({ maxAgeDays: 7, minKeep: 2 })),
    ).toHaveLength(1);
  });

  it('sets a rolled-back image aside as a failed boot test is: counted by no rule, kept for inspection, pruned by age', () => {
    const tonight = image(0);
    const rolledBack = image(1, { extraTags: { [TAG.status]: 'rolled-back', [TAG.rolledBackBy]: 'arn:rollback' } });
    const good = [2, 3, 4].map((days) => image(days));

    const plan = planRetention([tonight, rolledBack, ...good], ctx({ keepLast: 2, maxAgeDays: 1, minKeep: 3 }));
    const old = planRetention([image(0), image(9, { extraTags: { [TAG.status]: 'rolled-back' } })], ctx({ maxAgeDays: 7, minKeep: 1 }));

    expect(plan.filter((d) => d.action === 'delete').map((d) => d.imageId)).toEqual([good[2]?.imageId]);
    expect(plan.find((d) => d.imageId === rolledBack.imageId)?.reason).toBe(
      'kept for inspection: rolled back by arn:rollback (counts towards no rule; pruned once older than maxAgeDays)',
    );
    expect(old.map((d) => [d.action, d.reason])).toEqual([
      ['keep', 'kept: 0 days old, within 7 days'],
      ['delete', 'rolled back, kept for inspection: 9 days old, older than 7 days'],
    ]);
  });

  it('keeps every expired image when usage could not be established, and says why', () => {
    const old = image(30);

    expect(reasonOf([newest, old], ctx(policy, { usage: { known: false, reason: 'AccessDenied' } }), old.imageId)).toBe(
      'kept: usage could not be established (AccessDenied)',
    );
  });

  it('always cleans up a failed image of the family, however new', () => {
    const failed = image(0.1, { state: 'failed' });

    expect(reasonOf([newest, failed], ctx({ keepLast: 10, minKeep: 5 }), failed.imageId)).toBe(
      'failed image: never usable, always cleaned up',
    );
  });

  it("does not count another family's images towards the minKeep floor", () => {
    const others = [image(1, { tags: { [TAG.managed]: 'true', [TAG.family]: 'db-prod' } }), image(1, { ownerId: '999999999999' })];
    const mine = [image(30), image(31)];

    expect(deleted([...others, ...mine], ctx({ maxAgeDays: 1, minKeep: 2 }))).toEqual([]);
  });

  it('breaks ties in creation time by image id', () => {
    const a = image(3, { imageId: 'ami-0000000000000000b' });
    const b = image(3, { imageId: 'ami-0000000000000000a', creationDate: a.creationDate });

    expect(deleted([a, b], ctx({ keepLast: 1, minKeep: 1 }))).toEqual(['ami-0000000000000000b']);
  });
});

const toManagedImage = (s: Spec): ManagedImage => ({
  imageId: s.imageId,
  name: s.imageId,
  state: s.state,
  ownerId: s.ownerId,
  creationDate: s.creationDate,
  tags: {
    ...(s.managed ? { [TAG.managed]: 'true' } : {}),
    [TAG.family]: s.family,
    ...(s.keep ? { [TAG.keep]: 'true' } : {}),
  },
  deregistrationProtected: s.deregistrationProtected,
  snapshotIds: [],
});

describe('planner against the README, for any inventory and policy', () => {
  const HOUR = 3_600_000;
  // Few distinct instants, so equal creation times are common; whole days with the hours either side of each boundary.
  const created = fc
    .record({ days: fc.integer({ min: 0, max: 40 }), hours: fc.constantFrom(0, 0, 1, 23) })
    .map(({ days, hours }) => new Date(NOW.getTime() - days * 86_400_000 - hours * HOUR).toISOString());
  const spec = fc.record({
    creationDate: created,
    state: fc.constantFrom('available', 'available', 'available', 'available', 'pending', 'failed', 'disabled'),
    ownerId: fc.constantFrom(ACCOUNT, ACCOUNT, ACCOUNT, ACCOUNT, '999999999999'),
    managed: fc.constantFrom(true, true, true, true, true, true, true, true, true, false),
    family: fc.constantFrom(FAMILY, FAMILY, FAMILY, FAMILY, 'db-prod'),
    keep: fc.constantFrom(false, false, false, false, true),
    deregistrationProtected: fc.constantFrom(false, false, false, false, false, true),
    inUse: fc.constantFrom(false, false, false, true),
  });
  const inventory = fc
    .array(spec, { maxLength: 40 })
    .map((specs) => specs.map((s, n) => ({ ...s, imageId: `ami-${((n * 7919) % 4096).toString(16).padStart(17, '0')}` })));
  const policy: fc.Arbitrary<Policy> = fc.record(
    { keepLast: fc.integer({ min: 1, max: 12 }), maxAgeDays: fc.integer({ min: 1, max: 30 }), minKeep: fc.integer({ min: 1, max: 8 }) },
    { requiredKeys: ['minKeep'] },
  );
  const planOf = (specs: readonly Spec[], p: Policy) =>
    planRetention(
      specs.map(toManagedImage),
      ctx(p, {
        usage: {
          known: true,
          checked: new Set(specs.map((s) => s.imageId)),
          uses: new Map(specs.filter((s) => s.inUse).map((s) => [s.imageId, ['instance i-0']])),
        },
      }),
    );

  it('deletes exactly the images the README says expire, and no other', () => {
    fc.assert(
      fc.property(inventory, policy, (specs, p) => {
        const plan = planOf(specs, p);
        const deletes = new Set(plan.filter((d) => d.action === 'delete').map((d) => d.imageId));

        expect([...deletes].sort()).toEqual([...oracleDeletes(specs, p, NOW, { accountId: ACCOUNT, family: FAMILY })].sort());
        expect(plan).toHaveLength(specs.length);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same plan whatever order EC2 listed the images in', () => {
    const permuted = inventory.chain((specs) =>
      fc.tuple(fc.constant(specs), fc.shuffledSubarray(specs, { minLength: specs.length, maxLength: specs.length })),
    );
    fc.assert(
      fc.property(permuted, policy, ([specs, shuffled], p) => {
        expect(planOf(shuffled, p)).toEqual(planOf(specs, p));
      }),
    );
  });

  it('keeps every image that is not this family’s, however old', () => {
    fc.assert(
      fc.property(inventory, policy, (specs, p) => {
        const foreign = new Set(specs.filter((s) => s.ownerId !== ACCOUNT || !s.managed || s.family !== FAMILY).map((s) => s.imageId));
        const plan = planOf(specs, p);

        expect(plan.filter((d) => foreign.has(d.imageId) && d.action === 'delete')).toEqual([]);
      }),
    );
  });
});
