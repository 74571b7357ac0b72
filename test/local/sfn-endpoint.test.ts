import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { startLocalStepFunctions } from '../../local/sfn-endpoint.ts';
import { failureOf, serviceClientFor } from '../support/emulator.ts';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-local';

describe('the local Step Functions endpoint (Step Functions API Reference: StartExecution, GetExecutionHistory)', () => {
  it('refuses what Step Functions refuses: a bad name, a reused name with another input, a page size or token it cannot take', async () => {
    const endpoint = await startLocalStepFunctions();
    endpoint.serve(MACHINE, () => undefined);
    const sfn = serviceClientFor(SFNClient, endpoint.url);
    try {
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'nightly', input: '{}' }));
      const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'nightly', input: '{}' }));

      expect(again.executionArn).toBe(executionArn);
      expect(
        await failureOf(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'nightly', input: '{"x":1}' }))),
      ).toMatchObject({
        name: 'ExecutionAlreadyExists',
      });
      expect(await failureOf(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'night ly' })))).toMatchObject({
        name: 'InvalidName',
      });
      expect(await failureOf(sfn.send(new StartExecutionCommand({ stateMachineArn: `${MACHINE}-other` })))).toMatchObject({
        name: 'StateMachineDoesNotExist',
      });
      expect(await failureOf(sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1001 })))).toMatchObject({
        name: 'ValidationException',
      });
      expect(await failureOf(sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken: 'x' })))).toMatchObject({
        name: 'InvalidToken',
      });
      expect((await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).nextToken).toBeUndefined();
    } finally {
      await endpoint.close();
    }
  });

  it('lists executions newest first, a page of maxResults at a time, by status, and refuses what ListExecutions refuses', async () => {
    const endpoint = await startLocalStepFunctions();
    endpoint.serve(MACHINE, () => undefined);
    const sfn = serviceClientFor(SFNClient, endpoint.url);
    try {
      for (const [n, status] of (['SUCCEEDED', 'FAILED', 'SUCCEEDED'] as const).entries()) {
        const executionArn = `${MACHINE.replace(':stateMachine:', ':execution:')}:night-${n}`;
        endpoint.executions.set(executionArn, {
          executionArn,
          stateMachineArn: MACHINE,
          name: `night-${n}`,
          status,
          startDate: new Date(Date.UTC(2026, 10, 20 + n, 2)),
          input: '{}',
        });
      }

      const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, maxResults: 2 }));
      const second = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: MACHINE, maxResults: 2, nextToken: first.nextToken ?? '' }),
      );
      const failed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, statusFilter: 'FAILED' }));

      expect(first.executions?.map((e) => e.name)).toEqual(['night-2', 'night-1']);
      expect(second.executions?.map((e) => e.name)).toEqual(['night-0']);
      expect(second.nextToken).toBeUndefined();
      expect(failed.executions?.map((e) => e.name)).toEqual(['night-1']);
      expect(await failureOf(sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, maxResults: 1001 })))).toMatchObject({
        name: 'ValidationException',
      });
      expect(await failureOf(sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, nextToken: '9' })))).toMatchObject({
        name: 'InvalidToken',
      });
      expect(await failureOf(sfn.send(new ListExecutionsCommand({ stateMachineArn: `${MACHINE}-other` })))).toMatchObject({
        name: 'StateMachineDoesNotExist',
      });
    } finally {
      await endpoint.close();
    }
  });
});
