/** The README's worked retention examples, read from the README itself and run through the input contract and the planner. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import { planRetention } from '../../src/retention/plan.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { ACCOUNT, FAMILY, image, NOW } from '../support/images.ts';

const readme = readFileSync('docs/retention.md', 'utf8');
const section = readme.slice(readme.indexOf('Worked examples'), readme.indexOf('Whatever the policy'));
const rows = [...section.matchAll(/^\| `([^`]+)` +\| (.+?) +\|$/gm)].map(([, policy = '', deleted = '']) => ({ policy, deleted }));

/** `keepLast: 7, maxAgeDays: 2` → `{ keepLast: 7, maxAgeDays: 2 }`. */
const policyOf = (text: string) =>
  Object.fromEntries(
    text
      .split(',')
      .map((part) => part.split(':').map((s) => s.trim()))
      .map(([k, v]) => [k, Number(v)]),
  );
/** "8 to 10 days old (...)" → [8, 9, 10]. */
const agesOf = (text: string) => {
  const [, from, to] = /(\d+) to (\d+) days old/.exec(text) ?? [];
  return Array.from({ length: Number(to) - Number(from) + 1 }, (_, n) => Number(from) + n);
};

describe("the README's worked examples, verbatim", () => {
  it('are all found in the README', () => {
    expect(rows.length).toBeGreaterThanOrEqual(5);
  });

  it.each(rows)('an input retention of {$policy} deletes $deleted', ({ policy, deleted }) => {
    const nightly = Array.from({ length: 10 }, (_, n) => image(n + 1));
    const request = parseRotationRequest(
      { family: FAMILY, instanceId: 'i-0123456789abcdef0', retention: policyOf(policy) },
      readConfig({}),
    );

    const plan = planRetention(nightly, { family: FAMILY, policy: request.retention, now: NOW, accountId: ACCOUNT });

    const deletedAges = plan.filter((d) => d.action === 'delete').map((d) => nightly.findIndex((i) => i.imageId === d.imageId) + 1);
    expect(deletedAges.sort((a, b) => a - b)).toEqual(agesOf(deleted));
  });
});
