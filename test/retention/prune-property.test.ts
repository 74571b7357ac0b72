import { CreateImageUsageReportCommand, DescribeImageUsageReportsCommand } from '@aws-sdk/client-ec2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fixture } from '../../emulator/fixture.ts';
import { autoScalingClient } from '../../src/aws/auto-scaling-client.ts';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { ORPHAN_GRACE_HOURS, planPrune } from '../../src/retention/prune.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { clientFor, useEmulator } from '../support/emulator.ts';
import { ACCOUNT, FAMILY, NOW } from '../support/images.ts';
import { type NightAction, type NightPolicy, type NightSpec, oracleNight } from '../support/retention-oracle.ts';

const emulator = useEmulator();

/** An account the family's images are shared with, whose instances launch them. */
const CONSUMER = '111122223333';
type Use =
  | 'none'
  | 'stopped instance'
  | 'default template version'
  | 'old template version'
  | 'parameter'
  | 'another account'
  | 'shared, unused';
type Generated = Omit<NightSpec, 'inUse'> & {
  use: Use;
  keepSpelling: string;
  disabledDaysAgo: number | undefined;
  launchedDaysAgo: number | undefined;
};
const isShared = (use: Use) => use === 'another account' || use === 'shared, unused';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const created = fc
  .record({ days: fc.integer({ min: 0, max: 12 }), hours: fc.constantFrom(0, 0, 1, 23) })
  .map(({ days, hours }) => new Date(NOW.getTime() - days * DAY - hours * HOUR).toISOString());
const spec = fc.record({
  creationDate: created,
  state: fc.constantFrom('available', 'available', 'available', 'available', 'disabled', 'disabled', 'pending', 'failed'),
  ownerId: fc.constantFrom(ACCOUNT, ACCOUNT, ACCOUNT, ACCOUNT, ACCOUNT, '999999999999'),
  managed: fc.constantFrom(true, true, true, true, true, true, true, true, false),
  family: fc.constantFrom(FAMILY, FAMILY, FAMILY, FAMILY, FAMILY, 'db-prod'),
  keep: fc.constantFrom(false, false, false, false, true),
  keepSpelling: fc.constantFrom('true', 'TRUE', 'True'),
  deregistrationProtected: fc.constantFrom(false, false, false, false, false, false, true),
  use: fc.constantFrom<Use>(
    'none',
    'none',
    'none',
    'stopped instance',
    'default template version',
    'old template version',
    'parameter',
    'another account',
    'shared, unused',
    'shared, unused',
  ),
  // When the image last launched anywhere (DescribeImages' LastLaunchedTime): a shared one launched lately is kept.
  launchedDaysAgo: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
  disabledDaysAgo: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  deprecated: fc.constantFrom(false, false, false, true),
  failedTest: fc.constantFrom(false, false, false, false, false, true),
});
const inventory = fc.array(spec, { maxLength: 14 }).map((specs) =>
  specs.map((s, n): Generated => {
    // Only an image that ever launched can be in use: never a failed or pending one.
    const use = s.state === 'available' || s.state === 'disabled' ? s.use : 'none';
    return { ...s, use, imageId: `ami-${(n * 7919 + 17).toString(16).padStart(17, '0')}` };
  }),
);
const policy: fc.Arbitrary<NightPolicy> = fc.record(
  {
    keepLast: fc.integer({ min: 1, max: 6 }),
    maxAgeDays: fc.integer({ min: 1, max: 8 }),
    minKeep: fc.integer({ min: 1, max: 6 }),
    deprecateAfterDays: fc.integer({ min: 1, max: 5 }),
    disableBeforeDeleteDays: fc.integer({ min: 1, max: 4 }),
    keepLaunchedWithinDays: fc.integer({ min: 1, max: 8 }),
  },
  { requiredKeys: ['minKeep'] },
);

/** The account as EC2 would list it: the images with their tags, and whatever launches each one in use. */
const accountOf = (specs: readonly Generated[]): Fixture => {
  const used = (use: Use) => specs.filter((s) => s.use === use).map((s) => s.imageId);
  return {
    images: specs.map((s) => ({
      imageId: s.imageId,
      name: `image-${s.imageId}`,
      creationDate: s.creationDate,
      state: s.state as 'available',
      ownerId: s.ownerId,
      deregistrationProtection: s.deregistrationProtected,
      ...(isShared(s.use) ? { launchPermissions: [{ userId: CONSUMER }] } : {}),
      ...(s.launchedDaysAgo === undefined ? {} : { lastLaunchedTime: new Date(NOW.getTime() - s.launchedDaysAgo * DAY).toISOString() }),
      ...(s.deprecated ? { deprecationTime: '2027-06-01T00:00:00.000Z' } : {}),
      tags: {
        ...(s.managed ? { [TAG.managed]: 'true' } : {}),
        [TAG.family]: s.family,
        ...(s.keep ? { [TAG.keep]: s.keepSpelling } : {}),
        // Shared with a consumer account, whose instances DescribeImageReferences cannot see.
        ...(isShared(s.use) ? { [TAG.shared]: 'true' } : {}),
        ...(s.failedTest ? { [TAG.status]: 'boot-test-failed' } : {}),
        ...(s.state === 'disabled' && s.disabledDaysAgo !== undefined
          ? { [TAG.disabledAt]: new Date(NOW.getTime() - s.disabledDaysAgo * DAY).toISOString() }
          : {}),
      },
    })),
    instances: used('stopped instance').map((imageId) => ({ imageId, state: 'stopped' as const })),
    launchTemplates: [
      ...used('default template version').map((imageId, n) => ({ name: `current-${n}`, versions: [{ imageId }] })),
      // Named only by version 1 of 15, the default being the latest: beyond the 10 versions EC2 reads by default.
      ...used('old template version').map((imageId, n) => ({
        name: `old-${n}`,
        defaultVersion: 15,
        versions: [{ imageId }, ...Array.from({ length: 14 }, () => ({ imageId: 'ami-0ffffffffffffffff' }))],
      })),
    ],
    parameters: used('parameter').map((value, n) => ({ name: `/golden/pinned-${n}`, value })),
    consumers: [{ accountId: CONSUMER, instances: used('another account') }],
  } as Fixture;
};

const observed = (plan: Awaited<ReturnType<typeof planPrune>>): Map<string, NightAction> => {
  const actions = new Map<string, NightAction>(plan.images.map((d) => [d.imageId, d.action === 'delete' ? 'delete' : 'keep']));
  for (const s of plan.stages) actions.set(s.imageId, s.stage);
  for (const d of plan.deprecations) {
    expect(actions.get(d.imageId), `${d.imageId} deprecated and also ${actions.get(d.imageId)}`).toBe('keep');
    actions.set(d.imageId, 'deprecate');
  }
  return actions;
};

describe('the prune plan against the README, through EC2, for any account', () => {
  it('retires exactly what the README says, and never an image in use, whatever the floor, staging and keep tags do', async () => {
    await fc.assert(
      fc.asyncProperty(inventory, policy, async (generated, p) => {
        // In use: found by DescribeImageReferences, counted by a usage report, or (shared) launched within the grace.
        const specs = generated.map((s) => ({
          ...s,
          shared: isShared(s.use),
          inUse:
            (s.use !== 'none' && s.use !== 'shared, unused') ||
            (isShared(s.use) &&
              s.launchedDaysAgo !== undefined &&
              p.keepLaunchedWithinDays !== undefined &&
              s.launchedDaysAgo < p.keepLaunchedWithinDays),
        }));
        emulator().reset();
        emulator().seed(accountOf(specs));
        // The night's usage reports of the shared images, made since the execution started (as its first pass asks).
        const ec2 = clientFor(emulator());
        const reports = [];
        for (const s of specs.filter((s) => isShared(s.use) && s.ownerId === ACCOUNT))
          reports.push(
            (await ec2.send(new CreateImageUsageReportCommand({ ImageId: s.imageId, ResourceTypes: [{ ResourceType: 'ec2:Instance' }] })))
              .ReportId ?? '',
          );
        if (reports.length > 0) await ec2.send(new DescribeImageUsageReportsCommand({ ReportIds: reports }));

        const plan = await planPrune(
          { ec2: ec2Client(), autoScaling: autoScalingClient() },
          { family: FAMILY, policy: p, now: NOW, accountId: ACCOUNT, orphanGraceHours: ORPHAN_GRACE_HOURS },
        );

        // What is done to each image; an image EC2 does not list for the family (another account's) is done nothing.
        const done = (actions: Map<string, NightAction>) => Object.fromEntries([...actions].filter(([, action]) => action !== 'keep'));
        expect(done(observed(plan))).toEqual(done(oracleNight(specs, p, NOW, { accountId: ACCOUNT, family: FAMILY })));
        for (const s of specs.filter((s) => s.inUse))
          expect(['delete', 'disable'], `${s.imageId} is in use (${s.use})`).not.toContain(observed(plan).get(s.imageId));
      }),
      { numRuns: 300 },
    );
  });
});
