import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalExecution } from '../../local/sfn-endpoint.ts';
import { localStepFunctions, runRotationLocally } from '../../local/workflow.ts';
import { sfnClient } from '../../src/aws/sfn-client.ts';
import { UsageError } from '../../src/cli/flags.ts';
import { followExecution, runRunCommand } from '../../src/cli/run-command.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, INSTANCE, nextSecond, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-local';
/** What StartExecution does with an execution: run it on the local runner, or (for Ctrl-C) leave it running. */
let starter: (execution: LocalExecution) => void;
beforeAll(async () => {
  const endpoint = await localStepFunctions();
  endpoint.serve(MACHINE, (execution) => starter(execution));
});
afterAll(async () => {
  (await localStepFunctions()).serve(MACHINE, () => undefined);
});
const runLocally = (execution: LocalExecution) => {
  void runRotationLocally({ input: JSON.parse(execution.input), executionName: execution.name });
};

const run = async (args: string[], signal?: AbortSignal) => {
  const lines: string[] = [];
  const code = await runRunCommand(
    ['--stage', 'local', '--poll-seconds', '1', ...args],
    sfnClient(),
    {},
    { print: (l) => lines.push(l), ...(signal ? { signal } : {}) },
  );
  return { code, lines };
};

/** As the binary wires it: the answer on stdout (`print`), progress on stderr (`note`). */
const runSplit = async (args: string[]) => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runRunCommand(
    ['--stage', 'local', '--poll-seconds', '1', ...args],
    sfnClient(),
    {},
    {
      print: (l) => stdout.push(l),
      note: (l) => stderr.push(l),
    },
  );
  return { code, stdout: stdout.join('\n'), stderr };
};

describe('ami-rotator run', () => {
  it('starts a rotation and follows it, state by state with each wait, to its summary; exit 0', async () => {
    seedInstance(emulator());
    starter = runLocally;

    const { code, lines } = await run(['--family', FAMILY, '--instance', INSTANCE]);

    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^started arn:aws:states:us-east-1:123456789012:execution:ami-rotator-local:cli-web-prod-\d{14}$/);
    expect(lines).toContainEqual(expect.stringMatching(/^\[\+\s+\d+s\] ValidateInput$/));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\[\+\s+\d+s\] {3}AwaitImage: until the image's event, or SweepWaits's check at \d\d:\d\d:\d\d UTC \(in 120 s\)$/,
      ),
    );
    expect(lines.slice(-3)).toEqual([
      'SUCCEEDED',
      expect.stringMatching(/^new image ami-\w+ web-prod-\d{8}-\d{6}$/),
      'pruned 0 of 0 expired image(s)',
    ]);
  });

  it("prints the states in the order they happened, the image workflow's inside the rotation's, read after the end as during it", async () => {
    seedInstance(emulator());
    // Ended before it is followed: every history is whole at the first look.
    const ended = await runRotationLocally({ input: { family: FAMILY, instanceId: INSTANCE } });
    const lines: string[] = [];

    await followExecution(sfnClient(), ended.executionArn, new Date(Date.now() - 60_000), (l) => lines.push(l), 10);

    const states = lines.map((l) => /^\[\+\s*\d+s\] (\s*)(\w+)/.exec(l)).map((m) => `${m?.[1]}${m?.[2]}`);
    const offsets = lines.map((l) => Number(/^\[\+\s*(\d+)s\]/.exec(l)?.[1]));
    expect(states.slice(0, 6)).toEqual(['ValidateInput', 'IsDryRun', 'CreateImage', 'ImageInSourceRegion', '  AwaitImage', '  CheckImage']);
    expect(states.indexOf('  TagImage')).toBeLessThan(states.indexOf('DistributeImage'));
    expect(states.indexOf('DistributeImage')).toBeLessThan(states.indexOf('AnnounceRotation'));
    expect(states.at(-1)).toBe('AnnounceRotation');
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('exits 1 with the error of a rotation that failed', async () => {
    seedInstance(emulator(), { tags: {} });
    starter = runLocally;

    const { code, lines } = await run(['--family', FAMILY, '--instance', INSTANCE]);

    expect(code).toBe(1);
    expect(lines).toContainEqual('FAILED: InstanceNotOptedIn');
  });

  it("refuses an input the workflow would refuse, with the workflow's messages, and starts nothing", async () => {
    const before = (await localStepFunctions()).executions.size;

    const refused = await run(['--family', 'web prod!', '--instance', 'i-123']).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toContain(
      'family: expected 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
    expect((refused as Error).message).toContain('instanceId: expected an EC2 instance id such as i-0123456789abcdef0');
    expect((await localStepFunctions()).executions.size).toBe(before);
  });

  it('stops following on Ctrl-C, says how to stop the execution, and leaves it running', async () => {
    starter = () => undefined;
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 1500);

    const { code, lines } = await run(['--family', FAMILY, '--instance', INSTANCE], stop.signal);

    expect(code).toBe(130);
    expect(lines.at(-1)).toMatch(
      /^stopped following; the execution goes on\. To stop it: aws stepfunctions stop-execution --execution-arn arn:aws:states:.*:cli-web-prod-/,
    );
  });

  it('starts without following when asked, and names a stage without a state machine', async () => {
    starter = () => undefined;

    const started = await run(['--family', FAMILY, '--instance', INSTANCE, '--no-follow']);
    const nowhere = await runRunCommand(
      ['--family', FAMILY, '--instance', INSTANCE, '--stage', 'prod'],
      sfnClient(),
      {},
      { print: () => undefined },
    ).catch((error: unknown) => error);

    expect(started).toEqual({ code: 0, lines: [expect.stringMatching(/^started arn:aws:states:/)] });
    expect((nowhere as Error).message).toBe(
      'no state machine named ami-rotator-prod in this account and region: give --stage or --state-machine-arn',
    );
  });

  it('prints only JSON on stdout with --json, the progress on stderr, followed or not', async () => {
    // A family of its own: the Ctrl-C test leaves web-prod's rotation running.
    seedInstance(emulator(), { tags: { [TAG.family]: 'json-prod' } });
    starter = runLocally;
    // Execution names are to the second: one start a second, as an operator would.
    await nextSecond();

    const followed = await runSplit(['--family', 'json-prod', '--instance', INSTANCE, '--json']);
    await nextSecond();
    const started = await runSplit(['--family', 'json-prod', '--instance', INSTANCE, '--json', '--no-follow', '--dry-run']);

    expect(followed.code).toBe(0);
    expect(JSON.parse(followed.stdout)).toMatchObject({ status: 'SUCCEEDED' });
    expect(followed.stderr[0]).toMatch(/^started arn:aws:states:/);
    expect(followed.stderr).toContainEqual(expect.stringMatching(/ValidateInput$/));
    expect(JSON.parse(started.stdout)).toMatchObject({ executionArn: expect.stringMatching(/^arn:aws:states:/) });
  });

  it('as the binary: with --json --no-follow, stdout is the JSON alone', async () => {
    starter = () => undefined;
    // The stage as deployed: its ValidateInput function, whose settings the binary checks the input against.
    emulator().seed({ functions: [{ name: 'ami-rotator-local-validateInput', environment: {} }] });
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['bin/ami-rotator.ts', 'run', '--stage', 'local', '--family', 'bin-prod', '--instance', INSTANCE, '--json', '--no-follow'],
      { env: { ...process.env, AWS_ENDPOINT_URL_SFN: (await localStepFunctions()).url, AWS_REGION: 'us-east-1' }, timeout: 20_000 },
    );

    expect(JSON.parse(stdout)).toMatchObject({ executionArn: expect.stringMatching(/:execution:ami-rotator-local:cli-bin-prod-/) });
    expect(stderr).toMatch(/^started arn:aws:states:/);
  });
});
