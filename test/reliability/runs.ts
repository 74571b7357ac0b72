/** What the reliability suite and the soak share: the family's policy, its tags, and a handler that dies. */
import type { LocalRunOptions } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { FAMILY } from '../support/workflow.ts';

export const MANAGED = { [TAG.managed]: 'true', [TAG.family]: FAMILY };
export const RETENTION = { keepLast: 3, maxAgeDays: 2, minKeep: 2 };

/** The function `fn` does its work, then its first attempt times out as Lambda would end it. */
export const dieAfter =
  (fn: string): NonNullable<LocalRunOptions['interceptInvoke']> =>
  async (name, invoke, attempt) => {
    const result = await invoke();
    if (name === fn && attempt === 1) throw Object.assign(new Error('Task timed out after 60.00 seconds'), { name: 'Sandbox.Timedout' });
    return result;
  };
