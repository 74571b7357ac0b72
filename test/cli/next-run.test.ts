import { describe, expect, it } from 'vitest';
import { nextRun } from '../../src/cli/next-run.ts';

// Expected times worked out by hand from a calendar: 2026-11-23 is a Monday; Paris is UTC+1 in winter and
// UTC+2 from 2027-03-28 (last Sunday of March, 01:00 UTC). Rates count from the creation, 2026-11-01 10:30 UTC:
// 32,250 minutes before NOW, so every 7 minutes lands 6 minutes after it.
const NOW = new Date('2026-11-23T20:00:00Z');
const CREATED = new Date('2026-11-01T10:30:00Z');
const at = (expression: string, extra: Record<string, unknown> = {}) =>
  nextRun({ expression, timezone: 'UTC', state: 'ENABLED', creationDate: CREATED, ...extra }, NOW);

describe('the next run of a Scheduler schedule (EventBridge Scheduler User Guide, "Schedule types")', () => {
  it.each([
    { expression: 'cron(0 2 * * ? *)', timezone: 'UTC', next: '2026-11-24T02:00:00.000Z' },
    { expression: 'cron(0 2 * * ? *)', timezone: 'Europe/Paris', next: '2026-11-24T01:00:00.000Z' },
    { expression: 'cron(30 21 * * ? *)', timezone: 'UTC', next: '2026-11-23T21:30:00.000Z' },
    { expression: 'cron(0/15 * * * ? *)', timezone: 'UTC', next: '2026-11-23T20:15:00.000Z' },
    // Weekdays count from Sunday = 1: 1 is the coming Sunday, 2 next Monday (today's 02:00 has passed).
    { expression: 'cron(0 2 ? * 1 *)', timezone: 'UTC', next: '2026-11-29T02:00:00.000Z' },
    { expression: 'cron(0 2 ? * 2 *)', timezone: 'UTC', next: '2026-11-30T02:00:00.000Z' },
    { expression: 'cron(0 2 ? * MON-FRI *)', timezone: 'UTC', next: '2026-11-24T02:00:00.000Z' },
    // The last Friday of November 2026 is the 27th; the third Wednesday of December the 16th.
    { expression: 'cron(0 2 ? * 6L *)', timezone: 'UTC', next: '2026-11-27T02:00:00.000Z' },
    { expression: 'cron(0 2 ? * 4#3 *)', timezone: 'UTC', next: '2026-12-16T02:00:00.000Z' },
    { expression: 'cron(0 2 L * ? *)', timezone: 'UTC', next: '2026-11-30T02:00:00.000Z' },
    { expression: 'cron(0 2 1 4 ? 2027)', timezone: 'Europe/Paris', next: '2027-04-01T00:00:00.000Z' },
    { expression: 'rate(1 day)', timezone: 'UTC', next: '2026-11-24T10:30:00.000Z' },
    { expression: 'rate(12 hours)', timezone: 'UTC', next: '2026-11-23T22:30:00.000Z' },
    { expression: 'rate(5 minutes)', timezone: 'UTC', next: '2026-11-23T20:00:00.000Z' },
    { expression: 'rate(1 minute)', timezone: 'UTC', next: '2026-11-23T20:00:00.000Z' },
    { expression: 'rate(7 minutes)', timezone: 'UTC', next: '2026-11-23T20:06:00.000Z' },
    { expression: 'at(2026-12-01T09:00:00)', timezone: 'Europe/Paris', next: '2026-12-01T08:00:00.000Z' },
  ])('$expression in $timezone: $next', ({ expression, timezone, next }) => {
    expect(at(expression, { timezone })).toEqual({ at: new Date(next) });
  });

  it('waits for a start date in the future, and has none after the end date', () => {
    expect(at('cron(0 2 * * ? *)', { startDate: new Date('2027-01-10T12:00:00Z') })).toEqual({ at: new Date('2027-01-11T02:00:00Z') });
    expect(at('rate(1 day)', { startDate: new Date('2027-01-10T12:00:00Z') })).toEqual({ at: new Date('2027-01-10T12:00:00Z') });
    expect(at('cron(0 2 * * ? *)', { endDate: new Date('2026-11-24T01:00:00Z') })).toEqual({ none: 'the expression fires no more' });
    expect(at('cron(0 2 * * ? *)', { endDate: new Date('2026-11-01T00:00:00Z') })).toEqual({
      none: 'the schedule ended 2026-11-01T00:00:00.000Z',
    });
  });

  it.each([
    { case: 'a disabled schedule', expression: 'cron(0 2 * * ? *)', extra: { state: 'DISABLED' }, none: 'the schedule is disabled' },
    { case: 'a one-time schedule that has passed', expression: 'at(2026-01-01T09:00:00)', extra: {}, none: 'has passed' },
    { case: 'a date that never comes', expression: 'cron(0 2 31 2 ? *)', extra: {}, none: 'fires no more' },
    { case: "a Unix cron's five fields", expression: 'cron(0 2 * * ?)', extra: {}, none: 'six fields' },
    { case: 'a rate in seconds', expression: 'rate(30 seconds)', extra: {}, none: 'expected at(...), rate(...) or cron(...)' },
    { case: 'a rate of zero', expression: 'rate(0 days)', extra: {}, none: 'not a rate Scheduler takes' },
    { case: 'no expression', expression: 'nightly', extra: {}, none: 'cannot read nightly: expected at(...), rate(...) or cron(...)' },
    { case: 'an hour that does not exist', expression: 'cron(0 25 * * ? *)', extra: {}, none: 'cannot read cron(0 25 * * ? *): ' },
    { case: 'a one-time date without seconds', expression: 'at(2026-12-01T09:00)', extra: {}, none: 'expected at(...)' },
    {
      case: 'a rate schedule without a start or creation date',
      expression: 'rate(1 day)',
      extra: { creationDate: undefined },
      none: 'a rate schedule without a start or creation date',
    },
  ])('has no next run for $case, and says why', ({ expression, extra, none }) => {
    const run = at(expression, extra);

    expect(run).toEqual({ none: expect.stringContaining(none) });
  });
});
