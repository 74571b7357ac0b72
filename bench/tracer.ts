/**
 * What Powertools Tracer costs a cold start: the create-image handler (three AWS clients) bundled as
 * deployed, with its clients captured by Tracer (the X-Ray SDK it brings included), against the same
 * bundle with Tracer replaced by a stand-in that does nothing (bench/untraced.ts), each imported in fresh
 * processes. Issue 15 adopted the tracer because the traced bundles meet the cold-start budget (import
 * above the floor at most 0.4x the naive bundle's), which the cold-start table checks for every function.
 */
import { mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { importTime } from './cold-start.ts';
import { round, type Stats, stats } from './stats.ts';

const plugins = createRequire(import.meta.url)('../infra/esbuild-plugins.cjs');
const BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export interface TracerCost {
  fn: string;
  bytes: number;
  tracedBytes: number;
  importMs: Stats;
  tracedMs: Stats;
}

/** The deployed build's settings (serverless.yml custom.esbuild), so the two bundles differ by the tracer alone. */
const bundle = (outfile: string, alias: Record<string, string> = {}) =>
  build({
    entryPoints: ['functions/create-image.ts'],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    alias: { '@aws-sdk/credential-provider-node': './src/aws/lambda-credentials.ts', ...alias },
    plugins,
    banner: { js: BANNER },
    outfile,
    logLevel: 'error',
  });

export const measureTracer = async (outDir: string, runs: number): Promise<TracerCost> => {
  const dir = join(outDir, 'tracer');
  await mkdir(dir, { recursive: true });
  const plain = join(dir, 'create-image-untraced.mjs');
  const traced = join(dir, 'create-image.mjs');
  await bundle(traced);
  await bundle(plain, {
    '@aws-lambda-powertools/tracer/middleware': './bench/untraced.ts',
    '@aws-lambda-powertools/tracer': './bench/untraced.ts',
  });
  const importMs: number[] = [];
  const tracedMs: number[] = [];
  // Interleaved, so a busy moment of the machine weighs on both alike.
  for (let i = 0; i < runs; i += 1) {
    importMs.push(await importTime(plain));
    tracedMs.push(await importTime(traced));
  }
  return {
    fn: 'create-image',
    bytes: (await stat(plain)).size,
    tracedBytes: (await stat(traced)).size,
    importMs: stats(importMs),
    tracedMs: stats(tracedMs),
  };
};

export const tracerSummary = (t: TracerCost): string =>
  `| ${t.fn} | ${round(t.bytes / 1024)} KiB | ${round(t.importMs.median, 1)} | ${round(t.tracedBytes / 1024)} KiB | ${round(t.tracedMs.median, 1)} | +${round(t.tracedMs.median - t.importMs.median, 1)} ms |`;
