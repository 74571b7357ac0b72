/**
 * The tag contract (test/upgrade/tag-contract.json, docs/release.md): what the tags on images mean to every release.
 * A key or a value changed here without a migration orphans what earlier releases made: this fails until the change
 * is recorded with the migration that reads the former key.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AVAILABLE,
  BOOT_TEST_FAILED,
  fromEc2Tags,
  PROMOTION,
  REJECTED,
  ROLLED_BACK,
  TAG,
  TAG_MIGRATIONS,
} from '../../src/rotation/tags.ts';

interface Contract {
  keys: Record<string, { key: string; values?: string[] }>;
  migrations: { formerly: string; key: string; since: string }[];
}
const contract = JSON.parse(readFileSync(new URL('./tag-contract.json', import.meta.url), 'utf8')) as Contract;

describe('the tag contract', () => {
  it('names every key the code writes, each as the contract has it or migrated from it', () => {
    const keys = Object.fromEntries(Object.entries(contract.keys).map(([name, k]) => [name, k.key]));
    const changed = Object.entries(TAG).filter(([name, key]) => keys[name] !== key);
    const unmigrated = changed.filter(
      ([name, key]) =>
        !TAG_MIGRATIONS.some((m) => m.formerly === keys[name] && m.key === key) || !contract.migrations.some((m) => m.key === key),
    );

    expect(Object.keys(TAG).sort()).toEqual(Object.keys(contract.keys).sort());
    expect(unmigrated.map(([name, key]) => `${name}: ${keys[name]} became ${key} without a migration`)).toEqual([]);
  });

  it('gives each value the meaning the contract gives it', () => {
    expect([AVAILABLE, BOOT_TEST_FAILED, ROLLED_BACK, REJECTED]).toEqual(contract.keys.status?.values);
    expect(Object.values(PROMOTION)).toEqual(contract.keys.promotion?.values);
  });

  it("reads an earlier release's key as today's through a migration, today's winning when both are there", () => {
    const migration = [{ formerly: 'ami-rotator:owner', key: TAG.managed, since: '9.9.9' }];

    expect(fromEc2Tags([{ Key: 'ami-rotator:owner', Value: 'true' }], migration)[TAG.managed]).toBe('true');
    expect(
      fromEc2Tags(
        [
          { Key: 'ami-rotator:owner', Value: 'old' },
          { Key: TAG.managed, Value: 'true' },
        ],
        migration,
      )[TAG.managed],
    ).toBe('true');
  });
});
