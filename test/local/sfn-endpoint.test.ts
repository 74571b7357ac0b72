import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { startLocalStepFunctions } from '../../local/sfn-endpoint.ts';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-local';
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error) => error,
  );

describe('the local Step Functions endpoint (Step Functions API Reference: StartExecution, GetExecutionHistory)', () => {
  it('refuses what Step Functions refuses: a bad name, a reused name with another input, a page size or token it cannot take', async () => {
    const endpoint = await startLocalStepFunctions();
    endpoint.serve(MACHINE, () => undefined);
    const sfn = new SFNClient({
      endpoint: endpoint.url,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'nightly', input: '{}' }));
      const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'nightly', input: '{}' }));

      expect(again.executionArn).toBe(executionArn);
      expect(
        await failure(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'nightly', input: '{"x":1}' }))),
      ).toMatchObject({
        name: 'ExecutionAlreadyExists',
      });
      expect(await failure(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'night ly' })))).toMatchObject({
        name: 'InvalidName',
      });
      expect(await failure(sfn.send(new StartExecutionCommand({ stateMachineArn: `${MACHINE}-other` })))).toMatchObject({
        name: 'StateMachineDoesNotExist',
      });
      expect(await failure(sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1001 })))).toMatchObject({
        name: 'ValidationException',
      });
      expect(await failure(sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken: 'x' })))).toMatchObject({
        name: 'InvalidToken',
      });
      expect((await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).nextToken).toBeUndefined();
    } finally {
      await endpoint.close();
    }
  });
});
