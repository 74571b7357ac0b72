/**
 * The table of waits (`ROTATOR_WAIT_TABLE`): one item per thing a workflow waits for (an image or a command), holding
 * the task token of the callback task that waits for it and the check SweepWaits makes if no event comes first, until
 * the event or the check ends the wait, or the item expires. DynamoDB on demand: a rotation writes, reads and deletes a few items (cents a year), nothing to run,
 * TTL removes what no event ever claimed, and a conditional-free put is idempotent (a retried registration
 * overwrites the same key with the newest token).
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { WaitPolicy } from '../rotation/backoff.ts';
import type { ImageProgress } from '../rotation/create-image.ts';

/** What is awaited: an image in a region (CreateImage's or CopyImage's). */
export const imageKey = (region: string, imageId: string) => `image#${region}#${imageId}`;
/** Or a Run Command command in a region (prepare's: one instance a command). */
export const commandKey = (region: string, commandId: string) => `command#${region}#${commandId}`;

export interface WaitItem {
  key: string;
  token: string;
  /** When DynamoDB's TTL may remove the item (epoch seconds): past the task's own deadline. */
  expiresAt: number;
  executionArn: string;
  /** The check SweepWaits makes if no event ends the wait first: when (epoch seconds), and what it goes on from. */
  check?: WaitCheck;
}

export interface WaitCheck {
  at: number;
  region: string;
  progress: ImageProgress;
  policy: WaitPolicy;
}

const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

const checkOf = (item: Record<string, AttributeValue>): WaitCheck | undefined => {
  if (!item.checkAt?.N || !item.progress?.S || !item.policy?.S || !item.region?.S) return undefined;
  return {
    at: Number(item.checkAt.N),
    region: item.region.S,
    progress: JSON.parse(item.progress.S) as ImageProgress,
    policy: JSON.parse(item.policy.S) as WaitPolicy,
  };
};

const itemOf = (item: Record<string, AttributeValue>): WaitItem | undefined => {
  if (!item.pk?.S || !item.token?.S) return undefined;
  const check = checkOf(item);
  return {
    key: item.pk.S,
    token: item.token.S,
    expiresAt: Number(item.expiresAt?.N ?? 0),
    executionArn: item.executionArn?.S ?? '',
    ...(check ? { check } : {}),
  };
};

/** A day past the task's deadline: an event that late ends nothing, and TTL removes items within days of expiry. */
export const EXPIRY_MARGIN_SECONDS = 86_400;

export class WaitTable {
  private readonly dynamodb: DynamoDBClient;
  private readonly tableName: string;

  constructor(dynamodb: DynamoDBClient, tableName: string) {
    this.dynamodb = dynamodb;
    this.tableName = tableName;
  }

  async put(item: WaitItem): Promise<void> {
    await this.dynamodb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: item.key },
          token: { S: item.token },
          expiresAt: { N: String(item.expiresAt) },
          executionArn: { S: item.executionArn },
          ...(item.check
            ? {
                checkAt: { N: String(item.check.at) },
                region: { S: item.check.region },
                progress: { S: JSON.stringify(item.check.progress) },
                policy: { S: JSON.stringify(item.check.policy) },
              }
            : {}),
        },
      }),
    );
  }

  /** The wait for `key`, unless there is none or it has expired (TTL deletes lazily: an expired item may still be read). */
  async get(key: string, nowSeconds: number): Promise<WaitItem | undefined> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
    );
    const item = Item ? itemOf(Item) : undefined;
    return item && item.expiresAt > nowSeconds ? item : undefined;
  }

  /**
   * The waits whose check is due at `nowSeconds` (not expired): a Scan, every page. The table holds one item per wait
   * under way (a few at a time), so a Scan a minute reads next to nothing.
   */
  async due(nowSeconds: number): Promise<WaitItem[]> {
    const found: WaitItem[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamodb.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#checkAt <= :now AND #expiresAt > :now',
          ExpressionAttributeNames: { '#checkAt': 'checkAt', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const raw of page.Items ?? []) {
        const item = itemOf(raw);
        if (item?.check) found.push(item);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /** Plans the wait's next check, only if it still holds `token`: false when it has ended meanwhile (an event came). */
  async reschedule(key: string, token: string, at: number, progress: ImageProgress): Promise<boolean> {
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: key } },
          UpdateExpression: 'SET #checkAt = :at, #progress = :progress',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token', '#checkAt': 'checkAt', '#progress': 'progress' },
          ExpressionAttributeValues: { ':at': { N: String(at) }, ':progress': { S: JSON.stringify(progress) }, ':token': { S: token } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Removes the wait, only if it still holds `token` (a newer registration for the same key is left alone). */
  async delete(key: string, token: string): Promise<void> {
    await this.dynamodb
      .send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: key } },
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': { S: token } },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }
}
