import { afterEach, expect, it, vi } from 'vitest';
import { eventPrinter } from '../../local/report.ts';
import type { EventLog } from '../../local/workflow.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

it('prints nothing about a result when a state exits with a caught error instead of one', () => {
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
  const exited = (name: string, output: unknown) => ({ type: 'StateExited', state: { name, output } }) as unknown as EventLog;

  eventPrinter(false)(exited('CreateImage', { error: { Error: 'InstanceNotFound', Cause: '...' } }), 10);
  eventPrinter(false)(exited('ValidateInput', { error: { Error: 'InvalidInput' } }), 10);
  eventPrinter(false)(exited('CreateImage', { image: { imageId: 'ami-0abc', name: 'web-prod-1' } }), 10);

  expect(printed).toEqual([expect.stringMatching(/^ +ami-0abc web-prod-1 \(pending\)$/)]);
});
