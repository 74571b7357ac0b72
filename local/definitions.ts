/**
 * The stack's state machine files as the local runner reads them: where each is, its local name, and the
 * CloudFormation intrinsics in them resolved as a deployment would.
 */
import { readFile } from 'node:fs/promises';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type Machine<S> = { States: Record<string, S> };
type Nesting<S> = { ItemProcessor?: Machine<S>; Iterator?: Machine<S>; Branches?: Machine<S>[] };

/** Every state of a definition by name, a Map's and a Parallel's included (names are unique in the whole machine). */
export const allStates = <S extends object>(definition: Machine<S>): [string, S][] =>
  Object.entries(definition.States).flatMap(([name, state]) => {
    const nesting = state as Nesting<S>;
    const inner = [nesting.ItemProcessor ?? nesting.Iterator, ...(nesting.Branches ?? [])];
    return [[name, state] as [string, S], ...inner.flatMap((machine) => (machine ? allStates(machine) : []))];
  });
const DEFINITION_PATH = new URL('../statemachine/rotate-ami.asl.json', import.meta.url);

/** `ValidateInputLambdaFunction` → `validate-input`: the serverless.yml function key in kebab case, the file in functions/. */
export const functionFileOf = (logicalId: string): string =>
  logicalId
    .replace(/LambdaFunction$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();

/** The local name of a state machine: the rotation's `ami-rotator-local`, another's `ami-rotator-local-<its file in statemachine/>`. */
export const localStateMachineName = (file: string) => (file === 'rotate-ami' ? 'ami-rotator-local' : `ami-rotator-local-${file}`);

/** Resolves `Fn::GetAtt`, `Ref` and `Fn::Sub` of pseudo parameters as CloudFormation would, to ARNs in the given account and region. */
export const resolveIntrinsics = (node: Json, region: string, account: string): Json => {
  if (Array.isArray(node)) return node.map((n) => resolveIntrinsics(n, region, account));
  if (node === null || typeof node !== 'object') return node;
  // Pseudo parameters only, e.g. arn:${AWS::Partition}:states:::sns:publish.
  const sub = node['Fn::Sub'];
  if (typeof sub === 'string')
    return sub.replace(/\$\{AWS::(Partition|Region|AccountId)\}/g, (_, name: string) =>
      name === 'Partition' ? 'aws' : name === 'Region' ? region : account,
    );
  const getAtt = node['Fn::GetAtt'];
  if (Array.isArray(getAtt) && String(getAtt[0]).endsWith('StateMachine'))
    return `arn:aws:states:${region}:${account}:stateMachine:${localStateMachineName(functionFileOf(String(getAtt[0]).replace(/StateMachine$/, '')))}`;
  if (Array.isArray(getAtt)) return `arn:aws:lambda:${region}:${account}:function:ami-rotator-local-${functionFileOf(String(getAtt[0]))}`;
  if (typeof node.Ref === 'string') return `arn:aws:sns:${region}:${account}:ami-rotator-local-${node.Ref}`;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveIntrinsics(v, region, account)]));
};

/** A Task's timeout when it sets none: "If not provided, the default value is 99999999" (Amazon States Language, "Task State"). */
export const ASL_DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
/** The longest a Node timer waits (2^31 - 1 ms); a longer one fires at once, so the local runner waits this long at most. */
export const LOCAL_TASK_TIMEOUT_LIMIT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * aws-local-stepfunctions gives a Task without `TimeoutSeconds` 60 seconds; Step Functions gives it 99999999. Each such
 * Task gets the specification's default here, capped at the longest timer Node keeps (24.8 days: no local run lasts
 * that long). The stack's own Tasks all set a timeout (test/workflow/task-timeouts.test.ts); this keeps a new one honest.
 */
export const taskTimeoutsAsSpecified = (definition: Json): Json => {
  for (const [, state] of allStates(definition as unknown as { States: Record<string, Record<string, Json>> })) {
    if (state.Type !== 'Task' || state.TimeoutSeconds !== undefined || state.TimeoutSecondsPath !== undefined) continue;
    state.TimeoutSeconds = Math.min(ASL_DEFAULT_TASK_TIMEOUT_SECONDS, LOCAL_TASK_TIMEOUT_LIMIT_SECONDS);
  }
  return definition;
};

/**
 * aws-local-stepfunctions reads a Task's `TimeoutSecondsPath` from the input after `Parameters`, Step Functions from the
 * state's input before them. A callback task that also passes its deadline in its payload (`"<key>.$"` naming the same
 * path, as AwaitImage's `timeoutSeconds` does) is given the library's path to that same value; nothing else changes.
 */
export const adaptTimeoutPaths = (definition: Json): Json => {
  for (const [, state] of allStates(definition as unknown as { States: Record<string, Record<string, Json>> })) {
    const path = state.TimeoutSecondsPath;
    const payload = (state.Parameters as { Payload?: Record<string, Json> } | undefined)?.Payload;
    if (typeof path !== 'string' || !payload) continue;
    const key = Object.entries(payload).find(([k, v]) => k.endsWith('.$') && v === path)?.[0];
    if (key) state.TimeoutSecondsPath = `$.Payload.${key.slice(0, -2)}`;
  }
  // A callback task on the alert topic cannot carry its deadline beside SNS's parameters: the local task ends at the
  // deadline its message names (callback-task.ts, topicCallbackTask), and the library's own timer is not used.
  for (const [, state] of allStates(definition as unknown as { States: Record<string, Record<string, Json>> })) {
    if (typeof state.TimeoutSecondsPath !== 'string' || !String(state.Resource).endsWith(':states:::sns:publish.waitForTaskToken'))
      continue;
    delete state.TimeoutSecondsPath;
    state.TimeoutSeconds = LOCAL_TASK_TIMEOUT_LIMIT_SECONDS;
  }
  return definition;
};

export const loadDefinition = async (): Promise<Json> => JSON.parse(await readFile(DEFINITION_PATH, 'utf8')) as Json;

/** Where each state machine of the stack is defined: the rotation, the workflows it runs as children, and the rollback. */
export const DEFINITIONS: Record<string, URL> = {
  'rotate-ami': DEFINITION_PATH,
  'image-in-region': new URL('../statemachine/image-in-region.asl.json', import.meta.url),
  'prepare-instance': new URL('../statemachine/prepare-instance.asl.json', import.meta.url),
  rollback: new URL('../statemachine/rollback.asl.json', import.meta.url),
  promote: new URL('../statemachine/promote.asl.json', import.meta.url),
};

/** Every state machine file of the stack, by its name in statemachine/ (`rotate-ami`, `image-in-region`). */
export const loadDefinitions = async (): Promise<Record<string, Json>> =>
  Object.fromEntries(
    await Promise.all(Object.entries(DEFINITIONS).map(async ([file, path]) => [file, JSON.parse(await readFile(path, 'utf8')) as Json])),
  );

/** A state machine file as the local runner executes it: intrinsics resolved, Task timeouts and timeout paths adapted. */
export const runnerDefinition = (definition: Json, region: string, account: string): Json =>
  executionTimeoutWithinTimer(adaptTimeoutPaths(taskTimeoutsAsSpecified(resolveIntrinsics(definition, region, account))));

/**
 * A state machine's own `TimeoutSeconds` longer than a Node timer keeps (the promotion's 32 days) would fire at once in
 * aws-local-stepfunctions (Node sets an overflowing timer to 1 ms): capped at 24.8 days, longer than any local run.
 */
export const executionTimeoutWithinTimer = (definition: Json): Json => {
  const machine = definition as { TimeoutSeconds?: Json };
  if (typeof machine.TimeoutSeconds === 'number')
    machine.TimeoutSeconds = Math.min(machine.TimeoutSeconds, LOCAL_TASK_TIMEOUT_LIMIT_SECONDS);
  return definition;
};
