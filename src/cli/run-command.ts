/**
 * `ami-rotator run`: validates a rotation's input with the workflow's own contract, starts it on the
 * stage's state machine and follows it to its end, one line per state. Ctrl-C stops following, never
 * the execution.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { readConfig } from '../config.ts';
import { InvalidInputError } from '../errors.ts';
import { parseRotationRequest } from '../rotation/request.ts';
import { isSkipped, sourcePruneOf } from '../workflow/contract.ts';
import { dig, parseJson } from './executions.ts';
import { parseFlags, UsageError } from './flags.ts';
import { findStateMachine, STATE_MACHINE_FLAGS, STATE_MACHINE_USAGE } from './state-machine.ts';

export const RUN_USAGE = `usage: ami-rotator run --family NAME [--instance ID] [--dry-run] [--input JSON] [--no-follow]
                       [--stage STAGE | --state-machine-arn ARN] [--poll-seconds N] [--json]

Starts a rotation and follows it: one line per state as it is entered, in the order they happened (a
child execution's states indented inside its parent's), each wait with the time of its next check,
then the summary. The input is checked first with the workflow's own rules; nothing is
started when it breaks one. Step Functions is reached through the standard AWS settings (AWS_PROFILE,
AWS_REGION, AWS_ENDPOINT_URL_SFN).

  --family NAME, --instance ID, --dry-run   the input's family, instanceId and dryRun
  --input JSON             the whole execution input (docs/input.md, "Execution input"); the flags above override it
${STATE_MACHINE_USAGE}
  --no-follow              start it and print its ARN only
  --poll-seconds N         how often to look at the execution's history (default 5)
  --json                   print the execution's final description as JSON

Exit codes: 0 the rotation succeeded (or was started, with --no-follow); 1 it failed; 2 a usage error
or an input the workflow would refuse; 130 following was stopped (the execution goes on).`;

/** Where each Wait state's length is, in its input: the time of the next check. */
const WAIT_OF: Record<string, string[]> = {
  AwaitImage: ['image', 'nextWaitSeconds'],
  AwaitCommand: ['prepare', 'nextWaitSeconds'],
  WaitForImage: ['image', 'nextWaitSeconds'],
  WaitForBoot: ['bootTest', 'nextWaitSeconds'],
  WaitForParameter: ['published', 'nextWaitSeconds'],
};
const clock = (d: Date) => d.toISOString().slice(11, 19);
const ENDED = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

/** One line for a history event a person follows; undefined for the others. */
export const describeEvent = (event: HistoryEvent, started: Date): string | undefined => {
  const at = event.timestamp ?? started;
  const offset = `[+${String(Math.max(0, Math.round((at.getTime() - started.getTime()) / 1000))).padStart(5)}s]`;
  const entered = event.stateEnteredEventDetails;
  if (entered?.name) {
    const path = WAIT_OF[entered.name];
    const seconds = path ? Number(dig(parseJson(entered.input), ...path)) : Number.NaN;
    if (!Number.isFinite(seconds)) return `${offset} ${entered.name}`;
    const next = `${clock(new Date(at.getTime() + seconds * 1000))} UTC (in ${seconds} s)`;
    return entered.name === 'AwaitCommand'
      ? `${offset} AwaitCommand: until the command's event, or a look at ${next}`
      : entered.name === 'AwaitImage'
        ? `${offset} AwaitImage: until the image's event, or SweepWaits's check at ${next}`
        : `${offset} ${entered.name}: next check at ${next}`;
  }
  if (event.executionFailedEventDetails) return `${offset} failed: ${event.executionFailedEventDetails.error ?? 'unknown error'}`;
  if (event.type === 'ExecutionTimedOut' || event.type === 'ExecutionAborted') return `${offset} ${event.type}`;
  return undefined;
};

/** The end of a rotation in a few lines: what it made and published, what it pruned, or why it failed. */
export const summarize = (status: string, output: unknown, error?: string, cause?: string): string[] => {
  if (status !== 'SUCCEEDED') return [`${status}: ${error ?? 'no error given'}`, ...(cause ? [`cause: ${cause.slice(0, 2000)}`] : [])];
  const image = dig(output, 'image') as { imageId?: string; name?: string } | undefined;
  const prune = dig(sourcePruneOf(output), 'totals') as { deleted?: number; expired?: number } | undefined;
  const parameter = dig(output, 'published', 'parameter', 'name');
  const skipped = status === 'SUCCEEDED' && isSkipped(output);
  return [
    skipped ? 'SUCCEEDED: skipped, another execution was rotating the family' : 'SUCCEEDED',
    ...(image?.imageId ? [`new image ${image.imageId} ${image.name ?? ''}`.trim()] : []),
    ...(typeof parameter === 'string' ? [`published to ${parameter}`] : []),
    ...(prune ? [`pruned ${prune.deleted ?? 0} of ${prune.expired ?? 0} expired image(s)`] : []),
  ];
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** The child execution a `.sync` task started, from its TaskSubmitted event (StartExecution's answer as its output). */
const childOf = (event: HistoryEvent): string | undefined => {
  const output = parseJson(event.taskSubmittedEventDetails?.output ?? '');
  const arn = dig(output, 'ExecutionArn') ?? dig(output, 'executionArn');
  return typeof arn === 'string' ? arn : undefined;
};

/** A line read from one of the followed histories, not yet printed: when it happened, and how deep its execution is. */
interface Pending {
  at: number;
  depth: number;
  id: number;
  line: string;
}

/**
 * Follows an execution's history until it ends or `signal` aborts, and the history of each child execution it
 * starts (the image workflow, where the long waits are): one line per state in the order they happened, a child's
 * lines inside its parent's (indented under the task that started it). Each look reads the children, then the
 * parent (naming the children it started), then the children again, and prints what it read in time order: a child's
 * state is never printed after a parent's state that followed it.
 */
export const followExecution = async (
  sfn: SFNClient,
  executionArn: string,
  started: Date,
  print: (line: string) => void,
  pollMs: number,
  signal?: AbortSignal,
) => {
  // Each followed execution: how deep it is (the rotation 0, its children 1) and the last event id read.
  const followed = new Map<string, { depth: number; seen: number }>([[executionArn, { depth: 0, seen: 0 }]]);
  const read = async (arn: string, pending: Pending[]): Promise<boolean> => {
    const at = followed.get(arn) ?? { depth: 0, seen: 0 };
    let ended = false;
    let token: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000, ...(token ? { nextToken: token } : {}) }),
      );
      for (const event of page.events ?? []) {
        if ((event.id ?? 0) <= at.seen) continue;
        at.seen = event.id ?? at.seen;
        const line = describeEvent(event, started);
        if (line)
          pending.push({
            at: (event.timestamp ?? started).getTime(),
            depth: at.depth,
            id: event.id ?? 0,
            line: line.replace(/^(\[\+\s*\d+s\]) /, `$1 ${'  '.repeat(at.depth)}`),
          });
        const child = childOf(event);
        if (child && !followed.has(child)) followed.set(child, { depth: at.depth + 1, seen: 0 });
        if (ENDED.has(event.type ?? '')) ended = true;
      }
      token = page.nextToken;
    } while (token);
    followed.set(arn, at);
    return ended;
  };
  const children = () => [...followed.keys()].filter((arn) => arn !== executionArn);
  while (!signal?.aborted) {
    const pending: Pending[] = [];
    for (const child of children()) await read(child, pending);
    const ended = await read(executionArn, pending);
    // The children again, those the parent just named included: all that happened until now is in hand.
    for (const child of children()) await read(child, pending);
    pending.sort((a, b) => a.at - b.at || a.depth - b.depth || a.id - b.id);
    for (const { line } of pending) print(line);
    if (ended) return true;
    await sleep(pollMs, signal);
  }
  return false;
};

/**
 * The settings an input is checked against: the deployed stage's (its default family and instance, its regions), over
 * the environment's; the environment's alone with --state-machine-arn, or when the stage's cannot be read (said once).
 */
const settingsOf = async (
  values: Readonly<Record<string, string | boolean | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
  stageSettings: RunOptions['stageSettings'],
  say: (line: string) => void,
): Promise<Readonly<Record<string, string | undefined>>> => {
  if (!stageSettings || values['state-machine-arn'] !== undefined) return env;
  try {
    const deployed = await stageSettings(String(values.stage));
    return { ...Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('ROTATOR_'))), ...deployed };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    say(
      `could not read stage ${String(values.stage)}'s settings (${(error as Error).name}): the input is checked against the environment's`,
    );
    return env;
  }
};

export interface RunOptions {
  print: (line: string) => void;
  /** Where progress goes (started, each state, stopped following): `print` unless given; with --json, stdout keeps only the JSON. */
  note?: (line: string) => void;
  /** Aborted (Ctrl-C): stop following and say how to stop the execution. */
  signal?: AbortSignal;
  /** Reads the deployed stage's settings (src/cli/stage-settings.ts): the input is checked against them, not the environment's. */
  stageSettings?: (stage: string) => Promise<Record<string, string>>;
}

export const runRunCommand = async (
  argv: readonly string[],
  sfn: SFNClient,
  env: Readonly<Record<string, string | undefined>>,
  options: RunOptions,
): Promise<number> => {
  const { print, note, stageSettings } = options;
  const values = parseFlags(
    argv,
    {
      family: { type: 'string' },
      instance: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      input: { type: 'string' },
      ...FOLLOW_FLAGS,
    },
    RUN_USAGE,
  );
  checkPollSeconds(values);
  let input: Record<string, unknown> = {};
  if (values.input !== undefined) {
    const parsed = parseJson(String(values.input));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new UsageError(`--input: expected a JSON object such as {"family": "web-prod"}, got ${String(values.input).slice(0, 100)}`);
    input = parsed as Record<string, unknown>;
  }
  input = {
    ...input,
    ...(values.family === undefined ? {} : { family: values.family }),
    ...(values.instance === undefined ? {} : { instanceId: values.instance }),
    ...(values['dry-run'] ? { dryRun: true } : {}),
  };
  // The workflow's own contract and messages, before anything is started.
  try {
    parseRotationRequest(input, readConfig(await settingsOf(values, env, stageSettings, note ?? print)));
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new UsageError(
      `the workflow would refuse this input, so nothing was started:\n${error.problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
  const stateMachineArn = await findStateMachine(sfn, values);
  return startAndFollow(sfn, stateMachineArn, `cli-${String(input.family ?? 'default').slice(0, 40)}`, input, values, options, summarize);
};

/** The flags of a command that starts an execution and follows it (run, rollback): which one, how, and how to print it. */
export const FOLLOW_FLAGS = {
  'no-follow': { type: 'boolean', default: false },
  ...STATE_MACHINE_FLAGS,
  'poll-seconds': { type: 'string', default: '5' },
  json: { type: 'boolean', default: false },
} as const;

/** `--poll-seconds`: a whole number of seconds from 1 to 300, refused before anything is started. */
export const checkPollSeconds = (values: Readonly<Record<string, string | boolean | undefined>>): void => {
  const pollSeconds = Number(values['poll-seconds']);
  if (!Number.isInteger(pollSeconds) || pollSeconds < 1 || pollSeconds > 300)
    throw new UsageError(`--poll-seconds: expected a whole number of seconds from 1 to 300, got "${values['poll-seconds']}"`);
};

/**
 * Starts an execution of `stateMachineArn` (named `prefix` and the time to the second) and, unless `--no-follow`,
 * follows it to its end, then prints its summary (or, with `--json`, its final description). The exit code: 0 it
 * succeeded (or was started), 1 it failed, 130 following was stopped.
 */
export const startAndFollow = async (
  sfn: SFNClient,
  stateMachineArn: string,
  prefix: string,
  input: Record<string, unknown>,
  values: Readonly<Record<string, string | boolean | undefined>>,
  { print, note, signal }: RunOptions,
  summary: (status: string, output: unknown, error?: string, cause?: string) => string[],
): Promise<number> => {
  const started = new Date();
  const name = `${prefix}-${started
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}`;
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  // With --json, the progress is not the answer: it goes to `note` (stderr), and stdout holds only the JSON.
  const progress = values.json ? (note ?? print) : print;
  progress(`started ${executionArn}`);
  if (values['no-follow']) {
    if (values.json) print(JSON.stringify({ executionArn, started: started.toISOString() }, null, 2));
    return 0;
  }
  const pollSeconds = Number(values['poll-seconds'] ?? 5);
  const ended = await followExecution(sfn, executionArn ?? '', started, progress, pollSeconds * 1000, signal);
  if (!ended) {
    progress(`stopped following; the execution goes on. To stop it: aws stepfunctions stop-execution --execution-arn ${executionArn}`);
    return 130;
  }
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  if (values.json) print(JSON.stringify({ ...described, $metadata: undefined }, null, 2));
  else
    for (const line of summary(described.status ?? 'UNKNOWN', parseJson(described.output), described.error, described.cause)) print(line);
  return described.status === 'SUCCEEDED' ? 0 : 1;
};
