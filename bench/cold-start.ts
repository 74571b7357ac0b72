/**
 * Cold start per function: the deployed bundle (from `osls package`) against (a) the naive bundle of
 * the same handler (the SDK's CommonJS build, not minified) and (b) the handler with the SDK left in
 * node_modules, as a runtime-provided SDK would be. Each import is timed in a fresh Node process.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { round, type Stats, stats } from './stats.ts';

const run = promisify(execFile);
/** Where the benchmark's packaging writes its bundles: its own folder, so the tests beside it are not disturbed. */
export const BENCH_BUILD_DIR = '.esbuild-bench';
/** Every function of the stack (functions/), as serverless.yml deploys each. */
const FUNCTIONS = readdirSync('functions')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
/** What Lambda is given besides the bundle: the stack's NODE_OPTIONS (serverless.yml provider.environment), if any. */
const LAMBDA_NODE_OPTIONS = String(
  (parse(readFileSync('serverless.yml', 'utf8')) as { provider: { environment: Record<string, unknown> } }).provider.environment
    .NODE_OPTIONS ?? '',
);
const BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export interface ColdStart {
  fn: string;
  bytes: number;
  naiveBytes: number;
  importMs: Stats;
  naiveMs: Stats;
  runtimeSdkMs: Stats;
  /** The deployed bundle as Lambda imports it (with the stack's NODE_OPTIONS, none since the source maps are read on an error). */
  lambdaMs: Stats;
  /** Mapping one stack trace of the bundle to its source (src/lambda/stack-traces.ts): the cost moved to the first error. */
  stackTraceMs: Stats;
  /** Import of an empty module in a fresh process, measured in the same run: Node's own floor. */
  floorMs: Stats;
  /** Whether the handler bundles an AWS SDK client: only those have an import cost worth timing. */
  carriesSdk: boolean;
  /** (bundle - floor) / (naive - floor): what the build saves of the cost that is ours to save. */
  ratio: number;
}

/**
 * How long one import of a bundle takes in a fresh Node process, in ms; `asLambda` adds the Node options Lambda is
 * given (serverless.yml's NODE_OPTIONS).
 */
export const importTime = async (file: string, asLambda = false): Promise<number> => {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, AWS_REGION: 'us-east-1', NODE_OPTIONS: asLambda ? LAMBDA_NODE_OPTIONS : '' },
  });
  return Number(stdout);
};

/** How long mapping a stack trace of the bundle takes in a fresh process, its map read then (the first error's cost). */
const stackTraceTime = async (file: string): Promise<number> => {
  const mapper = JSON.stringify(pathToFileURL('src/lambda/stack-traces.ts').href);
  const frame = `    at handler (${pathToFileURL(file).href}:2:100)`;
  const script = `import { sourceStack } from ${mapper}; const t = performance.now(); sourceStack(${JSON.stringify(`Error: x\n${frame}`)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: '' } });
  return Number(stdout);
};

/**
 * Imports each file `runs` times, the files taking turns, so a busy moment of the machine falls on all of them
 * alike; the budgets read each one's minimum, the figure that noise can only make worse, never better.
 */
const timeAlternately = async (files: readonly { file: string; asLambda?: boolean }[], runs: number): Promise<Stats[]> => {
  const samples = files.map((): number[] => []);
  for (let i = 0; i < runs; i += 1)
    for (const [n, { file, asLambda }] of files.entries()) samples[n]?.push(await importTime(file, asLambda));
  return samples.map(stats);
};

export const measureColdStarts = async (outDir: string, runs: number): Promise<ColdStart[]> => {
  await rm(BENCH_BUILD_DIR, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const empty = join(outDir, 'empty.mjs');
  await writeFile(empty, 'export {};\n');
  await run(
    process.execPath,
    ['node_modules/osls/bin/serverless.js', 'package', '--stage', 'bench', '--package', join(outDir, 'package')],
    { timeout: 180_000, env: { ...process.env, AMI_ROTATOR_BUILD_DIR: BENCH_BUILD_DIR } },
  );
  const naiveDir = join(outDir, 'naive');
  const runtimeDir = join(outDir, 'runtime-sdk');
  await mkdir(naiveDir, { recursive: true });
  const results: ColdStart[] = [];
  for (const fn of FUNCTIONS) {
    const entry = `functions/${fn}.ts`;
    const deployed = `${BENCH_BUILD_DIR}/.build/functions/${fn}.mjs`;
    const naive = join(naiveDir, `${fn}.mjs`);
    const runtime = join(runtimeDir, `${fn}.mjs`);
    const { metafile } = await build({
      entryPoints: [entry],
      bundle: true,
      metafile: true,
      platform: 'node',
      format: 'esm',
      mainFields: ['main'],
      minify: false,
      outfile: naive,
      banner: { js: BANNER },
      logLevel: 'error',
    });
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      minify: true,
      packages: 'external',
      outfile: runtime,
      logLevel: 'error',
    });
    // The floor is measured beside each function's figures, so a busy machine raises both alike.
    const [floorMs, importMs, naiveMs, runtimeSdkMs, lambdaMs] = (await timeAlternately(
      [{ file: empty }, { file: deployed }, { file: naive }, { file: runtime }, { file: deployed, asLambda: true }],
      runs,
    )) as [Stats, Stats, Stats, Stats, Stats];
    const traces: number[] = [];
    for (let i = 0; i < (runs > 5 ? 3 : 1); i += 1) traces.push(await stackTraceTime(deployed));
    results.push({
      fn,
      stackTraceMs: stats(traces),
      bytes: (await stat(deployed)).size,
      naiveBytes: (await stat(naive)).size,
      importMs,
      naiveMs,
      runtimeSdkMs,
      lambdaMs,
      floorMs,
      carriesSdk: Object.keys(metafile.inputs).some((path) => path.includes('node_modules/@aws-sdk/')),
      ratio: round(Math.max(0, importMs.min - floorMs.min) / Math.max(1, naiveMs.min - floorMs.min), 2),
    });
  }
  return results;
};
