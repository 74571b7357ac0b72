/** What the distribution reliability files share: the regions, their keys and old copies, and the fault schedules. */

import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { FaultPlan } from '../../emulator/faults.ts';
import type { Ec2Emulator } from '../../emulator/server.ts';
import { localIam } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID, type LocalRunOptions } from '../../local/workflow.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, seedInstance } from '../support/workflow.ts';
import { dieAfter, MANAGED } from './runs.ts';

const KEY_ID = '0d000000-0000-4000-8000-00000000c001';
const KEY = `arn:aws:kms:ap-southeast-2:${LOCAL_ACCOUNT_ID}:key/${KEY_ID}`;
export const REGIONS = ['eu-west-1', 'ap-southeast-2'] as const;
/** Each region keeps its newest 2: with the new copy, its two older copies of three expire when the copy succeeds. */
export const DISTRIBUTE = {
  regions: [
    { region: 'eu-west-1', retention: { keepLast: 2, maxAgeDays: null } },
    { region: 'ap-southeast-2', kmsKeyId: KEY, retention: { keepLast: 2, maxAgeDays: null } },
  ],
};
export const oldCopies = (region: string) =>
  [1, 2, 3].map((n) => `ami-0${region === 'eu-west-1' ? 'e' : 'a'}${String(n).padStart(15, '0')}`);
export const seed = (e: Ec2Emulator) => {
  seedInstance(e);
  for (const region of REGIONS)
    e.seed(
      {
        images: oldCopies(region).map((imageId, n) => ({
          imageId,
          name: `${FAMILY}-old-${n + 1}`,
          creationDate: new Date(Date.now() - (n + 1) * DAY_MS).toISOString(),
          tags: MANAGED,
        })),
        ...(region === 'ap-southeast-2' ? { kmsKeys: [{ keyId: KEY_ID }] } : {}),
      },
      region,
    );
};

export interface Schedule {
  name: string;
  faults?: FaultPlan;
  options?: Partial<LocalRunOptions>;
  expect: 'SUCCEEDED' | 'FAILED' | 'EITHER';
  /** Regions whose copy must fail under this schedule. */
  failing?: string[];
}

export const SCHEDULES: Schedule[] = [
  { name: 'no fault', expect: 'SUCCEEDED' },
  {
    name: 'lost CopyImage responses in every region',
    faults: { rules: [{ actions: ['CopyImage'], code: 'InternalError', when: 'after', times: 2 }] },
    expect: 'SUCCEEDED',
  },
  {
    name: 'throttling: 30% of calls in every region',
    faults: { seed: 7, rules: [{ code: 'RequestLimitExceeded', rate: 0.3 }] },
    expect: 'EITHER',
  },
  { name: 'a region down', faults: { rules: [{ code: 'Unavailable', region: 'eu-west-1' }] }, expect: 'FAILED', failing: ['eu-west-1'] },
  { name: 'the copy Lambda dies after CopyImage', options: { interceptInvoke: dieAfter('copy-image') }, expect: 'SUCCEEDED' },
  { name: 'a disabled key', faults: { disabledKeys: [KEY] }, expect: 'FAILED', failing: ['ap-southeast-2'] },
  {
    name: 'a copy that fails in one region',
    faults: { imageFates: [{ nameContains: FAMILY, fate: 'failed', region: 'eu-west-1' }] },
    expect: 'FAILED',
    failing: ['eu-west-1'],
  },
];

export const tagsOf = (i: { tags: { key: string; value: string }[] }) => Object.fromEntries(i.tags.map((t) => [t.key, t.value]));

/**
 * The emulator of a distribution file, with the stack's roles as the stage deploys them with DISTRIBUTE, and the
 * deployment's setting for the functions while the file runs.
 */
export const useDistributionEmulator = () => {
  const emulator = useEmulator({ iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { distribute: JSON.stringify(DISTRIBUTE) }) });
  beforeAll(() => {
    process.env.ROTATOR_DISTRIBUTE = JSON.stringify(DISTRIBUTE);
  });
  beforeEach(() => {
    process.env.ROTATOR_LOG_LEVEL = 'silent';
  });
  afterAll(() => {
    delete process.env.ROTATOR_DISTRIBUTE;
  });
  return emulator;
};
