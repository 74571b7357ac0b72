/**
 * Callback tasks in the local runner (`lambda:invoke.waitForTaskToken`): the token, the function's invocation, the
 * answer through the local Step Functions endpoint, and the deadline.
 */
import type { Context } from 'aws-lambda';
import * as amiEventRule from './ami-event-rule.ts';
import type { Json } from './definitions.ts';
import { asLambdaError, lambdaContext } from './lambda-local.ts';
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
  realTime?: boolean;
}

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
  // The deadline's time passes in the world, up to the moment something settles and its event ends the wait.
  let left = Number(payload.timeoutSeconds ?? 60);
  // Whole milliseconds, as clocks count them: a remainder smaller than one is no time at all.
  while (!task.settled() && left >= 0.001 && options.passTime && !options.realTime) {
    const passed = options.passTime(left);
    left -= passed;
    await amiEventRule.idle();
  }
  if (!task.settled() && options.realTime) {
    const seconds = Number(payload.timeoutSeconds ?? 60);
    await Promise.race([task.outcome, new Promise((resolve) => setTimeout(resolve, seconds * 1000))]);
  }
  if (!task.settled()) {
    task.end();
    throw statesTimeout();
  }
  const outcome = await task.outcome;
  if ('error' in outcome) throw Object.assign(new Error(outcome.cause), { name: outcome.error });
  return outcome.output as Json;
};
