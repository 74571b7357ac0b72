/**
 * The boot test under faults: whatever EC2 and Lambda do, no test instance outlives its execution, an
 * image is published only if it booted, and a failed boot prunes nothing.
 */
import { describe, expect, it } from 'vitest';
import { type FaultPlan, seededRandom } from '../../emulator/faults.ts';
import { type LocalRunOptions, runRotationLocally } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const PARAMETER = '/golden/web-prod/latest';
const dieAfterFirst = (fn: string): NonNullable<LocalRunOptions['interceptInvoke']> => {
  let died = false;
  return async (name, invoke) => {
    const result = await invoke();
    if (name === fn && !died) {
      died = true;
      throw Object.assign(new Error('Task timed out after 60.00 seconds'), { name: 'Sandbox.Timedout' });
    }
    return result;
  };
};

/** Each fault, and whether the image boots (so whether the run may publish). */
const MENU: { name: string; faults?: FaultPlan; options?: Partial<LocalRunOptions>; boots: boolean }[] = [
  { name: 'nothing wrong', boots: true },
  { name: 'impaired', faults: { bootFates: [{ imageNameContains: FAMILY, fate: 'impaired' }] }, boots: false },
  { name: 'never settles', faults: { bootFates: [{ imageNameContains: FAMILY, fate: 'never' }] }, boots: false },
  {
    name: 'no capacity for the first type',
    faults: { rules: [{ actions: ['RunInstances'], params: { InstanceType: 't3.micro' }, code: 'InsufficientInstanceCapacity' }] },
    boots: true,
  },
  {
    name: 'the launch answer lost',
    faults: { rules: [{ actions: ['RunInstances'], code: 'InternalError', when: 'after', times: 1 }] },
    boots: true,
  },
  {
    name: 'the terminate answer lost',
    faults: { rules: [{ actions: ['TerminateInstances'], code: 'InternalError', when: 'after', times: 1 }] },
    boots: true,
  },
  { name: 'throttling on 20% of calls', faults: { rules: [{ code: 'RequestLimitExceeded', rate: 0.2 }] }, boots: true },
  { name: 'the boot test Lambda dies after launching', options: { interceptInvoke: dieAfterFirst('boot-test') }, boots: true },
  {
    name: 'DescribeInstanceStatus refused',
    faults: { rules: [{ actions: ['DescribeInstanceStatus'], code: 'UnauthorizedOperation' }] },
    boots: false,
  },
];

describe('boot test under faults', () => {
  it('never leaves a test instance running, publishes only an image that booted, and prunes nothing after a failure', async () => {
    const random = seededRandom(Number(process.env.SOAK_SEED ?? 2026));
    const problems: string[] = [];
    // Each fault of the menu twice, each time with its own seed: every fault is met, in fewer runs than picking at random.
    for (let run = 0; run < 2 * MENU.length; run += 1) {
      emulator().reset();
      seedInstance(emulator());
      const old = { [TAG.managed]: 'true', [TAG.family]: FAMILY };
      emulator().seed({
        images: [
          {
            imageId: 'ami-0aaaaaaaaaaaaaaa1',
            name: 'web-prod-old',
            creationDate: '2026-01-01T02:00:00.000Z',
            tags: old,
            snapshotTags: old,
          },
        ],
      });
      const pick = MENU[run % MENU.length];
      if (!pick) continue;
      emulator().injectFaults({ ...pick.faults, seed: Math.floor(random() * 1e9) });

      const result = await runRotationLocally({
        input: input({
          bootTest: { instanceTypes: ['t3.micro', 't3a.micro'], subnetIds: ['subnet-0123456789abcdef0'], timeoutMinutes: 5 },
          publish: { parameter: PARAMETER },
          retention: { keepLast: 1, maxAgeDays: 1, minKeep: 1 },
        }),
        ...pick.options,
      });

      const where = `run ${run} (${pick.name}, ${result.status} ${result.error ?? ''})`;
      const live = [...emulator().store.instances.values()].filter(
        (i) => i.tags.some((t) => t.key === TAG.bootTest) && i.state !== 'terminated',
      );
      if (live.length > 0) problems.push(`${where}: test instance(s) left running: ${live.map((i) => i.instanceId).join(', ')}`);
      const published = emulator().store.parameters.get(PARAMETER)?.value;
      if (result.status === 'SUCCEEDED' && !pick.boots) problems.push(`${where}: an image that does not boot succeeded`);
      if (result.status !== 'SUCCEEDED') {
        if (published !== undefined) problems.push(`${where}: published ${published} though the rotation failed`);
        if (!emulator().store.images.has('ami-0aaaaaaaaaaaaaaa1')) problems.push(`${where}: pruned after a failed rotation`);
        if (result.alerts.length !== 1) problems.push(`${where}: ${result.alerts.length} alerts, not 1`);
      }
      if (pick.boots && pick.name !== 'throttling on 20% of calls' && result.status !== 'SUCCEEDED')
        problems.push(`${where}: an image that boots did not rotate`);
    }

    expect(problems).toEqual([]);
  }, 300_000);
});
