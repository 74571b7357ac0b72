/**
 * `ami-rotator approve` and `reject`, against the local Step Functions endpoint: what they refuse before asking
 * anything, and what they say when no candidate of the family awaits approval (a second answer, a finished promotion).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicMessage } from '../../local/callback-task.ts';
import type { LocalExecution } from '../../local/sfn-endpoint.ts';
import { localStepFunctions, runPromotionLocally, runRotationLocally } from '../../local/workflow.ts';
import { sfnClient } from '../../src/aws/sfn-client.ts';
import { runApproveCommand } from '../../src/cli/approve-command.ts';
import { UsageError } from '../../src/cli/flags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-local-promote';
beforeAll(async () => {
  process.env.ROTATOR_PUBLISH = JSON.stringify({
    parameter: '/golden/web-prod/latest',
    candidate: { parameter: '/golden/web-prod/candidate', approval: { deadlineHours: 1 } },
  });
  // The stage's promotion, as ListStateMachines finds it by name.
  (await localStepFunctions()).serve(MACHINE, (execution: LocalExecution) => {
    void runPromotionLocally({ input: JSON.parse(execution.input), executionName: execution.name });
  });
});
afterAll(async () => {
  delete process.env.ROTATOR_PUBLISH;
  (await localStepFunctions()).serve(MACHINE, () => undefined);
});

const answer = async (verb: 'approve' | 'reject', args: string[]) => {
  const lines: string[] = [];
  const code = await runApproveCommand(verb, ['--stage', 'local', ...args], sfnClient(), (line) => lines.push(line));
  return { code, lines };
};

describe('ami-rotator approve and reject', () => {
  it.each([
    [[], '--family: required (the family whose candidate you approve)'],
    [['--family', 'Web Prod'], '--family: '],
    [['--family', FAMILY, '--reason', ''], '--reason: expected 1 to 1000 characters, got 0'],
    [['--family', FAMILY, '--reason', 'x'.repeat(1001)], '--reason: expected 1 to 1000 characters, got 1001'],
    [['--family', FAMILY, '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('refuses %j before asking Step Functions anything', async (args, message) => {
    await expect(answer('approve', args)).rejects.toThrow(UsageError);
    await expect(answer('approve', args)).rejects.toThrow(message);
  });

  it('says when no candidate of the family awaits approval, and answers nothing', async () => {
    const result = await answer('reject', ['--family', FAMILY]);

    expect(result).toEqual({
      code: 1,
      lines: ['no candidate of family web-prod awaits approval in ami-rotator-local-promote: nothing was answered'],
    });
  });

  it('answers the waiting approval once; a second answer finds nothing waiting', async () => {
    seedInstance(emulator());
    const night = await runRotationLocally({ input: input() });
    const detail = night.busEvents.find((e) => e.detailType === 'AMI Rotated')?.detail ?? {};
    const answers: Awaited<ReturnType<typeof answer>>[] = [];
    const approveTwice = async (_: TopicMessage) => {
      answers.push(await answer('approve', ['--family', FAMILY, '--reason', 'smoke tests green']));
      answers.push(await answer('approve', ['--family', FAMILY]));
    };

    const promotion = await runPromotionLocally({ input: detail, onTopicMessage: approveTwice });

    expect(promotion.status).toBe('SUCCEEDED');
    expect(answers.map((a) => a.code)).toEqual([0, 1]);
    // The execution still runs; its task is closed: Step Functions answers TaskTimedOut ("the task associated with the
    // token has already been closed", API Reference, SendTaskSuccess).
    expect(answers[1]?.lines).toEqual([
      expect.stringMatching(
        /^the approval of ami-\w+ is over \(TaskTimedOut\): the deadline passed or it was answered; nothing was changed$/,
      ),
    ]);
  });
});
