/**
 * The local runner's execution events as Step Functions' GetExecutionHistory returns them (Step Functions
 * API Reference, HistoryEvent): `<StateType>StateEntered` / `StateExited` with the state's name, input and
 * output as JSON text, and the execution's start, success and failure.
 */
import type { StateMachine } from 'aws-local-stepfunctions';

/** One execution event of aws-local-stepfunctions (the library does not export the type). */
export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** Seconds since the epoch, as the JSON protocol sends timestamps. */
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

const STATE_TYPES: Record<string, string> = {
  Task: 'Task',
  Choice: 'Choice',
  Wait: 'Wait',
  Pass: 'Pass',
  Succeed: 'Succeed',
  Fail: 'Fail',
  Map: 'Map',
  Parallel: 'Parallel',
};
const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/** The history event for one of the runner's events; undefined for those Step Functions does not record alike. */
export const toHistoryEvent = (event: EventLog, id: number): HistoryEvent | undefined => {
  const base = { id, previousEventId: id - 1, timestamp: event.timestamp / 1000 };
  switch (event.type) {
    case 'ExecutionStarted':
      return { ...base, type: 'ExecutionStarted', executionStartedEventDetails: { input: text(event.input) } };
    case 'ExecutionSucceeded':
      return { ...base, type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: text(event.output) } };
    case 'ExecutionFailed':
      return { ...base, type: 'ExecutionFailed', executionFailedEventDetails: { error: event.Error, cause: text(event.Cause) } };
    case 'StateEntered':
      return {
        ...base,
        type: `${STATE_TYPES[event.state.type] ?? 'Task'}StateEntered`,
        stateEnteredEventDetails: { name: event.state.name, input: text(event.state.input) },
      };
    case 'StateExited':
      return {
        ...base,
        type: `${STATE_TYPES[event.state.type] ?? 'Task'}StateExited`,
        stateExitedEventDetails: { name: event.state.name, output: text(event.state.output) },
      };
    case 'StateFailed':
      // A task's failure, each attempt's (a retried or caught one too); its state is the one entered before it.
      if (event.state.type !== 'Task') return undefined;
      return { ...base, type: 'TaskFailed', taskFailedEventDetails: { error: event.Error, cause: text(event.Cause) } };
    default:
      return undefined;
  }
};
