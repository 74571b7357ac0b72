import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERROR } from '../../src/workflow/contract.ts';

describe('the documented error names (docs/workflow.md)', () => {
  it('name every error of the contract, so a person reading an alert finds its name documented', async () => {
    const readme = await readFile(new URL('../../docs/workflow.md', import.meta.url), 'utf8');
    const paragraph = readme.slice(readme.indexOf('Error names are the contract'), readme.indexOf('Error names are the contract') + 2500);

    expect(Object.values(ERROR).filter((name) => !paragraph.includes(`\`${name}\``))).toEqual([]);
  });
});
