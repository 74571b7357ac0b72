import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amiStateChange, commandStatusChange } from '../../emulator/ami-events.ts';
import { type LocalStepFunctions, startLocalStepFunctions } from '../../local/sfn-endpoint.ts';
import { type LocalWaitTable, startLocalWaitTable } from '../../local/wait-table.ts';
import { completeWait } from '../../src/waits/complete-wait.ts';
import { commandKey, imageKey, WaitTable } from '../../src/waits/wait-table.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let stepFunctions: LocalStepFunctions;
let local: LocalWaitTable;
let sfn: SFNClient;
let table: WaitTable;
const calls: string[] = [];

beforeAll(async () => {
  stepFunctions = await startLocalStepFunctions();
  local = await startLocalWaitTable();
  sfn = new SFNClient({ endpoint: stepFunctions.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  sfn.middlewareStack.add((next, context) => (args) => {
    calls.push(String(context.commandName));
    return next(args);
  });
  table = new WaitTable(new DynamoDBClient({ endpoint: local.url, region: 'us-east-1', credentials, maxAttempts: 1 }), local.tableName);
});
afterAll(async () => {
  await stepFunctions.close();
  await local.close();
});

const IMAGE = 'ami-0123456789abcdef0';
const COMMAND = '0b6a3b1e-8c3f-4d0e-9a57-3f1c2d4e5f60';
const event = (state: 'available' | 'failed' | 'deregistered', region = 'us-east-1') => amiStateChange(region, IMAGE, state, new Date());
const waitFor = async (region = 'us-east-1') => {
  const task = stepFunctions.awaitTask();
  await table.put({ key: imageKey(region, IMAGE), token: task.token, expiresAt: Date.now() / 1000 + 600, executionArn: 'arn:x' });
  return task;
};

describe('CompleteWait, the target of the rule on EC2 AMI State Change', () => {
  it('ends the task that waits for the image with its state, and removes the wait', async () => {
    const task = await waitFor();

    const outcome = await completeWait({ sfn, table }, event('available'));

    expect(outcome).toEqual({ outcome: 'completed', subject: IMAGE, state: 'available' });
    expect(await task.outcome).toMatchObject({ output: { state: 'available', endedBy: 'event' } });
    expect(await table.get(imageKey('us-east-1', IMAGE), Date.now() / 1000)).toBeUndefined();
  });

  it('takes a late event, whose task timed out already, as a normal answer', async () => {
    const task = await waitFor();
    task.end();

    expect(await completeWait({ sfn, table }, event('available'))).toMatchObject({ outcome: 'already-ended' });
    expect(await table.get(imageKey('us-east-1', IMAGE), Date.now() / 1000)).toBeUndefined();
  });

  it('ignores, without a call to Step Functions, an image nobody waits for, another region, or a state that ends no wait', async () => {
    calls.length = 0;
    await waitFor('eu-west-1');

    expect(await completeWait({ sfn, table }, event('available'))).toMatchObject({ outcome: 'ignored' });
    expect(await completeWait({ sfn, table }, event('deregistered', 'eu-west-1'))).toMatchObject({ outcome: 'ignored' });
    expect(await completeWait({ sfn, table }, { ...event('available'), source: 'aws.ssm' })).toMatchObject({ outcome: 'ignored' });
    expect(calls).toEqual([]);
  });

  it("ends the task that waits for a prepare command with Systems Manager's status, and ignores a status that ends nothing", async () => {
    const command = { commandId: COMMAND, documentName: 'AWS-RunPatchBaseline', instanceIds: ['i-0123456789abcdef0'] };
    const said = (status: string) =>
      commandStatusChange('us-east-1', { ...command, requestedAt: new Date(), timeoutSeconds: 600 }, status, new Date());
    const task = stepFunctions.awaitTask();
    await table.put({
      key: commandKey('us-east-1', COMMAND),
      token: task.token,
      expiresAt: Date.now() / 1000 + 600,
      executionArn: 'arn:x',
    });

    expect(await completeWait({ sfn, table }, said('InProgress'))).toMatchObject({ outcome: 'ignored' });
    expect(task.settled()).toBe(false);
    expect(await completeWait({ sfn, table }, said('Failed'))).toEqual({ outcome: 'completed', subject: COMMAND, state: 'Failed' });
    expect(await task.outcome).toMatchObject({ output: { endedBy: 'event', state: 'Failed' } });
    expect(await table.get(commandKey('us-east-1', COMMAND), Date.now() / 1000)).toBeUndefined();
  });

  it('lets an expired wait go unanswered: its task is long over', async () => {
    const task = stepFunctions.awaitTask();
    await table.put({ key: imageKey('us-east-1', IMAGE), token: task.token, expiresAt: Date.now() / 1000 - 1, executionArn: 'arn:x' });

    expect(await completeWait({ sfn, table }, event('available'))).toMatchObject({ outcome: 'ignored' });
    expect(task.settled()).toBe(false);
  });
});
