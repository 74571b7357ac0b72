import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amiStateChange } from '../../emulator/ami-events.ts';
import { type LocalStepFunctions, startLocalStepFunctions } from '../../local/sfn-endpoint.ts';
import { type LocalWaitTable, startLocalWaitTable } from '../../local/wait-table.ts';
import { completeWait } from '../../src/waits/complete-wait.ts';
import { imageKey, WaitTable } from '../../src/waits/wait-table.ts';

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

    expect(outcome).toEqual({ outcome: 'completed', imageId: IMAGE, state: 'available' });
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

  it('lets an expired wait go unanswered: its task is long over', async () => {
    const task = stepFunctions.awaitTask();
    await table.put({ key: imageKey('us-east-1', IMAGE), token: task.token, expiresAt: Date.now() / 1000 - 1, executionArn: 'arn:x' });

    expect(await completeWait({ sfn, table }, event('available'))).toMatchObject({ outcome: 'ignored' });
    expect(task.settled()).toBe(false);
  });
});
