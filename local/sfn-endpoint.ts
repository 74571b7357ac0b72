/**
 * A Step Functions endpoint on loopback for the local runner's own executions, in the service's JSON
 * protocol, so the handlers' concurrency guard and the operator's CLI ask it through the real SDK
 * (`AWS_ENDPOINT_URL_SFN`) exactly as they ask AWS: ListStateMachines, StartExecution (when a starter is
 * set), ListExecutions, DescribeExecution and GetExecutionHistory, with the API reference's limits; and
 * SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat for the callback tasks the local runner waits on
 * (`awaitTask`): a token 1 to 2,048 characters, an output of valid JSON up to 256 KiB, a failure's error and cause
 * of at most 256 and 32,768 characters, `InvalidToken` for a token
 * it never issued and `TaskTimedOut` for one whose task has ended (API Reference, SendTaskSuccess).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorizeChecks, type IamSettings, signedRegionOf } from '../emulator/iam.ts';
import type { HistoryEvent } from './sfn-history.ts';

export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
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

/** A callback task's outcome, once SendTaskSuccess or SendTaskFailure ends it. */
export type TaskOutcome = { output: unknown } | { error: string; cause: string };

export interface LocalStepFunctions {
  readonly url: string;
  /** Issues a task token and the promise of its outcome; `end` closes the task (its deadline passed) so a late answer is TaskTimedOut. */
  awaitTask(): { token: string; outcome: Promise<TaskOutcome>; settled: () => boolean; end: () => void };
  readonly executions: Map<string, LocalExecution>;
  /** A state machine StartExecution and ListStateMachines know (one more each call); StartExecution is refused until a starter is set. */
  serve(stateMachineArn: string, starter: Starter): void;
  /** Evaluates the callback actions (SendTask*) of a caller signed as one of these roles against its policies (none: no check). */
  enforce(iam: IamSettings | undefined): void;
  close(): Promise<void>;
}

// StartExecution: name 1 to 80 characters of letters, digits, - and _; GetExecutionHistory and ListExecutions:
// maxResults 0 to 1000 (0: 100); ListExecutions' statusFilter one of ExecutionStatus, newest execution first.
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const DEFAULT_PAGE = 100;
const STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

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
  // The state machines served, each with what runs its executions (a stage serves its rotation and its rollback).
  const served = new Map<string, Starter>();
  const tasks = new Map<string, { open: boolean; settle: (outcome: TaskOutcome) => void }>();
  let iam: IamSettings | undefined;
  // As the emulator: the client, not the server, closes an idle keep-alive socket (no "socket hang up" race).
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
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
        // Every AWS answer carries its request id; the operator's commands refuse one that does not (not AWS's).
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
        res.end(json(payload));
      };
      /** One page of a listing, as both listings page: maxResults 0 to 1000 (0: 100), numeric tokens, none past the end. */
      const page = <T>(items: readonly T[]): { items: T[]; nextToken?: string } | { refusal: [string, string] } => {
        const size = body.maxResults ?? 0;
        if (!Number.isInteger(size) || size < 0 || size > 1000)
          return { refusal: ['ValidationException', 'maxResults: expected 0 to 1000'] };
        const start = body.nextToken === undefined ? 0 : Number(body.nextToken);
        if (!Number.isInteger(start) || start < 0 || start > items.length)
          return { refusal: ['InvalidToken', `Invalid Token: '${body.nextToken}'`] };
        const end = start + (size || DEFAULT_PAGE);
        return { items: items.slice(start, end), ...(end < items.length ? { nextToken: String(end) } : {}) };
      };
      const paged = <T>(items: readonly T[], key: string, render: (item: T) => unknown) => {
        const listed = page(items);
        if ('refusal' in listed) return reply(400, { __type: listed.refusal[0], message: listed.refusal[1] });
        return reply(200, { [key]: listed.items.map(render), ...(listed.nextToken ? { nextToken: listed.nextToken } : {}) });
      };
      if (target === 'ListExecutions') {
        if (body.statusFilter !== undefined && !STATUSES.has(body.statusFilter))
          return reply(400, { __type: 'ValidationException', message: `statusFilter: '${body.statusFilter}' is not an execution status` });
        const known =
          served.has(body.stateMachineArn ?? '') || [...executions.values()].some((e) => e.stateMachineArn === body.stateMachineArn);
        if (!known)
          return reply(400, { __type: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${body.stateMachineArn}'` });
        const matching = [...executions.values()]
          .filter((e) => e.stateMachineArn === body.stateMachineArn && (!body.statusFilter || e.status === body.statusFilter))
          .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
        return paged(matching, 'executions', listItem);
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
        const machines = [...served.keys()].map((arn) => ({
          stateMachineArn: arn,
          name: arn.split(':').at(-1),
          type: 'STANDARD',
          creationDate: 0,
        }));
        return reply(200, { stateMachines: machines });
      }
      if (target === 'StartExecution') {
        const starter = served.get(body.stateMachineArn ?? '');
        const stateMachineArn = body.stateMachineArn ?? '';
        if (!starter)
          return reply(400, { __type: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${body.stateMachineArn}'` });
        const name = body.name ?? crypto.randomUUID();
        if (!EXECUTION_NAME.test(name)) return reply(400, { __type: 'InvalidName', message: `Invalid Name: '${name}'` });
        const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
        const existing = executions.get(executionArn);
        if (existing && existing.input !== (body.input ?? '{}'))
          return reply(400, { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${executionArn}'` });
        if (!existing) {
          const record: LocalExecution = {
            executionArn,
            stateMachineArn,
            name,
            status: 'RUNNING',
            startDate: new Date(),
            input: body.input ?? '{}',
            history: [],
          };
          executions.set(executionArn, record);
          starter(record);
        }
        return reply(200, { executionArn, startDate: epochSeconds(executions.get(executionArn)?.startDate) });
      }
      if (target === 'SendTaskSuccess' || target === 'SendTaskFailure' || target === 'SendTaskHeartbeat') {
        // No resource-level permission (Service Authorization Reference, AWS Step Functions): evaluated on `*`.
        const check = { action: `states:${target}`, resource: '*', context: {} };
        const region = signedRegionOf(req.headers.authorization) ?? 'us-east-1';
        const verdict = await authorizeChecks(iam, req.headers.authorization, [check], region);
        if (!verdict.allowed) return reply(400, { __type: 'AccessDeniedException', message: verdict.message });
        const { taskToken, output, error, cause } = body as { taskToken?: string; output?: string; error?: string; cause?: string };
        if (typeof taskToken !== 'string' || taskToken.length < 1 || taskToken.length > 2048)
          return reply(400, { __type: 'ValidationException', message: 'taskToken: expected 1 to 2048 characters' });
        const task = tasks.get(taskToken);
        if (!task) return reply(400, { __type: 'InvalidToken', message: 'Invalid Token' });
        if (!task.open) return reply(400, { __type: 'TaskTimedOut', message: 'Task Timed Out' });
        if (target === 'SendTaskHeartbeat') return reply(200, {});
        if (target === 'SendTaskSuccess') {
          if (typeof output !== 'string' || Buffer.byteLength(output) > 262_144)
            return reply(400, { __type: 'ValidationException', message: 'output: expected at most 262144 bytes' });
          let parsed: unknown;
          try {
            parsed = JSON.parse(output);
          } catch {
            return reply(400, { __type: 'InvalidOutput', message: 'Invalid Output: not JSON' });
          }
          task.open = false;
          task.settle({ output: parsed });
        } else {
          // SendTaskFailureInput (botocore's model): error at most 256 characters, cause at most 32,768.
          if ((error ?? '').length > 256)
            return reply(400, { __type: 'ValidationException', message: 'error: expected at most 256 characters' });
          if ((cause ?? '').length > 32_768)
            return reply(400, { __type: 'ValidationException', message: 'cause: expected at most 32768 characters' });
          task.open = false;
          task.settle({ error: error ?? '', cause: cause ?? '' });
        }
        return reply(200, {});
      }
      if (target === 'GetExecutionHistory') {
        const found = executions.get(body.executionArn ?? '');
        if (!found) return reply(400, { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${body.executionArn}'` });
        // As Step Functions: no token past the last event so far, even while the execution runs.
        return paged(found.history ?? [], 'events', (event) => event);
      }
      return reply(400, { __type: 'UnknownOperationException', message: `${target} is not served by the local endpoint` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    executions,
    awaitTask: () => {
      // As long and opaque as Step Functions' own tokens are to whoever holds one.
      const token = `local-${randomUUID()}-${randomUUID()}`;
      let settled = false;
      const outcome = new Promise<TaskOutcome>((resolve) => {
        tasks.set(token, {
          open: true,
          settle: (o) => {
            settled = true;
            resolve(o);
          },
        });
      });
      return {
        token,
        outcome,
        settled: () => settled,
        end: () => {
          const task = tasks.get(token);
          if (task) task.open = false;
        },
      };
    },
    serve: (stateMachineArn, starter) => {
      served.set(stateMachineArn, starter);
    },
    enforce: (settings) => {
      iam = settings;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
