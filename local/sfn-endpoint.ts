/**
 * A Step Functions endpoint on loopback for the local runner's own executions, in the service's JSON
 * protocol, so the handlers' concurrency guard and the operator's CLI ask it through the real SDK
 * (`AWS_ENDPOINT_URL_SFN`) exactly as they ask AWS: ListStateMachines, StartExecution (when a starter is
 * set), ListExecutions, DescribeExecution and GetExecutionHistory, with the API reference's limits.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HistoryEvent } from './sfn-history.ts';

export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Its events so far, as GetExecutionHistory returns them. */
  history?: HistoryEvent[];
}

/** Runs an execution that StartExecution registered (the local runner, given by whoever serves the endpoint). */
export type Starter = (execution: LocalExecution) => void;

export interface LocalStepFunctions {
  readonly url: string;
  readonly executions: Map<string, LocalExecution>;
  /** The state machine StartExecution and ListStateMachines know; StartExecution is refused until a starter is set. */
  serve(stateMachineArn: string, starter: Starter): void;
  close(): Promise<void>;
}

// StartExecution: name 1 to 80 characters of letters, digits, - and _; GetExecutionHistory: maxResults 0 to 1000 (0: 100).
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const DEFAULT_PAGE = 100;

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
  let served: { stateMachineArn: string; starter: Starter } | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        stateMachineArn?: string;
        statusFilter?: string;
        executionArn?: string;
        name?: string;
        input?: string;
        maxResults?: number;
        nextToken?: string;
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
        return reply(200, {
          ...listItem(found),
          input: found.input,
          ...(found.output === undefined ? {} : { output: found.output }),
          ...(found.error === undefined ? {} : { error: found.error, cause: found.cause ?? '' }),
        });
      }
      if (target === 'ListStateMachines') {
        const machines = served
          ? [{ stateMachineArn: served.stateMachineArn, name: served.stateMachineArn.split(':').at(-1), type: 'STANDARD', creationDate: 0 }]
          : [];
        return reply(200, { stateMachines: machines });
      }
      if (target === 'StartExecution') {
        if (!served || body.stateMachineArn !== served.stateMachineArn)
          return reply(400, { __type: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${body.stateMachineArn}'` });
        const name = body.name ?? crypto.randomUUID();
        if (!EXECUTION_NAME.test(name)) return reply(400, { __type: 'InvalidName', message: `Invalid Name: '${name}'` });
        const executionArn = `${served.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
        const existing = executions.get(executionArn);
        if (existing && existing.input !== (body.input ?? '{}'))
          return reply(400, { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${executionArn}'` });
        if (!existing) {
          const record: LocalExecution = {
            executionArn,
            stateMachineArn: served.stateMachineArn,
            name,
            status: 'RUNNING',
            startDate: new Date(),
            input: body.input ?? '{}',
            history: [],
          };
          executions.set(executionArn, record);
          served.starter(record);
        }
        return reply(200, { executionArn, startDate: epochSeconds(executions.get(executionArn)?.startDate) });
      }
      if (target === 'GetExecutionHistory') {
        const found = executions.get(body.executionArn ?? '');
        if (!found) return reply(400, { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${body.executionArn}'` });
        const size = body.maxResults ?? 0;
        if (!Number.isInteger(size) || size < 0 || size > 1000)
          return reply(400, { __type: 'ValidationException', message: 'maxResults: expected 0 to 1000' });
        const start = body.nextToken === undefined ? 0 : Number(body.nextToken);
        const history = found.history ?? [];
        if (!Number.isInteger(start) || start < 0 || start > history.length)
          return reply(400, { __type: 'InvalidToken', message: `Invalid Token: '${body.nextToken}'` });
        const end = start + (size || DEFAULT_PAGE);
        // As Step Functions: no token past the last event so far, even while the execution runs.
        const more = end < history.length;
        return reply(200, { events: history.slice(start, end), ...(more ? { nextToken: String(Math.min(end, history.length)) } : {}) });
      }
      return reply(400, { __type: 'UnknownOperationException', message: `${target} is not served by the local endpoint` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    executions,
    serve: (stateMachineArn, starter) => {
      served = { stateMachineArn, starter };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
