/**
 * The default event bus as the local runner's `events:putEvents` task reaches it: EventBridge's own
 * checks on PutEvents (EventBridge API Reference, PutEvents and PutEventsRequestEntry: 1 to 10 entries;
 * Source, DetailType and Detail, a JSON object, in each; an entry of at most 256 KiB), and the optimized
 * integration's behaviour (Step Functions Developer Guide, "Amazon EventBridge": Detail given as an
 * object is sent as JSON text; a response with failed entries fails the task with EventBridge.FailedEntry).
 */
import { randomUUID } from 'node:crypto';

export interface BusEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  eventBusName: string;
  /** The state that put it. */
  state: string;
}

const MAX_ENTRY_BYTES = 262_144;

const fail = (error: string, message: string): never => {
  const failure = new Error(JSON.stringify({ errorType: error, errorMessage: message }));
  failure.name = error;
  throw failure;
};

interface Entry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
}

/** Puts the task's entries on the bus, or fails the task as Step Functions would. */
export const putEventsLocally = (
  input: unknown,
  state: string,
  bus: BusEvent[],
): { Entries: { EventId: string }[]; FailedEntryCount: 0 } => {
  const entries = (input as { Entries?: Entry[] } | null)?.Entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10)
    fail('EventBridge.ValidationException', 'Entries: expected 1 to 10 entries');
  const accepted: BusEvent[] = [];
  for (const entry of entries as Entry[]) {
    const detail = typeof entry.Detail === 'string' ? (JSON.parse(entry.Detail) as unknown) : entry.Detail;
    if (typeof entry.Source !== 'string' || typeof entry.DetailType !== 'string' || typeof detail !== 'object' || detail === null)
      fail('EventBridge.FailedEntry', 'an entry needs Source, DetailType and a Detail that is a JSON object (MalformedDetail)');
    const size = Buffer.byteLength(`${entry.Source}${entry.DetailType}${JSON.stringify(detail)}`);
    if (size > MAX_ENTRY_BYTES) fail('EventBridge.FailedEntry', `an entry of ${size} bytes is over 256 KiB`);
    accepted.push({
      source: entry.Source as string,
      detailType: entry.DetailType as string,
      detail: detail as Record<string, unknown>,
      eventBusName: typeof entry.EventBusName === 'string' ? entry.EventBusName : 'default',
      state,
    });
  }
  bus.push(...accepted);
  return { Entries: accepted.map(() => ({ EventId: randomUUID() })), FailedEntryCount: 0 };
};
