/**
 * The soak: 50 nights of the real workflow (state machine file, handlers, EC2 emulator) with random faults,
 * a policy that changes from night to night (the minKeep floor rescuing on some), and usage that changes too:
 * SSM parameters that a person points at older images and back, and another account that starts and stops launching
 * the shared images. After every night, the images left must be
 * exactly what the README's rules say, and no image in use may be deregistered or disabled.
 * `npm run test:reliability`; `SOAK_SEED` and `SOAK_ROTATIONS` replay or lengthen the first history (soak.test.ts).
 */
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FaultPlan } from '../../emulator/faults.ts';
import { seededRandom } from '../../emulator/faults.ts';
import { recordLaunch } from '../../emulator/model.ts';
import type { Ec2Emulator } from '../../emulator/server.ts';
import { LOCAL_ACCOUNT_ID, type LocalRunOptions, runRotationLocally } from '../../local/workflow.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { sourcePruneOf } from '../../src/workflow/contract.ts';
import { roleClientsFor, serviceClientFor, useEmulator } from '../support/emulator.ts';
import { oracleDeletes, type Policy, type Spec } from '../support/retention-oracle.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';
import { checkRun, emptyTally, tagOf } from './invariants.ts';
import { dieAfter, RETENTION } from './runs.ts';

/** The emulator of the test file that runs a soak (each file its own, in its own worker). */
let emulator: () => Ec2Emulator;

const run = (options: LocalRunOptions) =>
  runRotationLocally({ clients: roleClientsFor(emulator(), { AWS_RETRY_MODE: 'standard', AWS_MAX_ATTEMPTS: '3' }), ...options });

const SOAK_PARAMETER = '/golden/web-prod/latest';
/** Parameters a person points at older images (and away again): usage that changes under the prune. */
const PINS = ['/golden/web-prod/pinned-a', '/golden/web-prod/pinned-b'];
const STAGES = { deprecateAfterDays: 1, disableBeforeDeleteDays: 2 };
/** The nights' policies: the usual one, and ones where the minKeep floor rescues expired images. */
const POLICIES: Policy[] = [
  RETENTION,
  RETENTION,
  { maxAgeDays: 1, minKeep: 3 },
  { maxAgeDays: 1, minKeep: 4 },
  { keepLast: 1, minKeep: 3 },
];

/** The account every night's image is shared with, whose instances start and stop launching the family's images. */
const CONSUMER = '111122223333';
/** A shared image launched this recently is kept (the deployment's default keepLaunchedWithinDays). */
const LAUNCH_GRACE_DAYS = 7;

/**
 * The images in use: the ones the pins name, the ones the consumer account's instances launch, and the shared ones it
 * launched within the grace. (The published parameter moves to tonight's image before the prune: not a use to keep.)
 */
const inUse = (now: Date): Set<string> =>
  new Set([
    ...PINS.map((name) => emulator().store.parameters.get(name)?.value).filter((v): v is string => v !== undefined),
    ...emulator().store.consumerUses.map((u) => u.imageId),
    // Launched within the grace, by the launch's own time (EC2 reports it a day later).
    ...[...emulator().store.images.values()]
      .filter((i) => (i.launches ?? []).some((at) => now.getTime() - at < LAUNCH_GRACE_DAYS * DAY_MS))
      .map((i) => i.imageId),
  ]);

const specsNow = (used: ReadonlySet<string>): Spec[] =>
  [...emulator().store.images.values()].map((i) => ({
    imageId: i.imageId,
    creationDate: i.creationDate,
    state: i.state,
    ownerId: i.ownerId,
    managed: tagOf(i.tags, TAG.managed) === 'true',
    family: tagOf(i.tags, TAG.family) ?? '',
    keep: tagOf(i.tags, TAG.keep)?.toLowerCase() === 'true',
    deregistrationProtected: i.deregistrationProtection,
    inUse: used.has(i.imageId),
  }));

/**
 * One soak: `rotations` nights from `seed`. The 50 nights are run as two histories: 15 in soak.test.ts (npm test), 35
 * in test/long/soak-second.test.ts (npm run test:long; CI runs both).
 */
export const describeSoak = (seed: number, rotations: number) => {
  // Images and usage reports ready at the first look: a night costs one wait of each kind, not two (the waits
  // themselves are the workflow tests' and the bench's).
  emulator = useEmulator({ pendingPolls: 0 });
  afterEach(() => {
    vi.useRealTimers();
  });
  describe(`soak (seed ${seed})`, () => {
    const SEED = seed;
    const ROTATIONS = rotations;
    const MENU: { faults?: FaultPlan; options?: Partial<LocalRunOptions> }[] = [
      {},
      {},
      { faults: { rules: [{ code: 'RequestLimitExceeded', rate: 0.2 }] } },
      { faults: { rules: [{ code: 'InternalError', rate: 0.1 }] } },
      { faults: { imageFates: [{ nameContains: FAMILY, fate: 'failed' }] } },
      { options: { interceptInvoke: dieAfter('create-image') } },
      { options: { interceptInvoke: dieAfter('prune-images') } },
      { faults: { rules: [{ actions: ['DeregisterImage'], code: 'InternalError', when: 'after', rate: 0.5 }] } },
      // Publishing: SSM drops the night's parameter write (the night fails, keeps its image, prunes nothing),
      // or loses the answer to it.
      { faults: { dropParameterWrites: 1 } },
      { faults: { rules: [{ actions: ['PutParameter'], code: 'InternalServerError', when: 'after', times: 1 }] } },
    ];

    it(`keeps exactly what the policy says, and everything in use, over ${ROTATIONS} nights with random faults (seed ${SEED})`, async () => {
      const random = seededRandom(SEED);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
      const ssm = serviceClientFor(SSMClient, emulator().url);
      const start = Date.parse('2027-01-01T02:00:00Z');
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(start);
      seedInstance(emulator());
      const tally = emptyTally();
      const problems: string[] = [];
      let succeeded = 0;
      let pinned = 0;
      let launched = 0;
      let withdrawn = 0;
      /** When each shared image was made private (ResetImageAttribute carried out), by the night's clock. */
      const madePrivate = new Map<string, number>();
      for (let day = 0; day < ROTATIONS; day += 1) {
        const now = new Date(start + day * DAY_MS);
        vi.setSystemTime(now);
        // A person points a pin at an older available image of the family, or away from any image (between nights: no faults).
        emulator().injectFaults({});
        if (random() < 0.3) {
          const older = [...emulator().store.images.values()].filter((i) => i.state === 'available').map((i) => i.imageId);
          const value = older.length > 0 && random() < 0.7 ? pick(older) : 'none';
          await ssm.send(new PutParameterCommand({ Name: pick(PINS), Value: value, Type: 'String', Overwrite: true }));
          if (value !== 'none') pinned += 1;
        }
        // The consumer account starts launching a shared image (EC2 notes the launch), or stops using one.
        const uses = emulator().store.consumerUses;
        if (random() < 0.3) {
          const shared = [...emulator().store.images.values()].filter((i) => i.state === 'available' && i.launchPermissions.length > 0);
          const image = shared.length > 0 ? pick(shared) : undefined;
          if (image) {
            uses.push({ accountId: CONSUMER, resourceType: 'ec2:Instance', imageId: image.imageId });
            // EC2 notes the launch, and reports it in LastLaunchedTime only a day later.
            recordLaunch(image, now);
            launched += 1;
          }
        }
        if (uses.length > 0 && random() < 0.1) uses.splice(Math.floor(random() * uses.length), 1);
        const sharedBefore = new Map(
          [...emulator().store.images.values()]
            .filter((i) => i.launchPermissions.length > 0)
            .map((i) => [i.imageId, i.launchPermissions.length]),
        );
        const firstRequest = emulator().requests.length;
        // Disable before delete on half the nights; on the others an expired image goes at once (a shared one
        // withdrawn first).
        const staged = random() < 0.5;
        const policy = { ...pick(POLICIES), ...(staged ? STAGES : { deprecateAfterDays: STAGES.deprecateAfterDays }) };
        const night = MENU[Math.floor(random() * MENU.length)] ?? {};
        emulator().injectFaults({ ...night.faults, seed: Math.floor(random() * 1e9) });
        // Before the night, from the README's rules: what it may retire if it makes its image, and what is in use.
        const used = inUse(now);
        const before = specsNow(used);
        const tonight: Spec = {
          imageId: 'ami-tonight',
          creationDate: now.toISOString(),
          state: 'available',
          ownerId: LOCAL_ACCOUNT_ID,
          managed: true,
          family: FAMILY,
          keep: false,
          deregistrationProtected: false,
          inUse: false,
        };
        const retired = oracleDeletes([...before, tonight], policy, now, { accountId: LOCAL_ACCOUNT_ID, family: FAMILY });
        const mustKeep = before.filter((s) => s.state === 'available' && !retired.has(s.imageId)).map((s) => s.imageId);

        const result = await run({
          input: input({ retention: policy, publish: { parameter: SOAK_PARAMETER }, distribute: { share: { accounts: [CONSUMER] } } }),
          ...night.options,
        });

        if (result.status === 'SUCCEEDED') succeeded += 1;
        const found = checkRun(emulator(), result, mustKeep, tally);
        for (const id of used) {
          const image = emulator().store.images.get(id);
          if (before.some((s) => s.imageId === id && s.state === 'available') && image?.state !== 'available')
            found.push(`${id}, in use, was ${image ? image.state : 'deregistered'}`);
        }
        // A shared image is made private a night before it is deregistered (EC2 reports a launch a day late): never
        // gone while still shared, nor within a day of being made private. Carried out, whatever the answer said.
        const tonight_ = emulator().requests.slice(firstRequest);
        for (const r of tonight_.filter((r) => r.action === 'ResetImageAttribute' && r.acted))
          if (!madePrivate.has(String(r.params.ImageId))) madePrivate.set(String(r.params.ImageId), now.getTime());
        for (const [id] of sharedBefore)
          if (!emulator().store.images.has(id) && !tonight_.some((r) => r.action === 'DisableImage' && r.params.ImageId === id && r.acted))
            found.push(`${id} was deregistered while still shared`);
        for (const r of tonight_.filter((r) => r.action === 'DeregisterImage' && r.acted)) {
          const since = madePrivate.get(String(r.params.ImageId));
          if (since === undefined) continue;
          if (now.getTime() - since < DAY_MS) found.push(`${String(r.params.ImageId)} was deregistered within a day of being made private`);
          else withdrawn += 1;
        }
        const parameter = emulator().store.parameters.get(SOAK_PARAMETER)?.value;
        if (result.status === 'SUCCEEDED' && emulator().store.images.get(parameter ?? '')?.state !== 'available')
          found.push(`the parameter names ${parameter}, not an available image`);
        if (result.status === 'SUCCEEDED') {
          // Exactly the README's survivors stay available, with tonight's image; an image whose retirement failed
          // (throttled past the retries) is named in the night's prune alert: told, not lost.
          const reported = JSON.stringify(sourcePruneOf(result.output)?.failures ?? []);
          const made = [...emulator().store.images.values()].filter((i) => tagOf(i.tags, TAG.execution) === result.executionArn);
          const expected = [...mustKeep, ...made.map((i) => i.imageId)].sort();
          const available = [...emulator().store.images.values()]
            .filter((i) => i.state === 'available' && !(retired.has(i.imageId) && reported.includes(i.imageId)))
            // Retired over two nights when shared: private first (withdrawn-at), deregistered a day later.
            .filter((i) => !(retired.has(i.imageId) && tagOf(i.tags, TAG.withdrawnAt) !== undefined && i.launchPermissions.length === 0))
            .map((i) => i.imageId)
            .sort();
          if (JSON.stringify(available) !== JSON.stringify(expected))
            found.push(`available ${available.join(', ')}; the README's rules keep ${expected.join(', ')}`);
          const overdue = [...emulator().store.images.values()].filter((i) => {
            const since = tagOf(i.tags, TAG.disabledAt);
            return (
              staged &&
              i.state === 'disabled' &&
              since !== undefined &&
              now.getTime() - Date.parse(since) >= STAGES.disableBeforeDeleteDays * DAY_MS &&
              !used.has(i.imageId) &&
              !reported.includes(i.imageId)
            );
          });
          if (overdue.length > 0) found.push(`disabled past their time and not deleted: ${overdue.map((i) => i.imageId).join(', ')}`);
          const undeprecated = [...emulator().store.images.values()].filter(
            (i) => i.state === 'available' && i.deprecationTime === undefined,
          );
          if (undeprecated.length !== 1)
            found.push(`${undeprecated.length} available images without a deprecation time, not just the newest`);
        }
        problems.push(...found.map((p) => `day ${day} (replay with SOAK_SEED=${SEED}): ${p}`));
      }

      console.log(
        `soak: ${ROTATIONS} nights, ${succeeded} succeeded, ${pinned} pins moved, ${launched} launches by ${CONSUMER}, ${withdrawn} shared images made private, then deregistered a day or more later; images lost ${tally.lost}, duplicates ${tally.duplicates}, orphans ${tally.orphans}`,
      );
      expect(problems).toEqual([]);
      expect(succeeded).toBeGreaterThan(ROTATIONS / 2);
      expect(pinned).toBeGreaterThan(ROTATIONS / 10);
      expect(launched).toBeGreaterThan(ROTATIONS / 10);
      expect(withdrawn).toBeGreaterThan(ROTATIONS / 10);
    }, 300_000);
  });
};
