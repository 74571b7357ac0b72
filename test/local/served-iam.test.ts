import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localIam, roleCredentials } from '../../local/clients.ts';
import { type LocalStepFunctions, startLocalStepFunctions } from '../../local/sfn-endpoint.ts';
import { type LocalWaitTable, startLocalWaitTable } from '../../local/wait-table.ts';
import { LOCAL_ACCOUNT_ID } from '../../local/workflow.ts';

const iam = localIam(LOCAL_ACCOUNT_ID);
let table: LocalWaitTable;
let stepFunctions: LocalStepFunctions;

beforeAll(async () => {
  table = await startLocalWaitTable(iam);
  stepFunctions = await startLocalStepFunctions();
  stepFunctions.enforce(iam);
});
afterAll(async () => {
  await table.close();
  await stepFunctions.close();
});

const dynamodbAs = (role: string) =>
  new DynamoDBClient({ endpoint: table.url, region: 'us-east-1', credentials: roleCredentials(role), maxAttempts: 1 });
const sfnAs = (role: string) =>
  new SFNClient({ endpoint: stepFunctions.url, region: 'us-east-1', credentials: roleCredentials(role), maxAttempts: 1 });
const item = { pk: { S: 'image#us-east-1#ami-0123456789abcdef0' }, token: { S: 't' } };

describe('the services a local run serves besides EC2 evaluate IAM as the role that calls', () => {
  it("lets each function do in the wait table what its role allows, and refuses the rest with DynamoDB's AccessDeniedException", async () => {
    await expect(dynamodbAs('AwaitImageRole').send(new PutItemCommand({ TableName: table.tableName, Item: item }))).resolves.toBeDefined();
    await expect(dynamodbAs('SweepWaitsRole').send(new ScanCommand({ TableName: table.tableName }))).resolves.toMatchObject({ Count: 1 });

    const refused = dynamodbAs('AwaitImageRole').send(new ScanCommand({ TableName: table.tableName }));
    await expect(refused).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(refused).rejects.toThrow(
      `assumed-role/AwaitImageRole/local is not authorized to perform: dynamodb:Scan on resource: arn:aws:dynamodb:us-east-1:${LOCAL_ACCOUNT_ID}:table/ami-rotator-local-waits`,
    );
    // A role that has nothing to do with waits.
    await expect(dynamodbAs('PruneImagesRole').send(new ScanCommand({ TableName: table.tableName }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('lets only the roles that end waits call SendTaskSuccess', async () => {
    const task = stepFunctions.awaitTask();

    await expect(sfnAs('CheckImageRole').send(new SendTaskSuccessCommand({ taskToken: task.token, output: '{}' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(task.settled()).toBe(false);
    await sfnAs('CompleteWaitRole').send(new SendTaskSuccessCommand({ taskToken: task.token, output: '{}' }));
    expect(task.settled()).toBe(true);
  });

  it("holds SendTaskFailure to its model's limits (error 256, cause 32,768 characters): the task stays open", async () => {
    const task = stepFunctions.awaitTask();
    // An operator's key (no role of the stack): not evaluated, as SendTask* is for the stack's roles only.
    const operator = new SFNClient({
      endpoint: stepFunctions.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'op', secretAccessKey: 'op' },
      maxAttempts: 1,
    });

    await expect(
      operator.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'E'.repeat(257), cause: 'x' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      operator.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'PromotionRejected', cause: 'c'.repeat(32_769) })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    expect(task.settled()).toBe(false);
    await operator.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'E'.repeat(256), cause: 'c'.repeat(32_768) }));
    expect(task.settled()).toBe(true);
  });
});
