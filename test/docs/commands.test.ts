/**
 * Every command the README and docs/ show in a shell block, held to what the tools accept: a scenario `npm start`
 * lists, a flag it takes, a subcommand and flags `ami-rotator` takes, a script package.json has. The offline
 * operator commands of the README are run as written by test/cli/stage.test.ts; the scenarios are run by
 * test/cli/entry-points.test.ts and the workflow tests.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const execute = promisify(execFile);
const pages = ['README.md', ...readdirSync('docs').map((f) => `docs/${f}`)];
/** Each line of each ```sh block, its comment removed, continuation lines joined. */
const commands = pages.flatMap((page) =>
  [...readFileSync(page, 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
    (block[1] ?? '')
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter(Boolean)
      .map((line) => ({ page, line })),
  ),
);
const helpOf = async (script: string, args: string[]) => (await execute(process.execPath, [script, ...args], { timeout: 20_000 })).stdout;
const flagsIn = (line: string) => [...line.matchAll(/(?:^|\s)(--[a-z][a-z-]*)/g)].map((m) => m[1] ?? '');

describe('the commands the documentation shows', () => {
  it('are there to check', () => {
    expect(commands.filter((c) => c.line.startsWith('npm start')).length).toBeGreaterThan(15);
    expect(commands.filter((c) => c.line.startsWith('npx ami-rotator')).length).toBeGreaterThan(4);
  });

  it('name only scenarios and flags npm start lists', async () => {
    const help = await helpOf('local/start.ts', ['--help']);
    const starts = commands.filter((c) => /^(AWS_\w+=\S+ )*npm start\b/.test(c.line));
    const wrong = starts.flatMap(({ page, line }) => {
      const scenario = /--scenario (\S+)/.exec(line)?.[1];
      const unknownScenario = scenario !== undefined && !new RegExp(`^  ${scenario} `, 'm').test(help);
      const unknownFlags = flagsIn(line.replace(/^.*?npm start --/, '')).filter((f) => f !== '--help' && !help.includes(f));
      return unknownScenario || unknownFlags.length ? [`${page}: ${line}`] : [];
    });

    expect(wrong).toEqual([]);
  });

  it('give ami-rotator only subcommands and flags it takes', async () => {
    const lines = commands.filter((c) => /^(\S+=\S+ )*npx ami-rotator /.test(c.line));
    const split = lines.map(({ page, line }) => {
      const [command = '', ...rest] = line.replace(/^.*?npx ami-rotator /, '').split(' ');
      return { page, line, command, rest };
    });
    // Each subcommand's usage once, the processes side by side.
    const names = [...new Set(split.map((s) => s.command))];
    const texts = await Promise.all(names.map((name) => helpOf('bin/ami-rotator.ts', [name, '--help']).catch(() => '')));
    const usage = new Map(names.map((name, i) => [name, texts[i] ?? '']));
    const wrong = split.flatMap(({ page, line, command, rest }) => {
      const text = usage.get(command) ?? '';
      const unknown = flagsIn(rest.join(' ')).filter((f) => f !== '--help' && !text.includes(f));
      return !text.startsWith('usage:') || unknown.length ? [`${page}: ${line}`] : [];
    });

    expect(wrong).toEqual([]);
  });

  it('run only npm scripts package.json has', () => {
    const scripts = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts);
    const wrong = commands
      .map(({ page, line }) => ({ page, line, script: /npm run (?:-s )?([\w:-]+)/.exec(line)?.[1] }))
      .filter((c) => c.script !== undefined && !scripts.includes(c.script))
      .map((c) => `${c.page}: ${c.line}`);

    expect(wrong).toEqual([]);
  });
});
