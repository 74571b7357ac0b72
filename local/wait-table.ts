/**
 * The wait table, locally: dynalite (an implementation of DynamoDB on LevelDB, kept in memory here) on loopback, with
 * the table the stack deploys (serverless.yml, WaitTable: key `pk`, on demand), found by the functions through the
 * SDK's standard `AWS_ENDPOINT_URL_DYNAMODB` and `ROTATOR_WAIT_TABLE`.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

export const LOCAL_WAIT_TABLE = 'ami-rotator-local-waits';

export interface LocalWaitTable {
  url: string;
  tableName: string;
  close(): Promise<void>;
}

export const startLocalWaitTable = async (): Promise<LocalWaitTable> => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: LOCAL_WAIT_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  client.destroy();
  return {
    url,
    tableName: LOCAL_WAIT_TABLE,
    // The functions' clients keep their sockets alive: close them too, or the server waits out their idle time.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

/** Starts the table and points the process's functions at it. */
export const useLocalWaitTable = async (): Promise<LocalWaitTable> => {
  const table = await startLocalWaitTable();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = table.url;
  process.env.ROTATOR_WAIT_TABLE = table.tableName;
  return table;
};
