import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ASL_DEFAULT_TASK_TIMEOUT_SECONDS,
  allStates,
  DEFINITIONS,
  type Json,
  LOCAL_TASK_TIMEOUT_LIMIT_SECONDS,
  taskTimeoutsAsSpecified,
} from '../../local/definitions.ts';

type State = { Type?: string; Resource?: Json; TimeoutSeconds?: number; TimeoutSecondsPath?: string };
type Definition = { TimeoutSeconds?: number; States: Record<string, State> };

const definitions = async () =>
  Object.fromEntries(
    await Promise.all(
      Object.entries(DEFINITIONS).map(async ([file, path]) => [file, JSON.parse(await readFile(path, 'utf8')) as Definition] as const),
    ),
  );
const tasksOf = (definition: Definition) => allStates(definition).filter(([, s]) => s.Type === 'Task');
/** The rows of docs/workflow.md's "Task timeouts" table: each named state with its timeout as written. */
const documented = async () => {
  const page = await readFile(new URL('../../docs/workflow.md', import.meta.url), 'utf8');
  const table = page.slice(page.indexOf('## Task timeouts'));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Task') && !line.startsWith('| ---'))
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .map(([, names = '', timeout = '']) => ({ names: names.split(',').map((n) => n.trim()), timeout }));
};

describe('the timeout of every Task', () => {
  it('is set by every Task of the three state machines, as a number or a path', async () => {
    const missing = Object.entries(await definitions()).flatMap(([file, d]) =>
      tasksOf(d)
        .filter(([, s]) => s.TimeoutSeconds === undefined && s.TimeoutSecondsPath === undefined)
        .map(([name]) => `${file}: ${name}`),
    );

    expect(missing).toEqual([]);
  });

  it('lets a child workflow reach its own limit before the Task that runs it times out', async () => {
    const all = await definitions();
    const childOf: Record<string, string> = {
      PrepareInstanceStateMachine: 'prepare-instance',
      ImageInRegionStateMachine: 'image-in-region',
    };
    const children = tasksOf(all['rotate-ami'] as Definition).flatMap(([name, s]) => {
      const target = JSON.stringify(s).match(/"Fn::GetAtt":\["(\w+StateMachine)"/)?.[1];
      return target ? [{ name, timeout: s.TimeoutSeconds ?? 0, limit: all[childOf[target] ?? '']?.TimeoutSeconds ?? Infinity }] : [];
    });

    expect(children.map((c) => c.name).sort()).toEqual(['ImageInCopyRegion', 'ImageInSourceRegion', 'PrepareSourceInstance']);
    expect(children.filter((c) => !(c.timeout > c.limit))).toEqual([]);
  });

  it('is the one docs/workflow.md gives for every Task that is not a Lambda', async () => {
    const rows = await documented();
    const named = Object.values(await definitions()).flatMap((d) =>
      tasksOf(d)
        .filter(([, s]) => !JSON.stringify(s.Resource).includes('LambdaFunction'))
        .map(([name, s]) => ({
          name,
          timeout: s.TimeoutSeconds === undefined ? `(\`${s.TimeoutSecondsPath}\`)` : String(s.TimeoutSeconds),
        })),
    );

    const wrong = named.filter(({ name, timeout }) => {
      const row = rows.find((r) => r.names.includes(name));
      return !row || !(row.timeout === timeout || row.timeout.endsWith(timeout));
    });
    expect(wrong).toEqual([]);
  });

  it("is each Lambda Task's function timeout plus 30 s, as docs/workflow.md says", async () => {
    const functions = (
      parse(await readFile(new URL('../../serverless.yml', import.meta.url), 'utf8')) as { functions: Record<string, { timeout?: number }> }
    ).functions;
    const lambdaTasks = Object.values(await definitions()).flatMap((d) =>
      tasksOf(d).flatMap(([name, s]) => {
        const fn = JSON.stringify(s.Resource).match(/"(\w+)LambdaFunction"/)?.[1];
        return fn
          ? [{ name, timeout: s.TimeoutSeconds, expected: (functions[fn.charAt(0).toLowerCase() + fn.slice(1)]?.timeout ?? 30) + 30 }]
          : [];
      }),
    );

    expect(lambdaTasks.length).toBeGreaterThan(20);
    expect(lambdaTasks.filter((t) => t.timeout !== t.expected)).toEqual([]);
  });

  it("gives a Task without one the specification's default locally, not the runner's 60 s", () => {
    const definition = {
      StartAt: 'Call',
      States: {
        Call: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f', End: true },
        Timed: { Type: 'Task', TimeoutSeconds: 5 },
      },
    };

    const adapted = taskTimeoutsAsSpecified(definition as unknown as Json) as unknown as Definition;

    expect(adapted.States.Call?.TimeoutSeconds).toBe(Math.min(ASL_DEFAULT_TASK_TIMEOUT_SECONDS, LOCAL_TASK_TIMEOUT_LIMIT_SECONDS));
    expect(adapted.States.Call?.TimeoutSeconds).toBeGreaterThan(24 * 3600 * 24);
    expect(adapted.States.Timed?.TimeoutSeconds).toBe(5);
  });
});
