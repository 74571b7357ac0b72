/**
 * The README's "Execution input" table and the validator, held to each other: the same fields, and for
 * generated inputs the same verdict from the validator and from the README's rules restated here.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { executionInputSchema, parseRotationRequest } from '../../src/rotation/request.ts';

const readme = readFileSync('docs/input.md', 'utf8');
const table = readme.slice(readme.indexOf('# Execution input'), readme.indexOf('Examples to paste'));
const readmeFields = [...table.matchAll(/^\| `(\w+)` +\|/gm)].map((m) => m[1]);
const config = readConfig({ ROTATOR_DEFAULT_FAMILY: 'web-prod', ROTATOR_DEFAULT_INSTANCE_ID: 'i-0123456789abcdef0' });

const accepted = (input: unknown): boolean => {
  try {
    parseRotationRequest(input, config);
    return true;
  } catch (error) {
    if (error instanceof InvalidInputError) return false;
    throw error;
  }
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: the README's rule is about control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The README's rules, word for word: what each row's "type" column allows. */
const README_RULES = {
  family: (v: string) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v),
  instanceId: (v: string) => /^i-([0-9a-f]{8}|[0-9a-f]{17})$/.test(v),
  description: (v: string) => v.length <= 255 && !CONTROL.test(v) && v.isWellFormed(),
  tagValue: (v: string) => v.length <= 256 && !CONTROL.test(v) && v.isWellFormed(),
};

describe('the README input table and the validator', () => {
  it('name the same fields', () => {
    const probe = Object.fromEntries(readmeFields.map((f) => [f, undefined]));

    expect(readmeFields.sort()).toEqual(Object.keys(executionInputSchema.shape).sort());
    expect(readmeFields).toContain('family');
    expect(accepted(probe)).toBe(true);
    expect(accepted({ ...probe, notInTheReadme: 1 })).toBe(false);
  });

  const text = fc.string({
    unit: fc.constantFrom('a', 'Z', '0', '9', '.', '_', '-', ' ', '*', 'é', '\u0007', '\ud800', 'f', 'i'),
    maxLength: 70,
  });
  const chars = (n: number) => fc.string({ unit: fc.constantFrom('0', '7', 'a', 'f', 'g', 'A'), minLength: n, maxLength: n });
  const instanceIds = fc.oneof(
    fc.tuple(fc.constantFrom('i-', 'i_', ''), fc.oneof(chars(8), chars(17), chars(12))).map(([p, h]) => p + h),
    text,
  );

  it.each([
    ['family', text, (v: string) => ({ family: v }), README_RULES.family],
    ['instanceId', instanceIds, (v: string) => ({ instanceId: v }), README_RULES.instanceId],
    [
      'description',
      fc.oneof(text, fc.string({ minLength: 250, maxLength: 260 })),
      (v: string) => ({ description: v }),
      README_RULES.description,
    ],
    [
      'a tag value',
      fc.oneof(text, fc.string({ minLength: 250, maxLength: 260 })),
      (v: string) => ({ tags: { team: v } }),
      README_RULES.tagValue,
    ],
  ])('agree on every generated %s', (_field, values, inputOf, rule) => {
    fc.assert(
      fc.property(values as fc.Arbitrary<string>, (value) => {
        expect(accepted(inputOf(value))).toBe(rule(value));
      }),
      { numRuns: 400 },
    );
  });
});
