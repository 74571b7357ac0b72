/**
 * When an EventBridge Scheduler schedule fires next, from what GetSchedule says of it: its expression
 * (`at(...)`, `rate(...)` or `cron(...)`), time zone, state and start/end dates. Pure: `now` is given.
 * Expressions as the EventBridge Scheduler User Guide, "Schedule types", writes them.
 */
import { Cron } from 'croner';

export interface ScheduleTiming {
  expression: string;
  timezone: string;
  state: string;
  creationDate?: Date | undefined;
  startDate?: Date | undefined;
  endDate?: Date | undefined;
}

/** The next time it fires, or why there is none. */
export type NextRun = { at: Date } | { none: string };

const RATE_UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * Scheduler's cron has six fields (minute hour day-of-month month day-of-week year), weekdays 1-7 from Sunday
 * (Quartz's numbering) and steps such as 0/15: croner reads it with a seconds field in front, in its 7-part,
 * Quartz-weekday mode, with those steps allowed.
 */
const cronRun = (fields: string, timing: ScheduleTiming, now: Date): NextRun => {
  if (fields.split(' ').length !== 6) return { none: `cron(${fields}) does not have the six fields Scheduler's cron has` };
  // Without a function to run, croner schedules nothing: it only computes runs.
  const job = new Cron(`0 ${fields}`, {
    mode: '7-part',
    alternativeWeekdays: true,
    sloppyRanges: true,
    timezone: timing.timezone,
    ...(timing.endDate ? { stopAt: timing.endDate } : {}),
  });
  const at = job.nextRun(now);
  return at ? { at } : { none: 'the expression fires no more' };
};

const rateRun = (value: number, unit: string, timing: ScheduleTiming, now: Date): NextRun => {
  const step = value * (RATE_UNITS[unit.replace(/s$/, '')] ?? Number.NaN);
  const origin = timing.startDate ?? timing.creationDate;
  if (!Number.isFinite(step) || step <= 0) return { none: `rate(${value} ${unit}) is not a rate Scheduler takes` };
  if (origin === undefined) return { none: 'a rate schedule without a start or creation date' };
  // A rate schedule fires at its start (or creation) and every period after it.
  const periods = Math.max(0, Math.ceil((now.getTime() - origin.getTime()) / step));
  return { at: new Date(origin.getTime() + periods * step) };
};

const atRun = (local: string, timing: ScheduleTiming, now: Date): NextRun => {
  const at = new Cron(local, { timezone: timing.timezone }).nextRun(now);
  return at ? { at } : { none: `the one-time schedule at ${local} (${timing.timezone}) has passed` };
};

export const nextRun = (timing: ScheduleTiming, now: Date): NextRun => {
  if (timing.state !== 'ENABLED') return { none: `the schedule is ${timing.state.toLowerCase()}` };
  if (timing.endDate && timing.endDate.getTime() <= now.getTime()) return { none: `the schedule ended ${timing.endDate.toISOString()}` };
  // Before its start date a schedule is idle: count from a moment before it.
  const after = timing.startDate && timing.startDate.getTime() > now.getTime() ? new Date(timing.startDate.getTime() - 1) : now;
  const [, kind, body = ''] = /^(cron|rate|at)\((.+)\)$/.exec(timing.expression) ?? [];
  const rate = /^(\d+) (minutes?|hours?|days?)$/.exec(body);
  try {
    if (kind === 'cron') return cronRun(body, timing, after);
    if (kind === 'rate' && rate) return rateRun(Number(rate[1]), String(rate[2]), timing, after);
    if (kind === 'at' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(body)) return atRun(body, timing, after);
  } catch (error) {
    return { none: `cannot read ${timing.expression}: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { none: `cannot read ${timing.expression}: expected at(...), rate(...) or cron(...)` };
};
