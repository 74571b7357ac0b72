import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const execute = promisify(execFile);
let stage: ChildProcess;
let env: NodeJS.ProcessEnv;

/** `npm run stage` as a person starts it: its printed export lines are the environment the commands below get. */
beforeAll(async () => {
  stage = spawn(process.execPath, ['local/stage.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  await new Promise<void>((resolve, reject) => {
    stage.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      if (printed.includes('Then, for example')) resolve();
    });
    stage.once('exit', (code) => reject(new Error(`the stage exited (${code}) before it was ready: ${printed}`)));
  });
  const exported = [...printed.matchAll(/^export (\w+)=(.*)$/gm)].map(([, name, value]) => [name, value]);
  // Only what the stage printed, beside the basics a shell has: nothing of this test process's own settings.
  env = { PATH: process.env.PATH, HOME: process.env.HOME, ...Object.fromEntries(exported) };
}, 30_000);
afterAll(() => {
  stage.kill('SIGINT');
});

/** The real binary, as `npx ami-rotator` runs it. */
const cli = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await execute(process.execPath, ['bin/ami-rotator.ts', ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

/** A command line as a shell splits it: words, and '...' kept whole. */
const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');

describe('the local stage, driven through the binary over the protocols, as a person does', () => {
  it("runs the README's offline commands as written: a rotation, then it in history and status, the stage's plan and a rollback's dry run", async () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf("## Try the operator's commands offline"), readme.indexOf('## First deploy'));
    const commands = [...section.matchAll(/^npx ami-rotator (.+?)(?:\s+#.*)?$/gm)].map((m) => words(m[1] ?? ''));
    expect(commands.map((c) => c[0])).toEqual(['run', 'history', 'status', 'plan', 'rollback']);
    const results: Awaited<ReturnType<typeof cli>>[] = [];
    for (const command of commands) results.push(await cli(...command));

    for (const [i, result] of results.entries())
      expect([commands[i]?.join(' '), result.code, result.stderr]).toEqual([commands[i]?.join(' '), 0, '']);
    const [ran, listed, stood, planned, rolled] = results.map((r) => r.stdout);
    expect(ran).toMatch(/^SUCCEEDED$/m);
    const image = /new image (ami-[0-9a-f]+)/.exec(ran ?? '')?.[1];
    expect(image).toBeDefined();
    expect(listed).toMatch(new RegExp(`web-prod\\s+SUCCEEDED\\s+\\S+\\s+${image}`));
    expect(stood).toContain(`newest image   ${image}`);
    // The release the stage runs, from its functions' environment.
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(stood).toMatch(new RegExp(`^ami-rotator local as of .* UTC: stage local runs ${version.replaceAll('.', '\\.')}$`, 'm'));
    expect(stood).toMatch(/next run +\d{4}-\d\d-\d\d 02:00 UTC/);
    expect(planned).toMatch(new RegExp(`keep\\s+${image}`));
    // As the stage is deployed (its ValidateInput function's settings): the demo family, the default retention.
    expect(planned).toMatch(/^As stage local is deployed \(its ValidateInput function's settings\): family web-prod, keep the newest 7/);
    // The rollback would put the image before tonight's back, and set tonight's aside; a dry run changes nothing.
    expect(rolled).toMatch(/^SUCCEEDED \(dry run\): nothing was changed; a rollback would:$/m);
    // approve and reject find the stage's promotion by name and read its executions: none waits on this stage.
    const [approved, rejected] = await Promise.all([
      cli('approve', '--stage', 'local', '--family', 'web-prod'),
      cli('reject', '--stage', 'local', '--family', 'web-prod', '--reason', 'login fails'),
    ]);
    for (const answer of [approved, rejected])
      expect(answer).toMatchObject({
        code: 1,
        stdout: 'no candidate of family web-prod awaits approval in ami-rotator-local-promote: nothing was answered\n',
        stderr: '',
      });
    expect(rolled).toMatch(
      new RegExp(
        `^ {2}us-east-1 \\(source\\): publish ami-\\w+ instead of ${image}: parameter /golden/web-prod/latest, launch template web-prod$`,
        'm',
      ),
    );
  }, 90_000);
});
