import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/server.ts';

const run = promisify(execFile);
/**
 * A scenario is a few seconds alone, and three side by side on a loaded 2-core machine took over 20: sized for that
 * machine, not for an idle one (a test may be slow under load; it may not fail from it).
 */
const PROCESS_TIMEOUT_MS = 120_000;
const LOADED = { timeout: 3 * PROCESS_TIMEOUT_MS };

/** Runs a command-line entry with Node; resolves with its exit code and output, never throws. */
const invoke = async (script: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { env, timeout: PROCESS_TIMEOUT_MS });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

const oneCleanLine = (stderr: string) => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
};

describe('npm start', LOADED, () => {
  // Without the test run's own silencing (vitest.config.ts), as a person runs it.
  const { POWERTOOLS_LOG_LEVEL: _silenced, ...asRun } = process.env;

  it("prints the rotation, not the functions' log lines, unless a log level is asked for", async () => {
    // Each run is a process of its own, on ports of its own: side by side.
    const [quiet, loud] = await Promise.all([
      invoke('local/start.ts', ['--scenario', 'dry-run'], asRun),
      invoke('local/start.ts', ['--scenario', 'dry-run'], { ...asRun, ROTATOR_LOG_LEVEL: 'info' }),
    ]);

    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain('SUCCEEDED');
    expect(quiet.stdout).not.toMatch(/^\{"level"/m);
    expect(loud.stdout).toMatch(/^\{"level":"INFO","message":"ValidateInput started"/m);
  });

  it('runs the prepare scenarios as a person does: patched and imaged, or stopped with one alert and no image', async () => {
    const [prepared, failed, leaked] = await Promise.all([
      invoke('local/start.ts', ['--scenario', 'prepare'], asRun),
      invoke('local/start.ts', ['--scenario', 'prepare-fails'], asRun),
      invoke('local/start.ts', ['--scenario', 'credentials-found'], asRun),
    ]);

    expect(prepared.stdout).toMatch(/patch Success, clean Success; status checks passed after a reboot: ready to image/);
    expect(prepared.stdout).toMatch(/^SUCCEEDED/m);
    expect(failed.stdout).toContain('Failed step: CheckPreparing');
    expect(failed.stdout).toContain('Error: Failed to download metadata');
    expect(failed.stdout).toMatch(/^FAILED \(PrepareFailed\)/m);
    expect(failed.stdout).not.toMatch(/CreateImage \d/);
    expect(leaked.stdout).toContain('the image holds long-lived credentials: /root/.aws/credentials');
    expect(leaked.stdout).toMatch(/^FAILED \(ImageHoldsCredentials\)/m);
  });
});

describe('npm start with distribution, as a person runs it', LOADED, () => {
  const { POWERTOOLS_LOG_LEVEL: _silenced, ...asRun } = process.env;

  it('copies to two regions at once, each labelled; and isolates the one whose copy fails, in one alert', async () => {
    const [distributed, failed] = await Promise.all([
      invoke('local/start.ts', ['--scenario', 'distribute'], asRun),
      invoke('local/start.ts', ['--scenario', 'copy-fails'], asRun),
    ]);

    expect(distributed.stdout).toMatch(/\] eu-west-1: CopyImage/);
    expect(distributed.stdout).toMatch(/\] ap-southeast-2: CopyImage/);
    expect(distributed.stdout).toMatch(
      /^ {2}eu-west-1 +ami-[0-9a-f]+: copied; published parameter \/golden\/web-prod\/latest; pruned 3 of 6/m,
    );
    expect(distributed.stdout).toMatch(/^SUCCEEDED/m);
    expect(failed.stdout).toContain('Subject: ami-rotator: web-prod rotated, copy failed in ap-southeast-2');
    expect(failed.stdout).toMatch(/ap-southeast-2: FAILED at CheckImage: ImageCreationFailed: .*its copy was removed/);
    expect(failed.stdout).toMatch(/^FAILED \(DistributionFailed\)/m);
  });

  it('writes consumers of an organization their own parameter in both regions, naming the one without its role', async () => {
    const run = await invoke('local/start.ts', ['--scenario', 'organization'], asRun);
    const resolves = (account: string) =>
      new RegExp(`consumer ${account} resolves /golden/web-prod/latest: us-east-1 (\\S+), eu-west-1 (\\S+)`).exec(run.stdout);

    expect(run.stdout).toContain('Subject: ami-rotator: web-prod rotated, 2 consumer account(s) not updated');
    expect(run.stdout).toMatch(/333333333333 in eu-west-1: .*deploy the consumer stack there/);
    expect(
      resolves('111111111111')
        ?.slice(1)
        .every((id) => id.startsWith('ami-')),
    ).toBe(true);
    expect(resolves('333333333333')?.slice(1)).toEqual(['(nothing)', '(nothing)']);
    expect(run.stdout).toMatch(/^FAILED \(ConsumersNotUpdated\)/m);
  });

  it('rolls a bad night back in one command in every region, and the next night neither publishes nor counts the bad image', async () => {
    const run = await invoke('local/start.ts', ['--scenario', 'rollback'], asRun);
    const publishedAfter = (heading: string) =>
      new RegExp(`${heading}[^\\n]*/golden/web-prod/latest: us-east-1 (\\S+), eu-west-1 (\\S+), ap-southeast-2 (\\S+)`)
        .exec(run.stdout)
        ?.slice(1);
    const bad = /^The next night: SUCCEEDED; \/golden\/web-prod\/latest: us-east-1 (\S+),/m.exec(run.stdout)?.[1];
    const restored =
      /^ {2}\/golden\/web-prod\/latest: us-east-1 (\S+), eu-west-1 (\S+), ap-southeast-2 (\S+); launch template web-prod default version \d+ \((\S+)\)$/m.exec(
        run.stdout,
      );

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Rollback: SUCCEEDED$/m);
    expect(restored?.[1]).toMatch(/^ami-/);
    expect(restored?.[1]).not.toBe(bad);
    expect(restored?.[4]).toBe(restored?.[1]);
    expect(new Set(restored?.slice(1, 4)).size).toBe(3);
    expect(publishedAfter('The next night')?.every((id) => !restored?.slice(1, 4).includes(id))).toBe(true);
    expect(run.stdout).toContain(`its previous image: ${restored?.[1]} (not the bad one: true)`);
    expect(run.stdout).toMatch(new RegExp(`the bad image ${bad}: kept for inspection: rolled back by `));
  });

  it('promotes a candidate after its soak; a rejected one and an unanswered one leave stable unchanged, one alert each', async () => {
    const run = await invoke('local/start.ts', ['--scenario', 'promote'], asRun);
    const stableAfter = (heading: string) =>
      new RegExp(`${heading}[^\\n]*\\n {2}stable /golden/web-prod/latest: us-east-1 (\\S+)$`, 'm').exec(run.stdout)?.slice(1);
    const candidates = [...run.stdout.matchAll(/^On the alert topic: ami-rotator: approve web-prod candidate (\S+)\?$/gm)].map((m) => m[1]);
    const soaked = stableAfter('Promotion after the soak: SUCCEEDED');

    expect(run.code).toBe(0);
    expect(soaked?.every((id) => id.startsWith('ami-'))).toBe(true);
    expect(stableAfter("Promotion of the second night's candidate: FAILED \\(PromotionRejected\\)")).toEqual(soaked);
    expect(stableAfter("Promotion of the third night's candidate: FAILED \\(PromotionExpired\\)")).toEqual(soaked);
    expect(candidates).toHaveLength(2);
    expect(run.stdout).toContain(`alert       ami-rotator: web-prod candidate ${candidates[0]} rejected, not promoted`);
    expect(run.stdout).toContain(`alert       ami-rotator: web-prod candidate ${candidates[1]} not approved by its deadline`);
    expect(run.stdout).toContain(`${candidates[1]}: kept, ami-rotator:promotion=expired`);
  });
});

// Each case is a process of its own (its servers on ports of their own): they run side by side.
describe.concurrent('every command-line entry fails with one line and an exit code', LOADED, () => {
  it('npm start with an input nested 5,000 levels deep says so in one line and exits 2, never a stack trace', async () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;

    const result = await invoke('local/start.ts', ['--input', deep]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^--input: nested more than 100 levels deep, which the local run cannot carry/);
    oneCleanLine(result.stderr);
  });

  it.each([
    [
      'a seed file that does not exist',
      ['--seed', '/nonexistent/fixture.json'],
      /--seed: cannot read \/nonexistent\/fixture.json: no such file/,
    ],
    ['a seed file that is not JSON', ['--seed', 'README.md'], /--seed: README.md is not JSON/],
  ])('npm run emulator with %s exits 2', async (_what, args, message) => {
    const result = await invoke('emulator/cli.ts', ['--port', '0', ...args]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    oneCleanLine(result.stderr);
  });

  it('npm run emulator with a fixture that breaks the schema names the field and exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fixture-'));
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ instances: [{ bogus: 1 }] }));

    const result = await invoke('emulator/cli.ts', ['--port', '0', '--seed', join(dir, 'bad.json')]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not a valid fixture: instances\.0: Unrecognized key: "bogus"/);
    oneCleanLine(result.stderr);
  });

  it('npm run emulator on a port in use says so and exits 1', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const result = await invoke('emulator/cli.ts', ['--port', String(port)]);

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(`--port: ${port} is already in use`);
      oneCleanLine(result.stderr);
    } finally {
      holder.close();
    }
  });

  it.each([
    [[], /also give --input JSON and --account-id ID/],
    [['--input', '{"family":"web-prod","instanceId":"i-0a1b2c3d4e5f60001"}'], /also give --account-id ID \(/],
  ])('npm start -- --use-environment %j refuses to run the demo against a real account', async (args, message) => {
    const result = await invoke('local/start.ts', ['--use-environment', ...args]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('ami-rotator names an unknown command and exits 2', async () => {
    const result = await invoke('bin/ami-rotator.ts', ['frobnicate']);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command "frobnicate"; the commands are: plan, run, rollback, approve, reject, history, status/);
  });

  it.each([
    [['history', '--since', 'last week'], /^--since: expected a span such as 36h, 30d or 8w/],
    [['status', '--family', 'web prod'], /^--family: expected 1 to 63 letters/],
  ])('ami-rotator %j refuses a bad flag with exit 2 before reaching AWS', async (args, message) => {
    const result = await invoke('bin/ami-rotator.ts', args, { ...process.env, AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:9' });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it.each(['plan', 'status'])('ami-rotator %s without a region says what to set, in one line', async (command) => {
    const { AWS_REGION: _region, AWS_DEFAULT_REGION: _default, ...env } = process.env;

    const result = await invoke('bin/ami-rotator.ts', [command, '--family', 'web-prod'], env);

    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `ami-rotator ${command}: no AWS region: set AWS_REGION (for example export AWS_REGION=us-east-1), or use a profile that sets one`,
    );
    oneCleanLine(result.stderr);
  });

  it('ami-rotator plan against an endpoint that accepts and never answers fails on the request timeout, in one line', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const result = await invoke('bin/ami-rotator.ts', ['plan', '--family', 'web-prod'], {
        ...process.env,
        AWS_ENDPOINT_URL_EC2: url,
        AWS_ENDPOINT_URL_AUTO_SCALING: url,
        ROTATOR_REQUEST_TIMEOUT_MS: '300',
        AWS_MAX_ATTEMPTS: '2',
      });

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Ec2Unavailable: list images of family web-prod: .*exceeded the configured 300 ms requestTimeout/);
      oneCleanLine(result.stderr);
    } finally {
      silent.close();
    }
  });

  it('ami-rotator plan against an endpoint that answers 200 with a web page refuses it instead of planning nothing', async () => {
    const page = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Sign in to continue</body></html>');
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(page.address() as { port: number }).port}`;
    try {
      const result = await invoke('bin/ami-rotator.ts', ['plan', '--family', 'web-prod'], {
        ...process.env,
        AWS_ENDPOINT_URL_EC2: url,
        AWS_ENDPOINT_URL_AUTO_SCALING: url,
      });

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/ConfigurationError: .*without an AWS request id.*check the AWS_ENDPOINT_URL_\* settings/);
      expect(result.stdout).toBe('');
    } finally {
      page.close();
    }
  });

  it('ami-rotator plan plans each copy region of ROTATOR_DISTRIBUTE after the source, its calls signed for that region', async () => {
    const image = (id: string, days: number) => ({
      imageId: id,
      name: `web-prod-${id}`,
      creationDate: new Date(Date.now() - days * 86_400_000).toISOString(),
      tags: { 'ami-rotator:managed': 'true', 'ami-rotator:family': 'web-prod' },
    });
    const emulator = await startEmulator({ fixture: { images: [image('ami-0a0000000000000a1', 1)] } });
    emulator.seed(
      { images: [image('ami-0e0000000000000e1', 1), image('ami-0e0000000000000e2', 2), image('ami-0e0000000000000e3', 3)] },
      'eu-west-1',
    );
    try {
      const result = await invoke('bin/ami-rotator.ts', ['plan', '--family', 'web-prod'], {
        ...process.env,
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_EC2: emulator.url,
        AWS_ENDPOINT_URL_AUTO_SCALING: emulator.url,
        AWS_ENDPOINT_URL_RBIN: emulator.url,
        ROTATOR_DISTRIBUTE: JSON.stringify({
          regions: [{ region: 'eu-west-1', retention: { keepLast: 1, maxAgeDays: null, minKeep: 1 } }],
        }),
      });
      const [source, copies] = result.stdout.split('Region eu-west-1 (copies)');

      expect([result.code, result.stderr]).toEqual([0, '']);
      expect(source).toContain('ami-0a0000000000000a1');
      expect(copies).toMatch(/DELETE\s+ami-0e0000000000000e3/);
      expect(copies).not.toContain('ami-0a0000000000000a1');
    } finally {
      await emulator.close();
    }
  });

  it('ami-rotator plan with a mistyped family says what it most likely meant and exits 2, in one line', async () => {
    const emulator = await startEmulator({
      fixture: {
        images: [
          {
            name: 'web-prod-20261130-020000',
            creationDate: '2026-11-30T02:00:00Z',
            tags: { 'ami-rotator:managed': 'true', 'ami-rotator:family': 'web-prod' },
          },
        ],
      },
    });
    try {
      const result = await invoke('bin/ami-rotator.ts', ['plan', '--family', 'web-prd'], {
        ...process.env,
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_EC2: emulator.url,
        AWS_ENDPOINT_URL_AUTO_SCALING: emulator.url,
        AWS_ENDPOINT_URL_RBIN: emulator.url,
      });

      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--family web-prd: no images of this family here; did you mean web-prod\?/);
      expect(result.stdout).toBe('');
      oneCleanLine(result.stderr);
    } finally {
      await emulator.close();
    }
  });
});
