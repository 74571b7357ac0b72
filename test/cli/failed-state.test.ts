import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalExecution } from '../../local/sfn-endpoint.ts';
import { localStepFunctions, runRotationLocally } from '../../local/workflow.ts';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { sfnClient } from '../../src/aws/sfn-client.ts';
import { runHistoryCommand } from '../../src/cli/history-command.ts';
import { runRunCommand } from '../../src/cli/run-command.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, INSTANCE, nextSecond, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-local';
beforeAll(async () => {
  (await localStepFunctions()).serve(MACHINE, (execution: LocalExecution) => {
    void runRotationLocally({ input: JSON.parse(execution.input), executionName: execution.name });
  });
});
afterAll(async () => {
  (await localStepFunctions()).serve(MACHINE, () => undefined);
});

const history = async (args: string[]) =>
  JSON.parse(
    await runHistoryCommand(['--stage', 'local', '--json', ...args], {
      sfn: sfnClient(),
      ec2: ec2Client(),
    }),
  ) as { rotations: Record<string, unknown>[] };

describe('a step that fails inside the image workflow (a child execution)', () => {
  it('names the state that failed inside the image workflow, in what run prints, in history and in both histories', async () => {
    seedInstance(emulator());
    // CreateImage's history look goes on without, AwaitImage's falls back to a plain wait, CheckImage's fails the step.
    emulator().injectFaults({ rules: [{ actions: ['DescribeImages'], code: 'UnauthorizedOperation', times: 3 }] });
    const lines: string[] = [];
    await nextSecond();
    const code = await runRunCommand(
      ['--stage', 'local', '--poll-seconds', '1', '--family', FAMILY, '--instance', INSTANCE],
      sfnClient(),
      {},
      {
        print: (l) => lines.push(l),
      },
    );
    const executions = (await localStepFunctions()).executions;
    const parent = executions.get(lines[0]?.replace(/^started /, '') ?? '');
    const child = [...executions.values()].find((e) => e.input.includes(parent?.executionArn ?? 'none'));
    // As in Step Functions' history: a failure's state is the StateEntered event its previousEventId chain leads to.
    const entered = (history: LocalExecution['history'], id: number): string | undefined => {
      const event = history?.find((e) => e.id === id);
      if (!event) return undefined;
      const name = (event.stateEnteredEventDetails as { name?: string } | undefined)?.name;
      return name ?? entered(history, event.previousEventId);
    };
    const failedAt = (history: LocalExecution['history']) =>
      (history ?? []).filter((e) => e.type === 'TaskFailed').map((e) => entered(history, e.previousEventId));

    expect(code).toBe(1);
    expect(lines).toContainEqual(expect.stringMatching(/^\[\+\s+\d+s\] {3}CheckImage$/));
    expect((await history(['--family', FAMILY])).rotations[0]).toMatchObject({ failedStep: 'CheckImage', error: 'Ec2AccessDenied' });
    expect(parent?.cause).toMatch(/^\[alerted\] CheckImage: /);
    // AwaitImage's failure was caught (a plain wait instead); CheckImage's failed the workflow.
    expect(failedAt(child?.history)).toEqual(['AwaitImage', 'CheckImage']);
    expect(child).toMatchObject({ status: 'FAILED', error: 'Ec2AccessDenied' });
    expect(failedAt(parent?.history)).toEqual(['ImageInSourceRegion']);
    expect(parent?.history?.some((e) => JSON.stringify(e.taskSubmittedEventDetails ?? '').includes(child?.executionArn ?? 'none'))).toBe(
      true,
    );
  });
});
