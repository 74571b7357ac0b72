/**
 * The wait table, locally: dynalite (an implementation of DynamoDB on LevelDB, kept in memory here) on loopback, with
 * the table the stack deploys (serverless.yml, WaitTable: key `pk`, on demand), found by the functions through the
 * SDK's standard `AWS_ENDPOINT_URL_DYNAMODB` and `ROTATOR_WAIT_TABLE`. In front of it, IAM as DynamoDB applies it: a
 * call signed as one of the stack's roles is evaluated against that role's policies (action `dynamodb:<operation>` on
 * the table's ARN; Service Authorization Reference, Amazon DynamoDB) and refused with DynamoDB's AccessDeniedException.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { authorizeChecks, type IamSettings, signedRegionOf } from '../emulator/iam.ts';

export const LOCAL_WAIT_TABLE = 'ami-rotator-local-waits';

export interface LocalWaitTable {
  url: string;
  tableName: string;
  close(): Promise<void>;
}

const listen = async (server: Server, port = 0): Promise<string> => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const closing = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    // The functions' clients keep their sockets alive: close them too, or the server waits out their idle time.
    server.closeAllConnections();
  });

const bodyOf = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** The front: evaluates the caller's IAM, then hands the request to dynalite as it came. */
const iamFront = (backend: string, iam: IamSettings | undefined): Server =>
  createServer(async (req, res) => {
    const body = await bodyOf(req);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const authorization = req.headers.authorization;
    const region = signedRegionOf(authorization) ?? 'us-east-1';
    let table = '';
    try {
      table = String((JSON.parse(body.toString('utf8') || '{}') as { TableName?: unknown }).TableName ?? '');
    } catch {
      // Not JSON: dynalite answers it as DynamoDB would.
    }
    const resource = `arn:aws:dynamodb:${region}:${iam?.accountId ?? ''}:table/${table}`;
    const verdict = await authorizeChecks(iam, authorization, [{ action: `dynamodb:${operation}`, resource, context: {} }], region);
    if (!verdict.allowed) {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: verdict.message }));
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        (e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host' && e[0] !== 'connection',
      ),
    );
    const answer = await fetch(backend, { method: req.method ?? 'POST', headers, body });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/x-amz-json-1.0' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });

/**
 * The table, with IAM evaluated for the roles of `iam` (none when absent: every caller is let through), served on
 * `port` (any free one when 0).
 */
export const startLocalWaitTable = async (iam?: IamSettings, port = 0): Promise<LocalWaitTable> => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const backend = await listen(server);
  const front = iamFront(backend, iam);
  const url = await listen(front, port);
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
    close: async () => {
      await closing(front);
      await closing(server);
    },
  };
};

/** Starts the table and points the process's functions at it. */
export const useLocalWaitTable = async (iam?: IamSettings, port = 0): Promise<LocalWaitTable> => {
  const table = await startLocalWaitTable(iam, port);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = table.url;
  process.env.ROTATOR_WAIT_TABLE = table.tableName;
  return table;
};
