/**
 * The Task states of the stack that call a service, not a function, as the local runner carries them out: SNS Publish
 * (with SNS's own checks; the alert is kept, not sent), EventBridge PutEvents (kept on the run's bus), and, in the
 * emulator's time mode, a Wait state's seconds passing (world-clock.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Json } from './definitions.ts';
import { type BusEvent, putEventsLocally } from './event-bus.ts';
import { checkPublish } from './lambda-local.ts';
import { PASS_TIME, passing } from './world-clock.ts';

interface Sinks {
  alerts: { subject: string; message: string; state: string }[];
  busEvents: BusEvent[];
}

interface ServiceOptions {
  interceptInvoke?: (functionName: string, invoke: () => Promise<unknown>, attempt: number) => Promise<unknown>;
  passTime?: (seconds: number) => number;
}

/** The handler of a Task state whose resource is a service's; undefined for a function's. */
export const serviceTask = (
  resource: string,
  stateName: string,
  sinks: Sinks,
  options: ServiceOptions,
  attempt: () => number,
): ((input: Json) => Promise<Json>) | undefined => {
  const intercepted = async (name: string, call: () => Promise<unknown>) => {
    const n = attempt();
    return (await (options.interceptInvoke ? options.interceptInvoke(name, call, n) : call())) as Json;
  };
  if (resource === 'arn:aws:states:::sns:publish')
    return (input) =>
      intercepted('sns:publish', async () => {
        const message = input as { Subject?: string; Message?: string };
        checkPublish(message);
        sinks.alerts.push({ subject: message.Subject ?? '', message: message.Message ?? '', state: stateName });
        return { MessageId: randomUUID() };
      });
  if (resource === 'arn:aws:states:::events:putEvents')
    return (input) => intercepted('events:putEvents', async () => putEventsLocally(input, stateName, sinks.busEvents));
  if (resource === PASS_TIME && options.passTime) {
    const pass = passing(options.passTime);
    return async (input) => {
      await pass(Number((input as { seconds?: unknown }).seconds ?? 0));
      return {};
    };
  }
  return undefined;
};
