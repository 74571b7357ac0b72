/** What the operator's history and status read of the rotations Step Functions still keeps (90 days after they end). */
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  paginateGetExecutionHistory,
  paginateListExecutions,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { inBatches } from './batches.ts';

export interface ExecutionRecord {
  executionArn: string;
  name: string;
  status: string;
  startDate: Date;
  stopDate: Date | undefined;
  /** The family its input names; undefined when it names none (the deployment's default family). */
  family: string | undefined;
  dryRun: boolean;
  /** Its output, parsed; undefined until it succeeds. */
  output: unknown;
  error: string | undefined;
  cause: string | undefined;
}

/** JSON text as a value; undefined when it is not JSON (an execution's input or output, a command-line flag). */
export const parseJson = (text: string | undefined): unknown => {
  try {
    return JSON.parse(text ?? 'null');
  } catch {
    return undefined;
  }
};
/** A value inside an execution's parsed input or output, or undefined where the path leads nowhere. */
export const dig = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, key) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined), value);

export interface ReadOptions {
  /** Executions started before this are not read (the listing is newest first, so reading stops there). */
  since: Date;
  /** Descriptions in flight at once: Step Functions' DescribeExecution bucket is 250 with 15 a second in most Regions. */
  concurrency?: number;
  /** Told after each batch: how many executions are described, of how many listed so far. */
  progress?: ((described: number, listed: number) => void) | undefined;
}

/** The state machine's executions started since `since`, newest first, each described (input, output, error). */
export const readExecutions = async (
  sfn: SFNClient,
  stateMachineArn: string,
  { since, concurrency = 8, progress }: ReadOptions,
): Promise<ExecutionRecord[]> => {
  const records: ExecutionRecord[] = [];
  const describe = async (item: ExecutionListItem): Promise<ExecutionRecord> => {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: item.executionArn }));
    const input = parseJson(described.input);
    const output = parseJson(described.output);
    const family = dig(output, 'request', 'family') ?? dig(input, 'family');
    return {
      executionArn: item.executionArn ?? '',
      name: item.name ?? '',
      status: described.status ?? item.status ?? 'UNKNOWN',
      startDate: described.startDate ?? item.startDate ?? new Date(0),
      stopDate: described.stopDate ?? item.stopDate,
      family: typeof family === 'string' ? family : undefined,
      dryRun: dig(input, 'dryRun') === true,
      output: output ?? undefined,
      error: described.error,
      cause: described.cause,
    };
  };
  let listed = 0;
  for await (const page of paginateListExecutions({ client: sfn, pageSize: 1000 }, { stateMachineArn })) {
    const recent = (page.executions ?? []).filter((e) => (e.startDate?.getTime() ?? 0) >= since.getTime());
    const before = records.length;
    listed += recent.length;
    records.push(...(await inBatches(recent, concurrency, describe, (done) => progress?.(before + done, listed))));
    // Newest first: a page that reaches past `since` is the last one needed.
    if (recent.length < (page.executions ?? []).length) break;
  }
  return records;
};

/**
 * What a failed rotation knew when it failed: the input of its last DescribeFailure (the failure path's state: what
 * it made, published and, per region, what each consumer account got). A failed execution has no output; its
 * history keeps this for as long as Step Functions keeps the execution. Undefined when it never reached the failure path.
 */
export const readFailureState = async (sfn: SFNClient, executionArn: string): Promise<unknown> => {
  let state: unknown;
  for await (const page of paginateGetExecutionHistory({ client: sfn, pageSize: 1000 }, { executionArn })) {
    for (const event of page.events ?? [])
      if (event.stateEnteredEventDetails?.name === 'DescribeFailure') state = parseJson(event.stateEnteredEventDetails.input);
  }
  return state;
};
