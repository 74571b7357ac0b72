import { afterEach, expect, it, vi } from 'vitest';
import { eventPrinter, printSummary } from '../../local/report.ts';
import type { EventLog, LocalRunResult } from '../../local/workflow.ts';

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

it("says a wait's deadline for what it is, a designed end, and any other failure as a failure", () => {
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
  const failed = (name: string, error: string) =>
    ({ type: 'StateFailed', state: { name, input: {} }, Error: error }) as unknown as EventLog;

  eventPrinter(false)(failed('AwaitImage', 'States.Timeout'), 10);
  eventPrinter(false)(failed('AwaitCommand', 'States.Timeout'), 10);
  eventPrinter(false)(failed('CheckImage', 'States.Timeout'), 10);
  eventPrinter(false)(failed('AwaitImage', 'Ec2Throttled'), 10);

  expect(printed.map((l) => l.trim())).toEqual([
    'deadline reached (States.Timeout, caught as designed)',
    'deadline reached (States.Timeout, caught as designed)',
    'failed: States.Timeout',
    'failed: Ec2Throttled',
  ]);
});

it('sums up what was published and the events put on the bus', () => {
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
  const result = (published: unknown) =>
    ({
      status: 'SUCCEEDED',
      output: { image: { imageId: 'ami-0abc', name: 'web-prod-1', snapshots: [] }, published },
      alerts: [],
      busEvents: [
        {
          source: 'ami-rotator',
          detailType: 'AMI Rotated',
          eventBusName: 'default',
          state: 'AnnounceRotation',
          detail: { family: 'web-prod' },
        },
      ],
      events: [],
      transitions: 20,
    }) as unknown as LocalRunResult;

  printSummary(result({ parameter: null, launchTemplates: [] }), undefined);
  printSummary(result({ parameter: { name: '/golden/web-prod/latest', imageId: 'ami-0abc' }, launchTemplates: [] }), undefined);

  expect(printed.filter((l) => l.startsWith('  published'))).toEqual([
    '  published   nothing (no publish targets)',
    '  published   parameter /golden/web-prod/latest',
  ]);
  expect(printed).toContain('  event       AMI Rotated (source ami-rotator) on the default bus: {"family":"web-prod"}');
});
