import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalExecution } from '../../local/sfn-endpoint.ts';
import { localStepFunctions, runRotationLocally } from '../../local/workflow.ts';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { sfnClient } from '../../src/aws/sfn-client.ts';
import { UsageError } from '../../src/cli/flags.ts';
import { runHistoryCommand } from '../../src/cli/history-command.ts';
import { runRunCommand } from '../../src/cli/run-command.ts';
import { readStageSettings } from '../../src/cli/stage-settings.ts';
import type { StageStatus } from '../../src/cli/status.ts';
import { runStatusCommand } from '../../src/cli/status-command.ts';
import { serviceClientFor, useEmulator } from '../support/emulator.ts';
import { FAMILY, INSTANCE, nextSecond, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-local';
const EXECUTIONS = MACHINE.replace(':stateMachine:', ':execution:');
beforeAll(async () => {
  (await localStepFunctions()).serve(MACHINE, (execution: LocalExecution) => {
    void runRotationLocally({ input: JSON.parse(execution.input), executionName: execution.name });
  });
});
afterAll(async () => {
  (await localStepFunctions()).serve(MACHINE, () => undefined);
});

const clients = () => ({
  lambda: serviceClientFor(LambdaClient, emulator().url),
  sfn: sfnClient(),
  ec2: ec2Client(),
  scheduler: serviceClientFor(SchedulerClient, emulator().url),
  cloudWatch: serviceClientFor(CloudWatchClient, emulator().url),
});
/** Runs a rotation as an operator does, following it to its end. Execution names are to the second: one a second. */
const rotate = async (args: string[]) => {
  await nextSecond();
  const lines: string[] = [];
  const code = await runRunCommand(['--stage', 'local', '--poll-seconds', '1', ...args], sfnClient(), {}, { print: (l) => lines.push(l) });
  const executionArn = lines[0]?.replace(/^started /, '') ?? '';
  return { code, ...(await localStepFunctions()).executions.get(executionArn) };
};
const history = async (args: string[]) =>
  JSON.parse(await runHistoryCommand(['--stage', 'local', '--json', ...args], clients())) as {
    rotations: Record<string, unknown>[];
  };
const status = async (args: string[], now?: Date) =>
  JSON.parse(await runStatusCommand(['--stage', 'local', '--json', ...args], clients(), now ? { now: () => now } : {})) as StageStatus;

/** The stage as deployed: its ValidateInput function, whose environment holds its settings (no default family here). */
const deployedStage = () => emulator().seed({ functions: [{ name: 'ami-rotator-local-validateInput', environment: {} }] });

/** An image an execution Step Functions no longer keeps made: its tags are all that is left of that rotation. */
const oldImage = (daysAgo: number, family = FAMILY) => {
  const created = new Date(Date.now() - daysAgo * 86_400_000);
  return {
    name: `${family}-old-${daysAgo}`,
    creationDate: created.toISOString(),
    tags: {
      'ami-rotator:managed': 'true',
      'ami-rotator:family': family,
      'ami-rotator:execution': `${EXECUTIONS}:nightly-${daysAgo}`,
      'ami-rotator:created-at': created.toISOString(),
      'ami-rotator:completed-at': new Date(created.getTime() + 900_000).toISOString(),
      'ami-rotator:status': 'available',
    },
  };
};

describe('ami-rotator history', () => {
  it('lists a rotation that run started, with its image and prune, and older ones from their images tags, labelled', async () => {
    seedInstance(emulator());
    emulator().seed({ images: [oldImage(120)] });
    const execution = await rotate(['--family', FAMILY, '--instance', INSTANCE]);
    const image = (JSON.parse(execution.output ?? '{}') as { image: { imageId: string } }).image;

    const recent = await history(['--family', FAMILY]);
    const longer = await history(['--family', FAMILY, '--since', '200d']);
    const seen: [number, number][] = [];
    const text = await runHistoryCommand(['--stage', 'local', '--since', '200d'], clients(), {
      progress: (described, listed) => seen.push([described, listed]),
    });

    expect(execution.code).toBe(0);
    expect(recent.rotations).toEqual([
      expect.objectContaining({
        source: 'step-functions',
        status: 'SUCCEEDED',
        imageId: image.imageId,
        pruned: 0,
        execution: execution.name,
      }),
    ]);
    expect(longer.rotations.map((r) => [r.source, r.status, r.execution])).toEqual([
      ['step-functions', 'SUCCEEDED', execution.name],
      ['image-tags', 'image available', 'nightly-120'],
    ]);
    expect(longer.rotations[1]).toMatchObject({ durationSeconds: 900, family: FAMILY });
    expect(longer.rotations[1]).not.toHaveProperty('pruned');
    expect(text).toMatch(/^STARTED \(UTC\)\s+FAMILY\s+STATUS\s+TOOK\s+IMAGE\s+PRUNED\s+FAILED AT\s+SOURCE$/m);
    expect(text).toContain('2 rotation(s) since');
    expect(text).toContain("1 from Step Functions (it keeps executions 90 days), 1 from their images' tags");
    // The rotations' executions, not the image workflow's children they started.
    const executions = [...(await localStepFunctions()).executions.values()].filter((e) =>
      e.stateMachineArn.endsWith(':ami-rotator-local'),
    ).length;
    expect(seen.at(-1)).toEqual([executions, executions]);
    expect(seen.map(([described]) => described)).toEqual([...seen.map(([described]) => described)].sort((a, b) => a - b));
  });

  it("files a run started with {} under the stage's default family, as the stage's settings name it, and its failure in status", async () => {
    // The stage's settings, as deployed (its ValidateInput function's environment) and as its functions here read them.
    const settings = { ROTATOR_DEFAULT_FAMILY: FAMILY, ROTATOR_DEFAULT_INSTANCE_ID: INSTANCE };
    emulator().seed({ functions: [{ name: 'ami-rotator-local-validateInput', environment: settings }] });
    Object.assign(process.env, settings);
    seedInstance(emulator(), { tags: {} });
    await nextSecond();
    const lines: string[] = [];
    const code = await runRunCommand(
      ['--stage', 'local', '--poll-seconds', '1', '--input', '{}'],
      sfnClient(),
      {},
      {
        print: (l) => lines.push(l),
        stageSettings: (stage) => readStageSettings(serviceClientFor(LambdaClient, emulator().url), stage),
      },
    ).finally(() => {
      delete process.env.ROTATOR_DEFAULT_FAMILY;
      delete process.env.ROTATOR_DEFAULT_INSTANCE_ID;
    });
    const name = lines[0]?.replace(/^started .*:/, '');

    const rows = (await history([])).rotations;
    const shown = await status(['--family', FAMILY]);
    const unnamed = JSON.parse(
      await runHistoryCommand(['--state-machine-arn', MACHINE, '--json'], { sfn: sfnClient(), ec2: ec2Client() }),
    ) as { rotations: Record<string, unknown>[] };

    expect(code).toBe(1);
    expect(rows.find((r) => r.execution === name)).toMatchObject({ family: FAMILY, status: 'FAILED', error: 'InstanceNotOptedIn' });
    expect(shown.families[0]?.lastFailure).toMatchObject({ execution: name, error: 'InstanceNotOptedIn', failedStep: 'CreateImage' });
    // Without a stage to read (an ARN names none), the run is the default family's, unnamed.
    expect(unnamed.rotations.find((r) => r.execution === name)?.family).toBe('(default family)');
  });

  it('shows a failed rotation with the step it stopped at and its error, and only the family asked for', async () => {
    seedInstance(emulator(), { tags: {} });
    const { code } = await rotate(['--family', 'db-prod', '--instance', INSTANCE]);

    const failed = (await history(['--family', 'db-prod'])).rotations;
    const other = (await history(['--family', 'no-such-family'])).rotations;

    expect(code).toBe(1);
    expect(failed[0]).toMatchObject({ status: 'FAILED', failedStep: 'CreateImage', error: 'InstanceNotOptedIn', family: 'db-prod' });
    expect(other).toEqual([]);
  });

  it.each([
    { args: ['--since', '30 days'], message: '--since: expected a span such as 36h, 30d or 8w' },
    { args: ['--since', '2999-01-01'], message: '--since: expected' },
    { args: ['--family', 'web prod!'], message: '--family: expected 1 to 63 letters' },
    { args: ['--verbose'], message: "Unknown option '--verbose'" },
  ])('refuses $args before any call', async ({ args, message }) => {
    const refused = await runHistoryCommand(args, clients()).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toContain(message);
    expect(emulator().requests).toEqual([]);
  });
});

describe('ami-rotator status', () => {
  it('refuses a family with nothing here that is one typo from one that has images, naming it', async () => {
    emulator().seed({ images: [{ ...oldImage(3, 'cache-prod'), imageId: 'ami-0cac000000000c001' }] });

    await expect(status(['--family', 'cache-prd'])).rejects.toThrow(
      /^--family cache-prd: nothing of this family here; did you mean cache-prod\?/,
    );
    expect((await status(['--family', 'cache-prod'])).families.map((f) => f.images)).toEqual([1]);
  });

  const schedule = (family: string, extra: Record<string, unknown> = {}) => ({
    name: `ami-rotator-local-${family}`,
    expression: 'cron(0 2 * * ? *)',
    timezone: 'Europe/Paris',
    target: { arn: MACHINE, roleArn: 'arn:aws:iam::123456789012:role/scheduler', input: JSON.stringify({ family, instanceId: INSTANCE }) },
    ...extra,
  });

  it('shows the new image, the next scheduled run, the last failure and the alarms in ALARM, per family and for the stage', async () => {
    deployedStage();
    seedInstance(emulator());
    emulator().seed({
      schedules: [
        schedule(FAMILY),
        schedule('db-prod', { state: 'DISABLED', groupName: 'nightly' }),
        schedule('x', { name: 'ami-rotator-prod-x' }),
      ],
      alarms: [
        { name: `ami-rotator-local-freshness-${FAMILY}`, state: 'ALARM', stateReason: 'no new image for 26 hours' },
        { name: 'ami-rotator-local-freshness-db-prod', state: 'OK' },
        { name: 'ami-rotator-local-failed-executions', state: 'ALARM', stateReason: 'Threshold Crossed' },
        { name: 'ami-rotator-prod-failed-executions', state: 'ALARM' },
      ],
    });
    emulator().seed({ instances: [] });
    const made = await rotate(['--family', FAMILY, '--instance', INSTANCE]);
    const image = (JSON.parse(made.output ?? '{}') as { image: { imageId: string } }).image;
    const now = new Date(Date.now() + 3_600_000);

    const shown = await status([], now);
    const web = shown.families.find((f) => f.family === FAMILY);
    const db = shown.families.find((f) => f.family === 'db-prod');

    expect(shown.families.map((f) => f.family)).toEqual(['db-prod', FAMILY]);
    expect(web?.newest).toMatchObject({ imageId: image.imageId, state: 'available' });
    expect(web?.newest?.ageHours).toBeCloseTo(1, 0);
    expect(web?.lastSuccess?.execution).toBe(made.name);
    expect(web?.schedule?.expression).toBe('cron(0 2 * * ? *)');
    // 02:00 in Paris is 01:00 or 00:00 UTC, the first one after `now`.
    const next = Date.parse(web?.schedule?.next ?? '');
    expect(next).toBeGreaterThan(now.getTime());
    expect(next - now.getTime()).toBeLessThanOrEqual(86_400_000);
    expect([0, 1]).toContain(new Date(next).getUTCHours());
    expect(db?.schedule).toMatchObject({ none: 'the schedule is disabled' });
    expect(db?.schedule?.next).toBeUndefined();
    expect(web?.alarms.map((a) => a.name)).toEqual([`ami-rotator-local-freshness-${FAMILY}`]);
    expect(shown.stageAlarms.map((a) => a.name)).toEqual(['ami-rotator-local-failed-executions']);
    expect(shown.unreadable).toEqual([]);
  });

  it('names the last failure with its step, and says what it could not read instead of failing', async () => {
    deployedStage();
    seedInstance(emulator(), { tags: {} });
    await rotate(['--family', FAMILY, '--instance', INSTANCE]);
    emulator().injectFaults({ rules: [{ actions: ['ListSchedules', 'DescribeAlarms'], code: 'AccessDeniedException' }] });

    const shown = await status(['--family', FAMILY]);
    const text = await runStatusCommand(['--stage', 'local', '--family', FAMILY], clients());

    expect(shown.families[0]).toMatchObject({
      family: FAMILY,
      lastFailure: { status: 'FAILED', failedStep: 'CreateImage', error: 'InstanceNotOptedIn' },
    });
    expect(shown.families[0]?.newest).toBeUndefined();
    expect(shown.unreadable).toEqual([
      expect.stringMatching(/^schedules \(EventBridge Scheduler\): AccessDeniedException/),
      expect.stringMatching(/^alarms \(CloudWatch\): AccessDenied/),
    ]);
    expect(text).toMatch(
      /^ {2}last failure {3}\d{4}-\d\d-\d\d \d\d:\d\d UTC FAILED at CreateImage: InstanceNotOptedIn \(cli-web-prod-\d+\)$/m,
    );
    expect(text).toContain('could not read schedules (EventBridge Scheduler): AccessDeniedException');
  });
});
