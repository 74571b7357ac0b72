/**
 * Runs the real state machine file with aws-local-stepfunctions: each Lambda Task runs the real
 * handler module in-process (with a Lambda-like context and Lambda's error format), each SNS
 * Task delivers to a local sink, and CloudFormation intrinsics are resolved as a deployment would.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { ACCOUNT_ID } from '../emulator/store.ts';
import { autoScalingClient } from '../src/aws/auto-scaling-client.ts';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { recycleBinClient } from '../src/aws/recycle-bin-client.ts';
import { sfnClient } from '../src/aws/sfn-client.ts';
import { ssmClient } from '../src/aws/ssm-client.ts';
import { callbackTask, topicCallbackTask } from './callback-task.ts';
import { environmentClientsAs, servedLocallyAs } from './clients.ts';
import { allStates, DEFINITIONS, type Json, localStateMachineName, runnerDefinition } from './definitions.ts';
import type { BusEvent } from './event-bus.ts';
import { asLambdaError, lambdaContext } from './lambda-local.ts';
import type { Alert, AwsClients, LocalRunOptions, LocalRunResult } from './run-options.ts';
import { serviceTask } from './service-tasks.ts';
import { type LocalExecution, type LocalStepFunctions, startLocalStepFunctions } from './sfn-endpoint.ts';
import { type EventLog, toHistoryEvent } from './sfn-history.ts';
import { functionRoles } from './stack-roles.ts';
import { asStateMachineRole, type TaskHandlers } from './state-machine-iam.ts';
import { passing, sweeper, type WorldClock, waitsPassTime } from './world-clock.ts';

export { allStates, functionFileOf, loadDefinition, loadDefinitions } from './definitions.ts';
export type { AwsClients, LocalRunOptions, LocalRunResult } from './run-options.ts';
export type { EventLog } from './sfn-history.ts';

/** The account a local run acts in: the emulator's own. */
export const LOCAL_ACCOUNT_ID = ACCOUNT_ID;

type Handler = (event: unknown, context: Context) => Promise<unknown>;
/** What a module's makeHandler is given: every client, the wait table's, EC2 in any region, and the world's clock. */
type Given = AwsClients & { ec2In: (region: string) => EC2Client; dynamodb: DynamoDBClient } & WorldClock;
interface HandlerModule {
  handler: Handler;
  makeHandler: (clients: Given) => Handler;
}

const defaultClients = (region: string | undefined): AwsClients => ({
  ec2: ec2Client(region),
  autoScaling: autoScalingClient(region),
  sfn: sfnClient(),
  ssm: ssmClient(region),
  recycleBin: recycleBinClient(region),
});

let shared: Promise<LocalStepFunctions> | undefined;
/** The process's local Step Functions endpoint, started on first use; the SDK finds it through AWS_ENDPOINT_URL_SFN. */
export const localStepFunctions = async (): Promise<LocalStepFunctions> => {
  shared ??= startLocalStepFunctions();
  const endpoint = await shared;
  process.env.AWS_ENDPOINT_URL_SFN = endpoint.url;
  return endpoint;
};

type Definition = { States: Record<string, { Type: string; Resource?: string }> };

/** What one rotation's executions (the parent and its children) share: handlers, attempts, sinks and the result's events. */
interface RunScope {
  options: LocalRunOptions;
  region: string;
  account: string;
  stepFunctions: LocalStepFunctions;
  alerts: Alert[];
  busEvents: BusEvent[];
  /** Every state event of the rotation, children's included (their own start and end are in their own history). */
  events: EventLog[];
  began: number;
  /** A function's handler, with clients signed for `region` (the event's, a copy's) or the run's own. */
  handlerOf: (file: string, region: string | undefined) => Promise<Handler>;
  attempts: Map<string, number>;
  /** One invocation of SweepWaits by the schedule (run in the emulator's time mode only). */
  sweep: () => Promise<void>;
}

interface ExecutionOutcome {
  status: LocalRunResult['status'];
  output: unknown;
  error: string | undefined;
  cause: string | undefined;
}

const causeText = (cause: unknown): string | undefined =>
  typeof cause === 'string' ? cause : cause === undefined ? undefined : JSON.stringify(cause);

const countAttempt = (scope: RunScope, stateName: string): number => {
  const attempt = (scope.attempts.get(stateName) ?? 0) + 1;
  scope.attempts.set(stateName, attempt);
  return attempt;
};

/** The local handler of each Task state of a definition, by state name. */
const taskHandlers = (scope: RunScope, definition: Definition, record: LocalExecution, file: string): TaskHandlers => {
  const { options, region, account } = scope;
  const handlers: TaskHandlers = {};
  for (const [stateName, state] of allStates(definition)) {
    if (state.Type !== 'Task' || !state.Resource) continue;
    const service = serviceTask(state.Resource, stateName, scope, options, () => countAttempt(scope, stateName));
    if (service) {
      handlers[stateName] = service;
      continue;
    }
    if (state.Resource === 'arn:aws:states:::states:startExecution.sync:2') {
      handlers[stateName] = async (input) =>
        startChildExecution(scope, input as { StateMachineArn?: string; Input?: Json; Name?: string }, record);
      continue;
    }
    if (state.Resource.endsWith(':states:::sns:publish.waitForTaskToken')) {
      const run = { ...scope.options, ...scope, attempt: () => countAttempt(scope, stateName) };
      const history = {
        push: (event: { type: string; [details: string]: unknown }) => {
          const id = (record.history?.length ?? 0) + 1;
          record.history?.push({ id, previousEventId: id - 1, timestamp: Date.now() / 1000, ...event });
        },
      };
      handlers[stateName] = async (input) =>
        topicCallbackTask(run, stateName, input, history, async (message) => {
          scope.alerts.push({ subject: message.subject, message: message.message, state: message.state });
          await options.onTopicMessage?.(message);
        });
      continue;
    }
    if (state.Resource.endsWith(':states:::lambda:invoke.waitForTaskToken')) {
      const run = { ...scope.options, ...scope, attempt: () => countAttempt(scope, stateName) };
      handlers[stateName] = async (input) => callbackTask(run, stateName, input);
      continue;
    }
    const file = state.Resource.split(':function:ami-rotator-local-')[1];
    if (!file) throw new Error(`State ${stateName}: no local handler for resource ${state.Resource}`);
    handlers[stateName] = async (input) => {
      const named = (input as { region?: unknown } | null)?.region;
      const handler = await scope.handlerOf(file, typeof named === 'string' && named !== '' ? named : undefined);
      const attempt = countAttempt(scope, stateName);
      const context = lambdaContext(`ami-rotator-local-${file}`, options.lambdaTimeoutMs?.[file] ?? 900_000, region, account);
      const invoke = () => handler(structuredClone(input), context);
      try {
        const result = await (options.interceptInvoke ? options.interceptInvoke(file, invoke, attempt) : invoke());
        return JSON.parse(JSON.stringify(result ?? null)) as Json;
      } catch (error) {
        throw asLambdaError(error);
      }
    };
  }
  return asStateMachineRole(handlers, definition, file, { region, account });
};

/**
 * One execution of one of the stack's state machines, recorded in the local Step Functions endpoint with its
 * own history (as GetExecutionHistory returns it); its state events also go to the rotation's event list.
 */
const runExecution = async (
  scope: RunScope,
  file: string,
  input: unknown,
  name: string,
  { child, onStart }: { child: boolean; onStart?: (executionArn: string) => void },
): Promise<ExecutionOutcome & { executionArn: string; record: LocalExecution }> => {
  const { options, region, account, stepFunctions } = scope;
  // The state machine as deployed when the execution starts: an earlier release's files, or this repository's.
  const path = options.files ? new URL(`statemachine/${file}.asl.json`, options.files()) : DEFINITIONS[file];
  if (!path) throw new Error(`No state machine file for ${file}`);
  const resolved = runnerDefinition(JSON.parse(await readFile(path, 'utf8')) as Json, region, account);
  const definition = (options.passTime && options.now ? waitsPassTime(resolved) : resolved) as Definition;
  const stateMachine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const waitOverrides = Object.fromEntries(
    allStates(definition)
      .filter(([, s]) => s.Type === 'Wait')
      .map(([state]) => [state, options.waitMs ?? 0]),
  );
  const retryOverrides = Object.fromEntries(
    allStates(definition)
      .filter(([, s]) => s.Type === 'Task')
      .map(([state]) => [state, options.retryMs ?? 0]),
  );
  const machineName = localStateMachineName(file);
  const stateMachineArn = `arn:aws:states:${region}:${account}:stateMachine:${machineName}`;
  const executionArn = `arn:aws:states:${region}:${account}:execution:${machineName}:${name}`;
  const registered: LocalExecution = {
    executionArn,
    stateMachineArn,
    name,
    status: 'RUNNING',
    startDate: new Date(),
    input: JSON.stringify(input ?? null),
  };
  // An execution StartExecution registered is already there: this run fills it in.
  const record = stepFunctions.executions.get(executionArn) ?? registered;
  record.history ??= [];
  stepFunctions.executions.set(executionArn, record);
  onStart?.(executionArn);
  const handlers = taskHandlers(scope, definition, record, file);
  const execution = stateMachine.run(input as Json, {
    overrides: options.realTime
      ? { taskResourceLocalHandlers: handlers }
      : { taskResourceLocalHandlers: handlers, waitTimeOverrides: waitOverrides, retryIntervalOverrides: retryOverrides },
    context: {
      // The library stamps Execution.StartTime with the clock when the run starts, as Step Functions does.
      Execution: { Id: executionArn, Name: name },
      // A placeholder: each callback task's own token is issued when it starts (callbackTask).
      Task: { Token: 'issued-by-the-local-endpoint' },
      StateMachine: { Id: stateMachineArn, Name: machineName },
    },
  });
  const own: EventLog[] = [];
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      own.push(event);
      const recorded = toHistoryEvent(event, (record.history?.length ?? 0) + 1);
      if (recorded) record.history?.push(recorded);
      // A child's start and end belong to its own history; the rotation's list has its states.
      if (child && event.type.startsWith('Execution')) continue;
      scope.events.push(event);
      options.onEvent?.(event, performance.now() - scope.began);
    }
  })();
  let output: unknown;
  let status: LocalRunResult['status'] = 'SUCCEEDED';
  try {
    output = await execution.result;
  } catch {
    status = 'FAILED';
  }
  await collect;
  const failed = own.find((e) => e.type === 'ExecutionFailed') as { Error?: string; Cause?: unknown } | undefined;
  Object.assign(record, {
    status,
    stopDate: new Date(),
    ...(status === 'SUCCEEDED' ? { output: JSON.stringify(output ?? null) } : {}),
    ...(failed ? { error: failed.Error, cause: causeText(failed.Cause) ?? '' } : {}),
  });
  return { status, output, error: failed?.Error, cause: causeText(failed?.Cause), executionArn, record };
};

/**
 * `states:startExecution.sync:2`, as Step Functions runs it (Developer Guide, "Start a new AWS Step Functions
 * state machine from a running execution" and "Run a Job (.sync)"): the child runs as an execution of its own
 * state machine; the task's result is DescribeExecution's answer with Input and Output as JSON; a child that
 * fails fails the task with States.TaskFailed, whose cause is that answer (the child's error and cause in it).
 */
const startChildExecution = async (
  scope: RunScope,
  request: { StateMachineArn?: string; Input?: Json; Name?: string },
  parent: LocalExecution,
): Promise<Json> => {
  const machine = String(request.StateMachineArn ?? '').split(':stateMachine:')[1] ?? '';
  const file = machine.replace(/^ami-rotator-local-/, '');
  const name = request.Name ?? randomUUID();
  // The parent's history names the child as Step Functions' does: a TaskSubmitted event with StartExecution's answer.
  const submitted = (executionArn: string) => {
    const id = (parent.history?.length ?? 0) + 1;
    parent.history?.push({
      id,
      previousEventId: id - 1,
      timestamp: Date.now() / 1000,
      type: 'TaskSubmitted',
      taskSubmittedEventDetails: {
        resourceType: 'states',
        resource: 'startExecution.sync:2',
        output: JSON.stringify({ ExecutionArn: executionArn, StartDate: Date.now() / 1000 }),
      },
    });
  };
  const run = await runExecution(scope, file, request.Input ?? {}, name, { child: true, onStart: submitted });
  const described = {
    ExecutionArn: run.executionArn,
    StateMachineArn: run.record.stateMachineArn,
    Name: name,
    Status: run.status,
    StartDate: run.record.startDate.getTime(),
    StopDate: run.record.stopDate?.getTime() ?? Date.now(),
    Input: request.Input ?? {},
    ...(run.status === 'SUCCEEDED' ? { Output: run.output as Json } : { Error: run.error ?? '', Cause: run.cause ?? '' }),
  };
  if (run.status === 'SUCCEEDED') return described;
  const error = new Error(JSON.stringify(described));
  error.name = 'States.TaskFailed';
  throw error;
};

export const runRotationLocally = async (options: LocalRunOptions): Promise<LocalRunResult> => {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const account = options.accountId ?? LOCAL_ACCOUNT_ID;
  // Each function's handler once per run: the module's own, or one built from the clients the run was given.
  const built = new Map<string, Promise<Handler>>();
  const roles = functionRoles();
  const clientsOf = (file: string, inRegion: string | undefined): Partial<AwsClients> | undefined => {
    // A function without a role in serverless.yml would be signed with a key the emulator does not check.
    const role = roles[file];
    if (role === undefined) throw new Error(`functions/${file}.ts has no role in serverless.yml: its calls could not be checked`);
    if (typeof options.clients === 'function') return options.clients(role, inRegion);
    if (options.clients) return options.clients;
    return options.identity === 'environment' ? undefined : environmentClientsAs(role, inRegion);
  };
  // Clients and handler once per function, region and run, on its first invocation.
  const handlerOf = (file: string, inRegion: string | undefined): Promise<Handler> => {
    // The function as deployed at this invocation: an earlier release's (the upgrade test), or this repository's.
    const root = options.files?.() ?? new URL('../', import.meta.url);
    const key = `${root.href} ${file} ${inRegion ?? ''}`;
    const found =
      built.get(key) ??
      import(new URL(`functions/${file}.ts`, root).href).then((module: HandlerModule) => {
        const clients = clientsOf(file, inRegion);
        if (!clients) return module.handler;
        // SweepWaits looks in every region a wait is in, each signed as its role; the clock is the run's world's.
        const ec2In = (r: string) => clientsOf(file, r)?.ec2 ?? ec2Client(r);
        const clock = options.now && options.passTime ? { now: options.now, sleep: passing(options.passTime) } : {};
        const served = servedLocallyAs(roles[file] ?? '');
        return module.makeHandler({ ...defaultClients(inRegion), ...served, ...clients, ec2In, ...clock });
      });
    built.set(key, found);
    return found;
  };
  const scope: RunScope = {
    options,
    region,
    account,
    stepFunctions: options.stepFunctions ?? (await localStepFunctions()),
    alerts: [],
    busEvents: [],
    events: [],
    began: performance.now(),
    handlerOf,
    attempts: new Map(),
    sweep: sweeper(handlerOf, options, region, account),
  };
  const name = options.executionName ?? `local-${randomUUID()}`;
  const run = await runExecution(scope, options.stateMachine ?? 'rotate-ami', options.input, name, { child: false });
  return {
    status: run.status,
    output: run.output,
    error: run.error,
    cause: run.cause,
    alerts: scope.alerts,
    busEvents: scope.busEvents,
    events: scope.events,
    transitions: scope.events.filter((e) => e.type === 'StateEntered').length,
    executionArn: run.executionArn,
  };
};

/**
 * The stage's promotion (statemachine/promote.asl.json), as the AMI Rotated event of a candidate starts it (its
 * detail is the input), run as the rotation is: every call as the role that makes it.
 */
export const runPromotionLocally = (options: Omit<LocalRunOptions, 'stateMachine'>): Promise<LocalRunResult> =>
  runRotationLocally({ ...options, stateMachine: 'promote' });

/** The stage's rollback (statemachine/rollback.asl.json), run as the rotation is: every call as the role that makes it. */
export const runRollbackLocally = (options: Omit<LocalRunOptions, 'stateMachine'>): Promise<LocalRunResult> =>
  runRotationLocally({ ...options, stateMachine: 'rollback' });
