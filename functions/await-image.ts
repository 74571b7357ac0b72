import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { dynamoDbClient } from '../src/aws/dynamodb-client.ts';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { sfnClient } from '../src/aws/sfn-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { byRegion } from '../src/lambda/regional.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import { type AwaitImageEvent, awaitImage } from '../src/waits/await-image.ts';
import { WaitTable } from '../src/waits/wait-table.ts';

/** Stores the waiting task's token against the image, then looks once: the task ends by the image's event or its deadline. */
export const makeHandler = ({
  ec2,
  sfn,
  dynamodb = dynamoDbClient(),
  now,
}: {
  ec2: EC2Client;
  sfn: SFNClient;
  dynamodb?: DynamoDBClient;
  /** The clock the wait's check is planned by (the emulator's, in a local run in its time mode). */
  now?: () => Date;
}) => {
  // The table is the deployment's, in the function's own region, whichever region the image is in.
  const table = new WaitTable(dynamodb, process.env.ROTATOR_WAIT_TABLE ?? '');
  return middy<AwaitImageEvent, { state: string }, Error, Context>()
    .use(stepTracing('AwaitImage'))
    .use(stepLogging('AwaitImage'))
    .handler(async (event) => awaitImage({ ec2, sfn, table, region: process.env.AWS_REGION ?? '', ...(now ? { now } : {}) }, event));
};

// The image's region (a copy's) for EC2; the table and Step Functions are the function's own.
export const handler = byRegion((region) => makeHandler({ ec2: ec2Client(region), sfn: sfnClient() }));
