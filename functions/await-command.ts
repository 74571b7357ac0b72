import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { dynamoDbClient } from '../src/aws/dynamodb-client.ts';
import { sfnClient } from '../src/aws/sfn-client.ts';
import { ssmClient } from '../src/aws/ssm-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import { type AwaitCommandEvent, awaitCommand } from '../src/waits/await-command.ts';
import { WaitTable } from '../src/waits/wait-table.ts';

/** Stores the waiting task's token against the prepare command, then reads it once: the task ends by its event or deadline. */
export const makeHandler = ({
  ssm,
  sfn,
  dynamodb = dynamoDbClient(),
  now,
}: {
  ssm: SSMClient;
  sfn: SFNClient;
  dynamodb?: DynamoDBClient;
  now?: () => Date;
}) => {
  const table = new WaitTable(dynamodb, process.env.ROTATOR_WAIT_TABLE ?? '');
  return middy<AwaitCommandEvent, { status: string }, Error, Context>()
    .use(stepTracing('AwaitCommand'))
    .use(stepLogging('AwaitCommand'))
    .handler(async (event) => awaitCommand({ ssm, sfn, table, region: process.env.AWS_REGION ?? '', ...(now ? { now } : {}) }, event));
};

export const handler = makeHandler({ ssm: ssmClient(), sfn: sfnClient() });
