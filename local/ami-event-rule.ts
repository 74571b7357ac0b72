/**
 * The stack's two rules that end waits (serverless.yml, CompleteWait's eventBridge patterns, this account): EC2's
 * `EC2 AMI State Change` (source `aws.ec2`) and Systems Manager's `EC2 Command Status-change Notification` (source
 * `aws.ssm`), as the local runner delivers what the emulator puts on the bus: each matching event invokes CompleteWait
 * asynchronously. EventBridge delivers at least once and in no promised order, and both services send on a best-effort
 * basis: the fault plan drops, repeats, delays and reorders deliveries (`setFaults`).
 */
import type { BusEvent } from '../emulator/ami-events.ts';
import { seededRandom } from '../emulator/faults.ts';
import { servedLocallyAs } from './clients.ts';
import { functionRoles } from './stack-roles.ts';

export interface DeliveryFaults {
  /** The share of events never delivered (0 to 1). */
  drop?: number;
  /** The share of events delivered twice. */
  duplicate?: number;
  /** Each delivery waits up to this many milliseconds (events then arrive out of order). */
  maxDelayMs?: number;
  seed?: number;
}

const pending = new Set<Promise<unknown>>();
let faults: DeliveryFaults = {};
/** The copy regions whose forwarding stack (infra/region-events-stack.yml) is deployed: their AMI events reach the rule. */
let forwarded = new Set<string>();
let random = seededRandom(1);
/**
 * What the rule did with each event: delivered (how many times) or dropped, when EC2 sent it, and whether a delivery
 * ended a wait (CompleteWait's outcome `completed`); for tests and the bench.
 */
export const deliveries: { eventId: string; subject: string; state: string; copies: number; time: string; endedWait: boolean }[] = [];

/** Where the deployed functions are: this repository's, or an earlier release's (`deployFunctions`, the upgrade test). */
let functionsAt = new URL('../functions/', import.meta.url);

/** Deploys the functions of the release whose files are at `root` (its functions/ folder); none: this repository's. */
export const deployFunctions = (root?: URL): void => {
  functionsAt = root ? new URL('functions/', root) : new URL('../functions/', import.meta.url);
};

/** The function the rule invokes: CompleteWait, signed as its role (its table and Step Functions calls are evaluated). */
const completeWait = async (event: BusEvent): Promise<unknown> => {
  const { makeHandler } = (await import(new URL('complete-wait.ts', functionsAt).href)) as typeof import('../functions/complete-wait.ts');
  const handler = makeHandler(servedLocallyAs(functionRoles()['complete-wait'] ?? ''));
  const context = { functionName: 'ami-rotator-local-complete-wait', awsRequestId: event.id, getRemainingTimeInMillis: () => 30_000 };
  return handler(event as never, context as never);
};

/** Deploys (or, with none, removes) the forwarding stack of these copy regions. */
export const forwardFrom = (regions: readonly string[]): void => {
  forwarded = new Set(regions);
};

export const setFaults = (plan: DeliveryFaults): void => {
  faults = plan;
  random = seededRandom(plan.seed ?? 1);
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Which of the stack's two rules an event matches (source and detail-type), and what it is about; none: undefined. */
const matched = (event: BusEvent): { subject: string; state: string } | undefined => {
  if (event.source === 'aws.ec2' && event['detail-type'] === 'EC2 AMI State Change')
    return { subject: event.detail.ImageId, state: event.detail.State };
  if (event.source === 'aws.ssm' && event['detail-type'] === 'EC2 Command Status-change Notification')
    return { subject: event.detail['command-id'], state: event.detail.status };
  return undefined;
};

/** The rules: an event that matches is delivered (or dropped, repeated, delayed) to the target. */
export const deliver = (event: BusEvent): void => {
  const about = matched(event);
  if (!about) return;
  // The rule lives in the stack's region and sees only that region's default bus: a copy's events reach it only where
  // the forwarding stack puts them there, an AMI's available or failed (its pattern). The emulator is one account: the
  // pattern's account always matches.
  const home = event.region === (process.env.AWS_REGION ?? 'us-east-1');
  const forwardedHere =
    forwarded.has(event.region) && event.source === 'aws.ec2' && (about.state === 'available' || about.state === 'failed');
  if (!home && !forwardedHere) return;
  const copies = random() < (faults.drop ?? 0) ? 0 : random() < (faults.duplicate ?? 0) ? 2 : 1;
  const record = { eventId: event.id, subject: about.subject, state: about.state, copies, time: event.time, endedWait: false };
  deliveries.push(record);
  for (let n = 0; n < copies; n += 1) {
    const delay = Math.floor(random() * (faults.maxDelayMs ?? 0));
    const delivery = (async () => {
      if (delay > 0) await sleep(delay);
      const outcome = (await completeWait(event)) as { outcome?: string } | undefined;
      if (outcome?.outcome === 'completed') record.endedWait = true;
    })().catch(() => {
      // As EventBridge: a failed invocation is retried by Lambda's async retries; the wait's deadline covers the rest.
    });
    pending.add(delivery);
    void delivery.finally(() => pending.delete(delivery));
  }
};

/** Resolves once every delivery under way has ended. */
export const idle = async (): Promise<void> => {
  while (pending.size > 0) await Promise.allSettled([...pending]);
};
