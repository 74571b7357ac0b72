/**
 * A Step Functions endpoint on loopback for the local runner's own executions: ListExecutions and
 * DescribeExecution in the service's JSON protocol, so the handlers' concurrency guard asks it through
 * the real SDK (`AWS_ENDPOINT_URL_SFN`) exactly as it asks AWS.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startDate: Date;
  stopDate?: Date;
  input: string;
}

export interface LocalStepFunctions {
  readonly url: string;
  readonly executions: Map<string, LocalExecution>;
  close(): Promise<void>;
}

const json = (body: unknown) => JSON.stringify(body, (_key, value: unknown) => value);
const epochSeconds = (d: Date | undefined) => (d === undefined ? undefined : d.getTime() / 1000);
const listItem = (e: LocalExecution) => ({
  executionArn: e.executionArn,
  stateMachineArn: e.stateMachineArn,
  name: e.name,
  status: e.status,
  startDate: epochSeconds(e.startDate),
  stopDate: epochSeconds(e.stopDate),
});

export const startLocalStepFunctions = async (): Promise<LocalStepFunctions> => {
  const executions = new Map<string, LocalExecution>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        stateMachineArn?: string;
        statusFilter?: string;
        executionArn?: string;
      };
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(json(payload));
      };
      if (target === 'ListExecutions') {
        const matching = [...executions.values()].filter(
          (e) => e.stateMachineArn === body.stateMachineArn && (!body.statusFilter || e.status === body.statusFilter),
        );
        return reply(200, { executions: matching.map(listItem) });
      }
      if (target === 'DescribeExecution') {
        const found = executions.get(body.executionArn ?? '');
        if (!found) return reply(400, { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${body.executionArn}'` });
        return reply(200, { ...listItem(found), input: found.input });
      }
      return reply(400, { __type: 'UnknownOperationException', message: `${target} is not served by the local endpoint` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    executions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
