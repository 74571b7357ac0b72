import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalExecution } from '../../local/sfn-endpoint.ts';
import { localStepFunctions, runRollbackLocally, runRotationLocally } from '../../local/workflow.ts';
import { sfnClient } from '../../src/aws/sfn-client.ts';
import { UsageError } from '../../src/cli/flags.ts';
import { runRollbackCommand } from '../../src/cli/rollback-command.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, nextSecond, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';
const PARAMETER = '/golden/web-prod/latest';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-local-rollback';
beforeAll(async () => {
  process.env.ROTATOR_PUBLISH = JSON.stringify({ parameter: PARAMETER });
  (await localStepFunctions()).serve(MACHINE, (execution: LocalExecution) => {
    void runRollbackLocally({ input: JSON.parse(execution.input), executionName: execution.name });
  });
});
afterAll(async () => {
  delete process.env.ROTATOR_PUBLISH;
  (await localStepFunctions()).serve(MACHINE, () => undefined);
});

const rollback = async (args: string[]) => {
  const lines: string[] = [];
  await nextSecond();
  const code = await runRollbackCommand(['--stage', 'local', '--poll-seconds', '1', ...args], sfnClient(), { print: (l) => lines.push(l) });
  return { code, lines };
};
const twoNights = async () => {
  seedInstance(emulator());
  const ids: string[] = [];
  for (const _ of [1, 2]) {
    await nextSecond();
    const run = await runRotationLocally({ input: input() });
    ids.push(emulator().store.parameters.get(PARAMETER)?.value ?? '');
    expect(run.status).toBe('SUCCEEDED');
  }
  return ids;
};

describe('ami-rotator rollback', () => {
  it('shows what it would change, then rolls back as an execution of the stage, and says what is published now', async () => {
    const [good, bad] = await twoNights();

    const dry = await rollback(['--family', FAMILY, '--dry-run']);
    const afterDry = emulator().store.parameters.get(PARAMETER)?.value;
    const done = await rollback(['--family', FAMILY]);

    expect(dry.code).toBe(0);
    expect(dry.lines[0]).toMatch(
      /^started arn:aws:states:us-east-1:123456789012:execution:ami-rotator-local-rollback:rollback-web-prod-\d{14}$/,
    );
    expect(dry.lines.slice(-3)).toEqual([
      'SUCCEEDED (dry run): nothing was changed; a rollback would:',
      `  us-east-1 (source): publish ${good} instead of ${bad}: parameter ${PARAMETER}`,
      expect.stringMatching(new RegExp(`^ {2}set aside ${bad} \\(web-prod-\\d{8}-\\d{6}\\): tagged ami-rotator:status=rolled-back`)),
    ]);
    expect(afterDry).toBe(bad);
    expect(done.code).toBe(0);
    expect(done.lines).toContainEqual(expect.stringMatching(/^\[\+\s+\d+s\] {3}PublishImage$/));
    expect(done.lines).toContainEqual(`published ${good} again; ${bad} is set aside (ami-rotator:status=rolled-back)`);
    expect(emulator().store.parameters.get(PARAMETER)?.value).toBe(good);
  });

  it('exits 1 with the refusal of an image that cannot be published again, and changes nothing', async () => {
    const [, bad] = await twoNights();

    const refused = await rollback(['--family', FAMILY, '--to', 'ami-0123456789abcdef0']);

    expect(refused.code).toBe(1);
    expect(refused.lines).toContainEqual('FAILED: RollbackRefused');
    expect(refused.lines.find((l) => l.startsWith('cause:'))).toMatch(/ami-0123456789abcdef0 is gone/);
    expect(emulator().store.parameters.get(PARAMETER)?.value).toBe(bad);
  });

  it('refuses an image id of the wrong shape before anything is started', async () => {
    const refused = await runRollbackCommand(['--stage', 'local', '--to', 'ami-xyz'], sfnClient(), { print: () => undefined }).catch(
      (e: unknown) => e,
    );

    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toBe('--to: expected an image id such as ami-0123456789abcdef0');
    expect(emulator().requests).toEqual([]);
  });
});
