/**
 * Callback tasks in the local runner (`lambda:invoke.waitForTaskToken`, `sns:publish.waitForTaskToken`): the token,
 * the function's invocation or the topic's message, the answer through the local Step Functions endpoint, and the
 * deadline.
 */
import type { Context } from 'aws-lambda';
import * as amiEventRule from './ami-event-rule.ts';
import type { Json } from './definitions.ts';
import { asLambdaError, checkPublish, lambdaContext } from './lambda-local.ts';
import type { LocalStepFunctions } from './sfn-endpoint.ts';

/** What a callback task needs of the run: its options, the endpoint that issues tokens, and each function's handler. */
export interface CallbackRun {
  region: string;
  account: string;
  stepFunctions: LocalStepFunctions;
  handlerOf: (file: string, region: string | undefined) => Promise<(event: unknown, context: Context) => Promise<unknown>>;
  /** Counts this state's attempt, for `interceptInvoke`. */
  attempt: () => number;
  lambdaTimeoutMs?: Readonly<Record<string, number>>;
  interceptInvoke?: (file: string, invoke: () => Promise<unknown>, attempt: number) => Promise<unknown>;
  passTime?: (seconds: number) => number;
  /** The world's clock, with `passTime`; and SweepWaits, which the stack's schedule invokes at each whole minute of it. */
  now?: () => Date;
  sweep?: () => Promise<void>;
  realTime?: boolean;
}

const MINUTE_MS = 60_000;

const statesTimeout = (): Error => Object.assign(new Error('States.Timeout'), { name: 'States.Timeout' });

/**
 * A callback task (`lambda:invoke.waitForTaskToken`), as Step Functions runs one: a token issued by the local endpoint
 * replaces `$$.Task.Token` in the payload, the function is invoked, and the task ends when SendTaskSuccess or
 * SendTaskFailure names the token, or at its deadline. Locally, time is not slept: once the function has returned and
 * every event delivery under way has ended, nothing else can answer before the deadline, so the task times out then
 * (`realTime`: it waits the deadline for real). A late answer then gets TaskTimedOut, as from Step Functions.
 */
export const callbackTask = async (run: CallbackRun, stateName: string, input: Json): Promise<Json> => {
  const { region, account } = run;
  const options = run;
  const { FunctionName, Payload } = input as { FunctionName?: string; Payload?: Record<string, Json> };
  const file = String(FunctionName).split(':function:ami-rotator-local-')[1];
  if (!file) throw new Error(`State ${stateName}: no local handler for function ${FunctionName}`);
  const task = run.stepFunctions.awaitTask();
  const payload: Record<string, Json> = { ...(Payload ?? {}), token: task.token };
  const named = payload.region;
  const handler = await run.handlerOf(file, typeof named === 'string' && named !== '' ? named : undefined);
  const attempt = run.attempt();
  const context = lambdaContext(`ami-rotator-local-${file}`, options.lambdaTimeoutMs?.[file] ?? 900_000, region, account);
  const invoke = () => handler(structuredClone(payload), context);
  try {
    await (options.interceptInvoke ? options.interceptInvoke(file, invoke, attempt) : invoke());
  } catch (error) {
    task.end();
    throw asLambdaError(error);
  }
  await amiEventRule.idle();
  return answerOf(run, task, Number(payload.timeoutSeconds ?? 60));
};

type AwaitedTask = ReturnType<LocalStepFunctions['awaitTask']>;

/**
 * The end of a callback task once its request is out: SendTaskSuccess or SendTaskFailure naming the token, or the
 * deadline (States.Timeout). Locally, time is not slept: once every event delivery under way has ended, nothing else
 * can answer before the deadline, so the world's clock passes to it (`realTime`: it waits the deadline for real).
 */
const answerOf = async (run: CallbackRun, task: AwaitedTask, timeoutSeconds: number): Promise<Json> => {
  const options = run;
  if (options.passTime && options.now && options.sweep && !options.realTime) {
    // The deadline's time passes in the world minute by minute of its clock: at each whole minute the schedule invokes
    // SweepWaits (which may end the wait), and an image that settles between puts its event on the bus at once.
    const clock = () => options.now?.().getTime() ?? 0;
    const end = clock() + timeoutSeconds * 1000;
    while (!task.settled() && end - clock() >= 1) {
      const tick = (Math.floor(clock() / MINUTE_MS) + 1) * MINUTE_MS;
      const until = Math.min(tick, end);
      while (!task.settled() && until - clock() >= 1) {
        options.passTime((until - clock()) / 1000);
        await amiEventRule.idle();
      }
      if (!task.settled() && clock() >= tick) {
        // The schedule's invocation is the sweeper's own: one that fails ends nothing and fails nothing here.
        await options.sweep().catch(() => undefined);
        await amiEventRule.idle();
      }
    }
  }
  // Without the clock: the deadline's time passes up to the moment something settles and its event ends the wait.
  let left = options.now ? 0 : timeoutSeconds;
  // Whole milliseconds, as clocks count them: a remainder smaller than one is no time at all.
  while (!task.settled() && left >= 0.001 && options.passTime && !options.realTime) {
    const passed = options.passTime(left);
    left -= passed;
    await amiEventRule.idle();
  }
  if (!task.settled() && options.realTime) {
    await Promise.race([task.outcome, new Promise((resolve) => setTimeout(resolve, timeoutSeconds * 1000))]);
  }
  if (!task.settled()) {
    task.end();
    throw statesTimeout();
  }
  const outcome = await task.outcome;
  if ('error' in outcome) throw Object.assign(new Error(outcome.cause), { name: outcome.error });
  return outcome.output as Json;
};

/** The placeholder the runner's context gives `$$.Task.Token`; each callback task's own token replaces it. */
export const TOKEN_PLACEHOLDER = 'issued-by-the-local-endpoint';

/** The topic's message as a subscriber receives it (the alert, with its attributes). */
export interface TopicMessage {
  subject: string;
  message: string;
  state: string;
  attributes: Record<string, string>;
}

/**
 * A callback task that publishes to the alert topic (`sns:publish.waitForTaskToken`), as Step Functions runs one: the
 * token replaces `$$.Task.Token` in the message, the execution's history records the task as scheduled with its
 * parameters (HistoryEvent, TaskScheduled: what `ami-rotator approve` reads the token from), the message goes to the
 * topic's subscribers (`deliver`: a person reading it may answer at once), and the task ends with the answer or at the
 * deadline. Step Functions times the task out after its `TimeoutSecondsPath`; locally the deadline is the one the
 * message names in its `deadline` attribute, the same plan's value (test/workflow/promote.test.ts holds both).
 */
export const topicCallbackTask = async (
  run: CallbackRun & { now?: () => Date },
  stateName: string,
  input: Json,
  history: { push: (event: { type: string; [details: string]: unknown }) => void },
  deliver: (message: TopicMessage) => Promise<void>,
): Promise<Json> => {
  const task = run.stepFunctions.awaitTask();
  const parameters = JSON.parse(JSON.stringify(input).replaceAll(TOKEN_PLACEHOLDER, task.token)) as {
    Subject?: string;
    Message?: string;
    MessageAttributes?: Record<string, { StringValue?: string }>;
  };
  run.attempt();
  checkPublish(parameters);
  const attributes = Object.fromEntries(Object.entries(parameters.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']));
  const deadline = Date.parse(attributes.deadline ?? '');
  const now = run.now?.().getTime() ?? Date.now();
  const timeoutSeconds = Number.isNaN(deadline) ? 60 : Math.max(0, (deadline - now) / 1000);
  history.push({
    type: 'TaskScheduled',
    taskScheduledEventDetails: {
      resourceType: 'sns',
      resource: 'publish.waitForTaskToken',
      region: run.region,
      parameters: JSON.stringify(parameters),
      timeoutInSeconds: Math.ceil(timeoutSeconds),
    },
  });
  await deliver({ subject: parameters.Subject ?? '', message: parameters.Message ?? '', state: stateName, attributes });
  await amiEventRule.idle();
  return answerOf(run, task, timeoutSeconds);
};
