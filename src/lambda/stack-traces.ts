/**
 * Stack traces in the source's terms, paid for only when there is one. Node's `--enable-source-maps` reads a bundle's
 * source map when the bundle loads: 16 to 120 ms of every cold start (`npm run bench`), for stack traces most
 * invocations never print. Instead the deployed bundle's linked map (`<bundle>.mjs.map`, beside it in the zip) is read
 * the first time an error is logged, with Node's own SourceMap, and the frames that point into a bundle are rewritten
 * to the TypeScript file, line and column they came from.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A frame that points into a bundle: `at name (file:///var/task/x.mjs:1:2345)` or `at file:///var/task/x.mjs:1:2345`. */
const FRAME = /^(\s*at\s+)(?:(.*?)\s+\()?((?:file:\/\/)?\/[^():]+\.m?js):(\d+):(\d+)\)?$/;

/** Each bundle's map, read once (undefined: it has none, or it cannot be read). */
const maps = new Map<string, SourceMap | undefined>();

const mapOf = (path: string, read: (path: string) => string): SourceMap | undefined => {
  if (!maps.has(path)) {
    try {
      maps.set(path, new SourceMap(JSON.parse(read(`${path}.map`))));
    } catch {
      maps.set(path, undefined);
    }
  }
  return maps.get(path);
};

type Origin = { fileName: string; lineNumber: number; columnNumber: number; name?: string };

/**
 * The stack with each frame of a bundle that has a map rewritten to its source; any other line as it was. A frame's
 * function is named as Node's own source-map support names it when it cannot ask V8: by the symbol at its caller's
 * position (the call names the function called), else by the bundle's (minified) name.
 */
export const sourceStack = (stack: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string => {
  const lines = stack.split('\n');
  const frames = lines.map((line) => {
    const frame = FRAME.exec(line);
    if (!frame) return undefined;
    const [, at = '', name, location = '', row = '', column = ''] = frame;
    const path = location.startsWith('file://') ? fileURLToPath(location) : location;
    const found = mapOf(path, read)?.findOrigin(Number(row), Number(column));
    const origin = found && 'fileName' in found ? (found as Origin) : undefined;
    return { at, name, origin };
  });
  return lines
    .map((line, i) => {
      const frame = frames[i];
      if (!frame?.origin) return line;
      const { at, name, origin } = frame;
      const source = `${origin.fileName.replace(/^(\.\.\/)+/, '')}:${origin.lineNumber}:${origin.columnNumber}`;
      const named = frames[i + 1]?.origin?.name || name;
      return named ? `${at}${named} (${source})` : `${at}${source}`;
    })
    .join('\n');
};

/** The errors whose stack is already rewritten (an error logged twice, or a cause shared). */
const SOURCED = new WeakSet<Error>();

/** Rewrites an error's stack (and its cause's) in place, once: what the log line and the returned error show. */
export const withSourceStack = <E>(error: E, read?: (path: string) => string): E => {
  if (error instanceof Error && typeof error.stack === 'string' && !SOURCED.has(error)) {
    SOURCED.add(error);
    error.stack = sourceStack(error.stack, read);
    if (error.cause !== undefined) withSourceStack(error.cause, read);
  }
  return error;
};
