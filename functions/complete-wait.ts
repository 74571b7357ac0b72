import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { dynamoDbClient } from '../src/aws/dynamodb-client.ts';
import { sfnClient } from '../src/aws/sfn-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import { completeWait, type WaitEvent, type WaitOutcome } from '../src/waits/complete-wait.ts';
import { WaitTable } from '../src/waits/wait-table.ts';

/** The target of the rule on EC2's AMI state changes: ends the callback task that waits for the image, if any. */
export const makeHandler = ({ sfn, dynamodb = dynamoDbClient() }: { sfn: SFNClient; dynamodb?: DynamoDBClient }) => {
  const table = new WaitTable(dynamodb, process.env.ROTATOR_WAIT_TABLE ?? '');
  return middy<WaitEvent, WaitOutcome, Error, Context>()
    .use(stepTracing('CompleteWait'))
    .use(stepLogging('CompleteWait'))
    .handler(async (event) => completeWait({ sfn, table }, event));
};

export const handler = makeHandler({ sfn: sfnClient() });
