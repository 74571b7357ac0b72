/**
 * The world's time in a local run in the emulator's time mode (`passTime` and `now`): a function's sleep lets the
 * emulator's clock pass (images settle and put their events on the bus meanwhile), the stack's schedule invokes
 * SweepWaits at each whole minute, and a Wait state lets its seconds pass (aws-local-stepfunctions only sleeps real
 * milliseconds): it runs as a Task of the same input and output that passes the time.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import * as amiEventRule from './ami-event-rule.ts';
import { allStates, type Json } from './definitions.ts';
import { lambdaContext } from './lambda-local.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;
type Intercept = (functionName: string, invoke: () => Promise<unknown>, attempt: number) => Promise<unknown>;

let invocations = 0;

/** What a function is given of the world's time in time mode: its clock, and a sleep that lets that time pass. */
export interface WorldClock {
  now?: () => Date;
  sleep?: (seconds: number) => Promise<void>;
}

/** The resource of a Wait state run as a Task in time mode. */
export const PASS_TIME = 'arn:aws:states:::local:pass-time';

/** Each Wait state as a Task that passes its seconds (`Seconds` or `SecondsPath`) and leaves its input as it was. */
export const waitsPassTime = (definition: Json): Json => {
  for (const [, state] of allStates(definition as unknown as { States: Record<string, Record<string, Json>> })) {
    if (state.Type !== 'Wait') continue;
    const seconds = typeof state.SecondsPath === 'string' ? { 'seconds.$': state.SecondsPath } : { seconds: state.Seconds ?? 0 };
    delete state.Seconds;
    delete state.SecondsPath;
    Object.assign(state, { Type: 'Task', Resource: PASS_TIME, Parameters: seconds, ResultPath: null });
  }
  return definition;
};

/** A function's sleep in the emulator's time mode: the world's time passes instead (events fire as images settle). */
export const passing =
  (passTime: (seconds: number) => number) =>
  async (seconds: number): Promise<void> => {
    let left = seconds;
    while (left >= 0.001) {
      const passed = passTime(left);
      left -= passed;
      await amiEventRule.idle();
    }
  };

/** The stack's schedule invoking SweepWaits: a Scheduled Event, as EventBridge sends one (the time is the run's clock's). */
export const sweeper =
  (
    handlerOf: (file: string, region: string | undefined) => Promise<Handler>,
    { now, interceptInvoke }: { now?: () => Date; interceptInvoke?: Intercept },
    region: string,
    account: string,
  ) =>
  async (): Promise<void> => {
    invocations += 1;
    const handler = await handlerOf('sweep-waits', undefined);
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account,
      time: (now?.() ?? new Date()).toISOString(),
      region,
      resources: [`arn:aws:events:${region}:${account}:rule/ami-rotator-local-sweep-waits`],
      detail: {},
    };
    const invoke = () => handler(event as Json, lambdaContext('ami-rotator-local-sweep-waits', 120_000, region, account));
    await (interceptInvoke ? interceptInvoke('sweep-waits', invoke, invocations) : invoke());
  };
