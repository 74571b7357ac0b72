/**
 * Stack traces in the source's terms without --enable-source-maps (src/lambda/stack-traces.ts): a bundle built as the
 * stack builds its functions (esbuild, minified, linked source map) throws; its frames are mapped back to the
 * TypeScript file and line, and only when asked (the map is not read at import).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { sourceStack } from '../../src/lambda/stack-traces.ts';

const bundled = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ami-rotator-stack-'));
  const entry = join(dir, 'failing-step.ts');
  await writeFile(
    entry,
    [
      'const checkTheImage = (imageId: string): never => {',
      '  throw new Error(`image ${imageId} is gone`);',
      '};',
      'export const handler = (imageId: string) => checkTheImage(imageId);',
      '',
    ].join('\n'),
  );
  const outfile = join(dir, 'bundle', 'failing-step.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'error',
  });
  return outfile;
};

const run = promisify(execFile);

describe('stack traces mapped to the source, on an error only', () => {
  it("rewrites a bundle's frames to the TypeScript file and line they came from, reading its map only then", async () => {
    const bundle = await bundled();
    // A process of its own, as Lambda runs the bundle: no --enable-source-maps (vitest maps every stack it sees).
    const script = `
      import { readFileSync } from 'node:fs';
      import { withSourceStack } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'src/lambda/stack-traces.ts')).href)};
      const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
      const reads = [];
      try {
        handler('ami-0123456789abcdef0');
      } catch (error) {
        const before = error.stack;
        const after = withSourceStack(error, (path) => (reads.push(path), readFileSync(path, 'utf8'))).stack;
        process.stdout.write(JSON.stringify({ enabled: process.sourceMapsEnabled, before, after, reads }));
      }`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: '' } });
    const { enabled, before, after, reads } = JSON.parse(stdout) as { enabled: boolean; before: string; after: string; reads: string[] };

    expect(enabled).toBe(false);
    expect(before).toMatch(/failing-step\.mjs:1:\d+/);
    expect(after).toMatch(/at checkTheImage \(.*failing-step\.ts:2:\d+\)/);
    expect(after).toMatch(/at \w+ \(.*failing-step\.ts:4:\d+\)/);
    expect(reads).toEqual([expect.stringMatching(/failing-step\.mjs\.map$/)]);
  });

  it('leaves a frame without a map, and any other line, as it was', () => {
    const stack = ['Error: boom', '    at run (file:///var/task/none.mjs:1:20)', '    at node:internal/process/task_queues:95:5'].join(
      '\n',
    );

    expect(
      sourceStack(stack, () => {
        throw new Error('ENOENT');
      }),
    ).toBe(stack);
  });
});
