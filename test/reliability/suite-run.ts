/**
 * The reliability suite: the real workflow (state machine file, handlers, EC2 emulator) under fault
 * schedules and bad inputs, with invariants checked after every run (the 60-night soak is `soak.test.ts`); suite.test.ts and suite-second.test.ts each run a half.
 * `npm run test:reliability`; the last line is a summary a person and a script can read.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FaultPlan } from '../../emulator/faults.ts';
import type { Ec2Emulator } from '../../emulator/server.ts';
import { type LocalRunOptions, runRotationLocally } from '../../local/workflow.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { roleClientsFor, useEmulator } from '../support/emulator.ts';
import { FAMILY, INSTANCE, input, seedInstance } from '../support/workflow.ts';
import { checkRun, emptyTally } from './invariants.ts';
import { dieAfter, MANAGED as managed, RETENTION } from './runs.ts';

let emulator: () => Ec2Emulator;
const tally = emptyTally();
const counts = { schedules: 0, survived: 0, badInputs: 0, rejected: 0, rotations: 0 };
/** Every run hands its handlers clients of its own: the standard mode and 3 attempts, so faults reach the state machine's retries. */
const run = (options: LocalRunOptions) =>
  runRotationLocally({ clients: roleClientsFor(emulator(), { AWS_RETRY_MODE: 'standard', AWS_MAX_ATTEMPTS: '3' }), ...options });

/** A family history: ten nightly images, one kept by tag, one in use by a launch template. */
const seedHistory = () => {
  seedInstance(emulator());
  const id = (n: number) => `ami-0f${n.toString(16).padStart(15, '0')}`;
  emulator().seed({
    images: [
      ...Array.from({ length: 10 }, (_, n) => ({
        imageId: id(n + 1),
        name: `web-prod-old-${n + 1}`,
        creationDate: new Date(Date.now() - (n + 1) * DAY_MS).toISOString(),
        tags: managed,
        snapshotTags: managed,
      })),
      {
        imageId: id(20),
        name: 'web-prod-kept',
        creationDate: new Date(Date.now() - 20 * DAY_MS).toISOString(),
        tags: { ...managed, [TAG.keep]: 'true' },
      },
      { imageId: id(30), name: 'web-prod-in-use', creationDate: new Date(Date.now() - 30 * DAY_MS).toISOString(), tags: managed },
    ],
    launchTemplates: [{ name: 'web', versions: [{ imageId: id(30) }] }],
  });
  // Whatever happens, these stay: kept by tag, in use, and the two newest (within the newest three with the new one).
  return [id(20), id(30), id(1), id(2)];
};

/** Opts the history's launch template in to the family, so the family may publish to it. */
const tagTemplate = () => {
  for (const t of emulator().store.launchTemplates.values()) t.tags.push({ key: TAG.family, value: FAMILY });
};

interface Schedule {
  name: string;
  faults?: FaultPlan;
  options?: Partial<LocalRunOptions>;
  expect: 'SUCCEEDED' | 'FAILED' | 'EITHER';
  /** The alerts' subjects, when the schedule decides them. */
  alerts?: string[];
  arrange?: () => void;
}

/** Prepare's schedules: the instance managed by Systems Manager, patch and clean asked for. */
function prepareSchedules(): Schedule[] {
  const managedInstance = () => {
    emulator().store.instance(INSTANCE).instanceProfile = 'golden-ssm';
  };
  const prepared = { input: input({ retention: RETENTION, prepare: { documents: ['patch', 'clean'] } }) };
  const ssm = ['DescribeInstanceInformation', 'SendCommand', 'GetCommandInvocation'];
  return [
    {
      name: 'prepare with Systems Manager throttling 30% of its calls',
      arrange: managedInstance,
      options: prepared,
      faults: { seed: 31, rules: [{ actions: ssm, code: 'ThrottlingException', rate: 0.3 }] },
      expect: 'SUCCEEDED',
      alerts: [],
    },
    {
      name: 'prepare with the answers to GetCommandInvocation lost twice',
      arrange: managedInstance,
      options: prepared,
      faults: { rules: [{ actions: ['GetCommandInvocation'], code: 'InternalServerError', when: 'after', times: 2 }] },
      expect: 'SUCCEEDED',
      alerts: [],
    },
    {
      name: 'prepare with a patch that reboots the instance: imaged once its status checks pass',
      arrange: managedInstance,
      options: prepared,
      faults: { commandOutcomes: [{ documentName: 'AWS-RunPatchBaseline', status: 'Success', reboots: true }] },
      expect: 'SUCCEEDED',
      alerts: [],
    },
    {
      name: 'prepare with a command stuck InProgress: PrepareTimedOut, no image',
      arrange: managedInstance,
      options: prepared,
      faults: { commandOutcomes: [{ documentName: 'AWS-RunPatchBaseline', status: 'InProgress' }] },
      expect: 'FAILED',
      alerts: ['ami-rotator: web-prod failed at CheckPreparing: PrepareTimedOut'],
    },
    {
      name: 'prepare whose clean-up fails after the patch: PrepareFailed, no image',
      arrange: managedInstance,
      options: prepared,
      faults: { commandOutcomes: [{ documentName: 'ami-rotator-local-clean-up', status: 'Failed', output: 'rm: cannot remove' }] },
      expect: 'FAILED',
      alerts: ['ami-rotator: web-prod failed at CheckPreparing: PrepareFailed'],
    },
  ];
}

const SCHEDULES: Schedule[] = [
  { name: 'throttling on 10% of calls', faults: { seed: 10, rules: [{ code: 'RequestLimitExceeded', rate: 0.1 }] }, expect: 'SUCCEEDED' },
  { name: 'throttling on 30% of calls', faults: { seed: 30, rules: [{ code: 'RequestLimitExceeded', rate: 0.3 }] }, expect: 'SUCCEEDED' },
  { name: 'throttling on 60% of calls', faults: { seed: 60, rules: [{ code: 'RequestLimitExceeded', rate: 0.6 }] }, expect: 'EITHER' },
  { name: 'InternalError on 20% of calls', faults: { seed: 20, rules: [{ code: 'InternalError', rate: 0.2 }] }, expect: 'SUCCEEDED' },
  { name: '40 ms of latency on every call', faults: { latencyMs: 40 }, expect: 'SUCCEEDED' },
  { name: 'an image stuck pending past the wait cap', faults: { imageFates: [{ nameContains: FAMILY, fate: 'stuck' }] }, expect: 'FAILED' },
  { name: 'an image that fails', faults: { imageFates: [{ nameContains: FAMILY, fate: 'failed' }] }, expect: 'FAILED' },
  {
    name: 'the instance terminated between validation and creation',
    options: {
      interceptInvoke: async (fn, invoke) => {
        if (fn === 'create-image') emulator().store.instance(INSTANCE).state = 'terminated';
        return invoke();
      },
    },
    expect: 'FAILED',
  },
  {
    name: 'the instance terminated while its image is pending',
    options: {
      interceptInvoke: async (fn, invoke) => {
        const r = await invoke();
        if (fn === 'create-image') emulator().store.instance(INSTANCE).state = 'terminated';
        return r;
      },
    },
    expect: 'SUCCEEDED',
  },
  {
    name: 'an expired snapshot still in use by another image',
    arrange: () => {
      const shared = emulator().store.image('ami-0f000000000000009').blockDevices[0]?.snapshotId ?? '';
      emulator().seed({ images: [{ name: 'someone-elses', creationDate: new Date().toISOString(), snapshotIds: [shared] }] });
    },
    expect: 'SUCCEEDED',
  },
  {
    name: 'the create Lambda dies after EC2 accepted CreateImage',
    options: { interceptInvoke: dieAfter('create-image') },
    expect: 'SUCCEEDED',
  },
  {
    name: 'the prune Lambda dies after EC2 accepted DeregisterImage',
    options: { interceptInvoke: dieAfter('prune-images') },
    expect: 'SUCCEEDED',
  },
  {
    name: 'DeregisterImage responses lost after EC2 acted',
    faults: { rules: [{ actions: ['DeregisterImage'], code: 'InternalError', when: 'after', rate: 0.5 }], seed: 5 },
    expect: 'SUCCEEDED',
  },
  {
    name: 'DescribeImages down for four calls while waiting',
    faults: { rules: [{ actions: ['DescribeImages'], code: 'InternalError', times: 4 }] },
    expect: 'SUCCEEDED',
  },
  {
    name: 'DescribeImageReferences throttled three times: retried, never taken as an answer',
    faults: { rules: [{ actions: ['DescribeImageReferences'], code: 'RequestLimitExceeded', times: 3 }] },
    expect: 'SUCCEEDED',
    alerts: [],
  },
  {
    name: 'DescribeImageReferences denied: every expired image kept, one alert says pruning is held back',
    faults: { rules: [{ actions: ['DescribeImageReferences'], code: 'UnauthorizedOperation' }] },
    expect: 'SUCCEEDED',
    alerts: ['ami-rotator: web-prod rotated, 1 item(s) not pruned'],
  },
  {
    name: 'Auto Scaling denied: every expired image kept, one alert says pruning is held back',
    faults: { rules: [{ actions: ['DescribeAutoScalingGroups'], code: 'AccessDenied' }] },
    expect: 'SUCCEEDED',
    alerts: ['ami-rotator: web-prod rotated, 1 item(s) not pruned'],
  },
  {
    name: 'the prune fails for good after a good image: succeeded, one alert, the image kept',
    options: {
      interceptInvoke: async (fn, invoke) => {
        if (fn === 'prune-images') throw Object.assign(new Error('denied'), { name: 'Ec2AccessDenied' });
        return invoke();
      },
    },
    expect: 'SUCCEEDED',
    alerts: ['ami-rotator: web-prod rotated, prune failed'],
  },
  {
    name: 'the clean-up DeregisterImage response lost after EC2 acted',
    faults: {
      imageFates: [{ nameContains: FAMILY, fate: 'failed' }],
      rules: [{ actions: ['DeregisterImage'], code: 'InternalError', when: 'after', times: 1 }],
    },
    expect: 'FAILED',
    alerts: ['ami-rotator: web-prod failed at CheckImage: ImageCreationFailed'],
  },
  {
    name: 'publishing with the first answer of every publishing call lost: one template version, the parameter set',
    options: {
      input: input({
        retention: RETENTION,
        publish: { parameter: '/golden/web-prod/latest', launchTemplates: [{ name: 'web', setDefault: true }] },
      }),
    },
    faults: {
      rules: ['PutParameter', 'CreateLaunchTemplateVersion', 'ModifyLaunchTemplate'].map((action) => ({
        actions: [action],
        code: 'InternalServerError',
        when: 'after' as const,
        times: 1,
      })),
    },
    arrange: () => tagTemplate(),
    expect: 'SUCCEEDED',
    alerts: [],
  },
  {
    name: 'SSM drops the parameter write: PublishNotConfirmed, one alert, nothing pruned',
    options: { input: input({ retention: RETENTION, publish: { parameter: '/golden/web-prod/latest' } }) },
    faults: { dropParameterWrites: 1 },
    expect: 'FAILED',
    alerts: ['ami-rotator: web-prod failed at ConfirmPublish: PublishNotConfirmed'],
  },
  {
    name: 'TagImage fails for good: the image is cleaned up by its tag',
    options: {
      interceptInvoke: async (fn, invoke) => {
        const result = await invoke();
        if (fn === 'tag-image') throw Object.assign(new Error('denied'), { name: 'Ec2AccessDenied' });
        return result;
      },
    },
    expect: 'FAILED',
    alerts: ['ami-rotator: web-prod failed at TagImage: Ec2AccessDenied'],
  },
  // Prepare under Run Command faults: a managed instance, patched and cleaned before it is imaged.
  ...prepareSchedules(),
];

/**
 * One half of the suite: the fault schedules of even (0) or odd (1) index, and in the second half the bad inputs and
 * the nights of unreadable usage. Two files (suite.test.ts, suite-second.test.ts) run the halves side by side: the
 * longest file of `npm test` is half as long.
 */
export const describeSuite = (half: 0 | 1) => {
  emulator = useEmulator();
  beforeEach(() => {
    process.env.ROTATOR_LOG_LEVEL = 'silent';
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(() => {
    console.log(
      `reliability (half ${half}): fault schedules ${counts.survived}/${counts.schedules} survived, bad inputs ${counts.rejected}/${counts.badInputs} rejected, rotations ${counts.rotations}, images lost ${tally.lost}, duplicates ${tally.duplicates}, orphans ${tally.orphans}`,
    );
  });
  describe('fault schedules', () => {
    it.each(SCHEDULES.filter((_, n) => n % 2 === half).map((s) => [s.name, s] as const))(
      '%s: ends in a known state with every invariant kept',
      async (_name, schedule) => {
        counts.schedules += 1;
        const mustKeep = seedHistory();
        schedule.arrange?.();
        if (schedule.faults) emulator().injectFaults(schedule.faults);

        const result = await run({ input: input({ retention: RETENTION }), ...schedule.options });

        const problems = checkRun(emulator(), result, mustKeep, tally);
        expect(problems).toEqual([]);
        // The instance is never left stopped, and a rotation whose prepare failed made no image.
        expect(emulator().store.instance(INSTANCE).state).not.toBe('stopped');
        if (result.status === 'FAILED' && /failed at (Start|Check)Preparing/.test(result.alerts[0]?.subject ?? ''))
          expect(emulator().requests.filter((r) => r.action === 'CreateImage')).toEqual([]);
        if (schedule.expect !== 'EITHER') expect(result.status).toBe(schedule.expect);
        if (schedule.alerts !== undefined) expect(result.alerts.map((a) => a.subject)).toEqual(schedule.alerts);
        counts.survived += 1;
      },
    );
  });

  const BAD_INPUTS: [string, unknown, string][] = [
    ['a number as the input', 42, 'input'],
    ['an array as the input', [{ family: FAMILY }], 'input'],
    ['a family that is a number', { family: 7, instanceId: INSTANCE }, 'family'],
    ['an empty family', { family: '', instanceId: INSTANCE }, 'family'],
    ['a family with a space', { family: 'web prod', instanceId: INSTANCE }, 'family'],
    ['a family with characters EC2 names refuse', { family: 'web*prod', instanceId: INSTANCE }, 'family'],
    ['a family of 64 characters', { family: 'w'.repeat(64), instanceId: INSTANCE }, 'family'],
    ['a family starting with a dash', { family: '-web', instanceId: INSTANCE }, 'family'],
    ['an instance id without the prefix', { family: FAMILY, instanceId: '0a1b2c3d4e5f60001' }, 'instanceId'],
    ['a short instance id', { family: FAMILY, instanceId: 'i-123' }, 'instanceId'],
    ['an instance id in capitals', { family: FAMILY, instanceId: 'i-0A1B2C3D4E5F60001' }, 'instanceId'],
    ['an image id as the instance', { family: FAMILY, instanceId: 'ami-0a1b2c3d4e5f60001' }, 'instanceId'],
    ['noReboot as a string', { ...input(), noReboot: 'yes' }, 'noReboot'],
    ['dryRun as a number', { ...input(), dryRun: 1 }, 'dryRun'],
    ['a negative keepLast', { ...input(), retention: { keepLast: -1 } }, 'retention.keepLast'],
    ['a zero keepLast', { ...input(), retention: { keepLast: 0 } }, 'retention.keepLast'],
    ['an absurd keepLast', { ...input(), retention: { keepLast: 1_000_000 } }, 'retention.keepLast'],
    ['a fractional maxAgeDays', { ...input(), retention: { maxAgeDays: 1.5 } }, 'retention.maxAgeDays'],
    ['a zero minKeep', { ...input(), retention: { minKeep: 0 } }, 'retention.minKeep'],
    ['keepLast as a string', { ...input(), retention: { keepLast: '7' } }, 'retention.keepLast'],
    ['an unknown retention field', { ...input(), retention: { keepFirst: 3 } }, 'retention.keepFirst'],
    ['an unknown top-level field', { ...input(), keeplast: 3 }, 'keeplast'],
    ['a description with a control character', { ...input(), description: 'golden\u0007image' }, 'description'],
    ['a description of 256 characters', { ...input(), description: 'd'.repeat(256) }, 'description'],
    ['a tag value with a newline', { ...input(), tags: { team: 'web\nops' } }, 'tags.team'],
    ['a tag key in the aws: namespace', { ...input(), tags: { 'aws:owner': 'me' } }, 'tags.aws:owner'],
    ['a tag value of 257 characters', { ...input(), tags: { team: 't'.repeat(257) } }, 'tags.team'],
    ['tags as an array', { ...input(), tags: ['team=web'] }, 'tags'],
    ['an oversized payload', { ...input(), description: 'x'.repeat(40_000) }, 'input'],
  ];

  if (half === 0) return;
  describe('bad input', () => {
    it.each(BAD_INPUTS)('rejects %s with InvalidInput naming the field, and no EC2 call', async (_what, badInput, field) => {
      counts.badInputs += 1;
      seedInstance(emulator());

      const result = await run({ input: badInput });

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('InvalidInput');
      expect(result.cause).toContain(`${field}:`);
      expect(result.alerts).toHaveLength(1);
      expect(emulator().requests).toEqual([]);
      counts.rejected += 1;
    });
  });

  describe('usage that stays unreadable', () => {
    it('holds pruning back night after night, with one alert each night saying why, and never deletes', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const start = Date.parse('2027-03-01T02:00:00Z');
      vi.setSystemTime(start);
      seedHistory();
      const nights = [];
      for (let night = 0; night < 5; night += 1) {
        vi.setSystemTime(start + night * DAY_MS);
        emulator().injectFaults({ rules: [{ actions: ['DescribeAutoScalingGroups'], code: 'AccessDenied' }] });
        nights.push(await run({ input: input({ retention: RETENTION }) }));
      }

      expect(nights.map((n) => n.status)).toEqual(Array(5).fill('SUCCEEDED'));
      expect(nights.map((n) => n.alerts.length)).toEqual(Array(5).fill(1));
      for (const n of nights)
        expect(n.alerts[0]?.message).toMatch(
          /expired image\(s\): kept: usage could not be established .*AccessDenied.*pruning is held back/,
        );
      expect(emulator().requests.filter((r) => r.action === 'DeregisterImage')).toEqual([]);
    });
  });
};
