import { DeleteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emulatorClients } from '../../local/clients.ts';
import { type LocalStepFunctions, startLocalStepFunctions } from '../../local/sfn-endpoint.ts';
import { type LocalWaitTable, startLocalWaitTable } from '../../local/wait-table.ts';
import { DEFAULT_WAIT } from '../../src/rotation/backoff.ts';
import { HAND_BACK_MARGIN_SECONDS, sweepWaits } from '../../src/waits/sweep-waits.ts';
import { EXPIRY_MARGIN_SECONDS, imageKey, WaitTable } from '../../src/waits/wait-table.ts';
import { useEmulator } from '../support/emulator.ts';
import { pendingProgress } from '../support/progress.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const emulator = useEmulator();
let stepFunctions: LocalStepFunctions;
let local: LocalWaitTable;
let sfn: SFNClient;
let table: WaitTable;

beforeAll(async () => {
  stepFunctions = await startLocalStepFunctions();
  local = await startLocalWaitTable();
  sfn = new SFNClient({ endpoint: stepFunctions.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  table = new WaitTable(new DynamoDBClient({ endpoint: local.url, region: 'us-east-1', credentials, maxAttempts: 1 }), local.tableName);
});
// Each test sweeps its own waits only.
beforeEach(async () => {
  const dynamodb = new DynamoDBClient({ endpoint: local.url, region: 'us-east-1', credentials });
  const { Items } = await dynamodb.send(new ScanCommand({ TableName: local.tableName }));
  for (const item of Items ?? [])
    await dynamodb.send(new DeleteItemCommand({ TableName: local.tableName, Key: { pk: item.pk ?? { S: '' } } }));
  dynamodb.destroy();
});
afterAll(async () => {
  await stepFunctions.close();
  await local.close();
});

// The moment the images were made (their CreationDate), and the waits registered.
const MADE = '2026-12-01T02:00:00.000Z';
const T0 = Date.parse(MADE) / 1000;
/** A wait registered at T0 (as AwaitImage does): checked at T0 + 120 unless an event comes, deadline T0 + 3,600. */
const register = async (imageId: string, region = 'us-east-1', deadline = 3600) => {
  const task = stepFunctions.awaitTask();
  await table.put({
    key: imageKey(region, imageId),
    token: task.token,
    expiresAt: T0 + deadline + EXPIRY_MARGIN_SECONDS,
    executionArn: 'arn:x',
    check: { at: T0 + 120, region, progress: pendingProgress(imageId), policy: DEFAULT_WAIT },
  });
  return task;
};

const imageIn = (region: string, state: string) => {
  const imageId = `ami-0${Math.random().toString(16).slice(2, 18).padEnd(16, '0')}`;
  emulator().seed({ images: [{ imageId, name: imageId, state, creationDate: MADE }] }, region);
  return imageId;
};

/** A sweep at `at` (epoch seconds); its sleeps move its clock. */
const sweepAt = (at: number) => {
  let now = at * 1000;
  const slept: number[] = [];
  const clients = (region: string) => emulatorClients(emulator().url, { AWS_REGION: region, AWS_MAX_ATTEMPTS: '1' }).ec2;
  return sweepWaits({
    ec2In: clients,
    sfn,
    table,
    now: () => new Date(now),
    sleep: async (seconds) => {
      slept.push(seconds);
      now += seconds * 1000;
    },
  }).then((result) => ({ ...result, slept }));
};

describe('SweepWaits, the checks between events', () => {
  it('ends the wait of an image that settled without its event, with the progress CheckImage goes on from', async () => {
    const imageId = imageIn('us-east-1', 'available');
    const task = await register(imageId);

    const result = await sweepAt(T0 + 120);

    expect(result.ended).toEqual([{ imageId, region: 'us-east-1', state: 'available', why: 'settled' }]);
    expect(await task.outcome).toMatchObject({ output: { endedBy: 'sweep', state: 'available', image: { imageId, poll: 1 } } });
    expect(await table.get(imageKey('us-east-1', imageId), T0)).toBeUndefined();
  });

  it("plans a pending image's next check by the backoff, and does not end its wait", async () => {
    const imageId = imageIn('us-east-1', 'pending');
    const task = await register(imageId);

    const result = await sweepAt(T0 + 120);

    // The backoff's second wait: 240 s after this check.
    expect(result.planned).toEqual([{ imageId, region: 'us-east-1', checkAt: new Date((T0 + 360) * 1000).toISOString() }]);
    expect(task.settled()).toBe(false);
    expect((await table.get(imageKey('us-east-1', imageId), T0))?.check).toMatchObject({
      at: T0 + 360,
      progress: { poll: 1, waitedSeconds: 360 },
    });
  });

  it('checks nothing before its time: a wait due later in the minute is checked at its second, not earlier', async () => {
    const imageId = imageIn('us-east-1', 'available');
    const task = await register(imageId);

    const early = await sweepAt(T0 + 30);
    expect(early.ended).toEqual([]);
    expect(early.slept).toEqual([]);
    expect(task.settled()).toBe(false);

    const within = await sweepAt(T0 + 75);
    expect(within.slept).toEqual([45]);
    expect(within.ended).toHaveLength(1);
  });

  it("looks in each wait's own region", async () => {
    const here = imageIn('us-east-1', 'pending');
    const copy = imageIn('eu-west-1', 'available');
    await register(here);
    const copyTask = await register(copy, 'eu-west-1');

    const result = await sweepAt(T0 + 120);

    expect(result.ended).toEqual([{ imageId: copy, region: 'eu-west-1', state: 'available', why: 'settled' }]);
    expect(result.planned.map((p) => p.imageId)).toEqual([here]);
    expect(await copyTask.outcome).toMatchObject({ output: { state: 'available' } });
  });

  it("hands a wait back to the state machine when the next check would come too near its task's deadline", async () => {
    const imageId = imageIn('us-east-1', 'pending');
    // A deadline 300 s away: the next check (240 s after this one, at 360) would be within the margin of it.
    const task = await register(imageId, 'us-east-1', 300 + HAND_BACK_MARGIN_SECONDS - 1);

    const result = await sweepAt(T0 + 120);

    expect(result.ended).toEqual([{ imageId, region: 'us-east-1', state: 'pending', why: 'hand-back' }]);
    expect(await task.outcome).toMatchObject({ output: { endedBy: 'sweep', state: 'pending', image: { poll: 1 } } });
  });

  it('ends the wait of an image pending for longer than the wait cap, however few checks were planned', async () => {
    const imageId = imageIn('us-east-1', 'pending');
    const task = await register(imageId);

    const result = await sweepAt(T0 + DEFAULT_WAIT.timeoutSeconds);

    expect(result.ended).toEqual([{ imageId, region: 'us-east-1', state: 'pending', why: 'settled' }]);
    expect(await task.outcome).toMatchObject({ output: { endedBy: 'sweep', image: { timedOut: true } } });
  });

  it('says an image deregistered meanwhile is gone, so that CheckImage reports it', async () => {
    const task = await register('ami-0aaaaaaaaaaaaaaaa');

    const result = await sweepAt(T0 + 120);

    expect(result.ended).toEqual([{ imageId: 'ami-0aaaaaaaaaaaaaaaa', region: 'us-east-1', state: 'gone', why: 'settled' }]);
    expect(await task.outcome).toMatchObject({ output: { state: 'gone' } });
  });

  it('leaves a wait whose task ended meanwhile (its event came) and one that expired', async () => {
    const ended = imageIn('us-east-1', 'available');
    const task = await register(ended);
    task.end();
    const expired = imageIn('us-east-1', 'available');
    await register(expired, 'us-east-1', -EXPIRY_MARGIN_SECONDS);

    const result = await sweepAt(T0 + 120);

    // The ended task's answer is TaskTimedOut, a normal one; the expired wait is not even read.
    expect(result.ended).toEqual([{ imageId: ended, region: 'us-east-1', state: 'available', why: 'settled' }]);
    expect(result.failed).toEqual([]);
  });

  it('keeps every wait when EC2 cannot be asked: each is tried again at the next minute', async () => {
    const imageId = imageIn('us-east-1', 'available');
    const task = await register(imageId);
    emulator().injectFaults({ rules: [{ actions: ['DescribeImages'], code: 'RequestLimitExceeded', times: 10 }] });

    const result = await sweepAt(T0 + 120);

    expect(result.failed).toEqual([{ key: imageKey('us-east-1', imageId), error: 'RequestLimitExceeded' }]);
    expect(task.settled()).toBe(false);
    expect((await table.get(imageKey('us-east-1', imageId), T0))?.check?.at).toBe(T0 + 120);
  });
});
