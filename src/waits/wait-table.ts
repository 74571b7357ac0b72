/**
 * The table of waits (`ROTATOR_WAIT_TABLE`): one item per thing a workflow waits for (an image in a region), holding
 * the task token of the callback task that waits for it, until the event that ends the wait arrives or the item
 * expires. DynamoDB on demand: a rotation writes, reads and deletes a few items (cents a year), nothing to run,
 * TTL removes what no event ever claimed, and a conditional-free put is idempotent (a retried registration
 * overwrites the same key with the newest token).
 */
import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';

/** What is awaited: an image in a region (CreateImage's or CopyImage's). */
export const imageKey = (region: string, imageId: string) => `image#${region}#${imageId}`;

export interface WaitItem {
  key: string;
  token: string;
  /** When DynamoDB's TTL may remove the item (epoch seconds): past the task's own deadline. */
  expiresAt: number;
  executionArn: string;
}

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
        },
      }),
    );
  }

  /** The wait for `key`, unless there is none or it has expired (TTL deletes lazily: an expired item may still be read). */
  async get(key: string, nowSeconds: number): Promise<WaitItem | undefined> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
    );
    if (!Item?.token?.S) return undefined;
    const expiresAt = Number(Item.expiresAt?.N ?? 0);
    if (expiresAt <= nowSeconds) return undefined;
    return { key, token: Item.token.S, expiresAt, executionArn: Item.executionArn?.S ?? '' };
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
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      });
  }
}
