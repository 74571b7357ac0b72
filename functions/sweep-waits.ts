import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { dynamoDbClient } from '../src/aws/dynamodb-client.ts';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { sfnClient } from '../src/aws/sfn-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import { stepTracing } from '../src/lambda/tracer.ts';
import { type SweepResult, sweepWaits } from '../src/waits/sweep-waits.ts';
import { WaitTable } from '../src/waits/wait-table.ts';

/** Every minute (the stack's schedule): checks the waits that fall due, as the backoff would have polled them. */
export const makeHandler = ({
  sfn,
  dynamodb = dynamoDbClient(),
  ec2In = ec2Client,
  now,
  sleep,
}: {
  sfn: SFNClient;
  dynamodb?: DynamoDBClient;
  /** EC2 signed for each image's region (a copy's); one client per region and container. */
  ec2In?: (region: string) => EC2Client;
  /** The clock and the passing of time (the emulator's, in a local run in its time mode). */
  now?: () => Date;
  sleep?: (seconds: number) => Promise<void>;
}) => {
  const table = new WaitTable(dynamodb, process.env.ROTATOR_WAIT_TABLE ?? '');
  const clients = new Map<string, EC2Client>();
  const ec2For = (region: string) => {
    let client = clients.get(region);
    if (!client) {
      client = ec2In(region);
      clients.set(region, client);
    }
    return client;
  };
  return middy<ScheduledEvent, SweepResult, Error, Context>()
    .use(stepTracing('SweepWaits'))
    .use(stepLogging('SweepWaits'))
    .handler(async () => sweepWaits({ ec2In: ec2For, sfn, table, ...(now ? { now } : {}), ...(sleep ? { sleep } : {}) }));
};

export const handler = makeHandler({ sfn: sfnClient() });
