/**
 * Every pointer to the documentation that a person reads in an alert, an alarm, an error or a CLI message (and in the
 * stack's settings): `(docs/input.md, "Execution input")` or `(README, "How it waits")`, held to a page that exists
 * and a heading on it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SOURCES = ['src', 'bin', 'functions', 'infra', 'local', 'emulator', 'statemachine', 'serverless.yml'];
const filesUnder = (path: string): string[] =>
  statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => filesUnder(join(path, name))) : [path];
/** `README, "Heading"` or `docs/page.md, 'Heading'`, as messages and comments write them. */
const REFERENCE = /\b(README|docs\/[a-z-]+\.md), ["']([^"'\n]+)["']/g;

const references = SOURCES.flatMap(filesUnder).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(REFERENCE)].map((m) => ({
    file,
    page: m[1] === 'README' ? 'README.md' : (m[1] ?? ''),
    heading: m[2] ?? '',
  })),
);
const headingsOf = (page: string): string[] => [...readFileSync(page, 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) => (m[1] ?? '').trim());

describe('the documentation the code points people to', () => {
  it('is pointed to from the alerts, the alarms, the CLI and the settings', () => {
    const from = new Set(references.map((r) => r.file));

    expect(from).toContain('src/alerts/failure-alert.ts');
    expect(from).toContain('infra/schedules.cjs');
    expect(references.length).toBeGreaterThan(10);
  });

  it('names a page that exists and a heading on it, every time', () => {
    const broken = references.filter(({ page, heading }) => {
      try {
        return !headingsOf(page).includes(heading);
      } catch {
        return true;
      }
    });

    expect(broken).toEqual([]);
  });
});
