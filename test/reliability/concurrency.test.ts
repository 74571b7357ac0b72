import { describe, expect, it } from 'vitest';
import { localStepFunctions, runRotationLocally } from '../../local/workflow.ts';
import { autoScalingClient } from '../../src/aws/auto-scaling-client.ts';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { readConfig } from '../../src/config.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { pruneImages } from '../../src/retention/step.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, INSTANCE, input, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const managed = { [TAG.managed]: 'true', [TAG.family]: FAMILY };

/** An execution of the local state machine, running since a minute ago with this input; returns its ARN. */
const runningElsewhere = async (name: string, executionInput: unknown): Promise<string> => {
  const endpoint = await localStepFunctions();
  const arn = `arn:aws:states:us-east-1:123456789012:execution:ami-rotator-local:${name}`;
  endpoint.executions.set(arn, {
    executionArn: arn,
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-local',
    name,
    status: 'RUNNING',
    startDate: new Date(Date.now() - 60_000),
    input: JSON.stringify(executionInput),
  });
  return arn;
};
const stopRunningElsewhere = async (arn: string) => (await localStepFunctions()).executions.delete(arn);

describe('two rotations of one family at once (the nightly run and a manual one)', () => {
  it('lets exactly one create an image; the other stops with RotationInProgress and one alert', async () => {
    seedInstance(emulator());
    emulator().options.pendingPolls = 3;

    const [nightly, manual] = await Promise.all([
      runRotationLocally({ input: input(), executionName: 'nightly' }),
      runRotationLocally({ input: input(), executionName: 'manual' }),
    ]);
    emulator().options.pendingPolls = 1;

    const statuses = [nightly.status, manual.status].sort();
    expect(statuses).toEqual(['FAILED', 'SUCCEEDED']);
    const loser = nightly.status === 'FAILED' ? nightly : manual;
    expect(loser.error).toBe('RotationInProgress');
    expect(loser.alerts).toHaveLength(1);
    expect(emulator().requests.filter((r) => r.action === 'CreateImage')).toHaveLength(1);
  });

  it('ends a start with onConflict "skip" successfully, with nothing made and no alert, when the family is being rotated', async () => {
    seedInstance(emulator());
    const other = await runningElsewhere('nightly-running', input());
    try {
      const [skipped, failed] = [
        await runRotationLocally({ input: input({ onConflict: 'skip' }) }),
        await runRotationLocally({ input: input() }),
      ];

      expect(skipped.status).toBe('SUCCEEDED');
      expect(skipped.events.some((e) => e.type === 'StateEntered' && e.state.name === 'RotationSkipped')).toBe(true);
      expect(skipped.output).toMatchObject({
        failed: { CreateImage: { Error: 'RotationInProgress', Cause: expect.stringContaining('nightly-running') } },
      });
      expect(skipped.alerts).toEqual([]);
      expect(skipped.busEvents).toEqual([]);
      expect(failed).toMatchObject({ status: 'FAILED', error: 'RotationInProgress', alerts: [expect.anything()] });
      expect(emulator().requests.filter((r) => r.action === 'CreateImage')).toHaveLength(0);
    } finally {
      await stopRunningElsewhere(other);
    }
  });

  it.each([
    ['a dry run', { dryRun: true }],
    ['an execution whose input will fail validation', { retention: { keepLast: -1 } }],
  ])('is never blocked by %s of the same family running at the same time', async (_what, extra) => {
    seedInstance(emulator());
    const other = await runningElsewhere('earlier', input(extra));
    try {
      const run = await runRotationLocally({ input: input() });

      expect(run.status).toBe('SUCCEEDED');
      expect(emulator().requests.filter((r) => r.action === 'CreateImage')).toHaveLength(1);
    } finally {
      await stopRunningElsewhere(other);
    }
  });

  it('does not stop a rotation of another family', async () => {
    seedInstance(emulator());
    const dbInstance = 'i-0a1b2c3d4e5f60009';
    emulator().seed({ instances: [{ instanceId: dbInstance, tags: { [TAG.family]: 'db-prod' } }] });

    const [web, db] = await Promise.all([
      runRotationLocally({ input: input() }),
      runRotationLocally({ input: input({ family: 'db-prod', instanceId: dbInstance }) }),
    ]);

    expect([web.status, db.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(emulator().store.images.size).toBe(2);
  });

  it('never prunes more than the policy allows when two prunes overlap', async () => {
    emulator().seed({
      images: Array.from({ length: 10 }, (_, n) => ({
        name: `web-prod-old-${n}`,
        creationDate: new Date(Date.now() - (n + 1) * DAY_MS).toISOString(),
        tags: managed,
      })),
    });
    const request = parseRotationRequest(
      { family: FAMILY, instanceId: INSTANCE, retention: { keepLast: 4, maxAgeDays: 1, minKeep: 2 } },
      readConfig({}),
    );
    const prune = (name: string) =>
      pruneImages(
        { ec2: ec2Client(), autoScaling: autoScalingClient() },
        {
          request,
          execution: { id: `arn:aws:states:us-east-1:123456789012:execution:rotate:${name}`, name, startTime: new Date().toISOString() },
        },
        () => 900_000,
      );

    const [one, two] = await Promise.all([prune('nightly'), prune('manual')]);

    expect([...emulator().store.images.values()]).toHaveLength(4);
    expect(one.failures).toEqual([]);
    expect(two.failures).toEqual([]);
  });
});
