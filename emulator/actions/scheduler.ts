/**
 * EventBridge Scheduler, as much as `ami-rotator status` reads: ListSchedules (`GET /schedules`) and
 * GetSchedule (`GET /schedules/{Name}`), REST JSON, with the limits the EventBridge Scheduler API Reference
 * states. Schedules come from the fixture; nothing here fires them.
 */
import { ServiceError } from '../error-response.ts';
import { type Action, type Actions, reads } from './context.ts';

type Body = Record<string, unknown>;

const invalid = (message: string) => new ServiceError('ValidationException', message);

// ListSchedules and GetSchedule: names, prefixes and groups 1 to 64 of [0-9a-zA-Z-_.]; MaxResults 1 to 100;
// NextToken 1 to 2048; State ENABLED | DISABLED.
const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const STATES = new Set(['ENABLED', 'DISABLED']);
const DEFAULT_PAGE = 100;

const named = (body: Body, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !NAME.test(value)) throw invalid(`${field}: expected 1 to 64 of 0-9 a-z A-Z - _ .`);
  return value;
};

const epochSeconds = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

const listSchedules: Action<Body> = (body, { store }) => {
  const max = body.MaxResults === undefined ? DEFAULT_PAGE : Number(body.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 100) throw invalid('MaxResults: expected 1 to 100');
  const prefix = named(body, 'NamePrefix');
  const group = named(body, 'ScheduleGroup');
  if (body.State !== undefined && !STATES.has(String(body.State))) throw invalid('State: expected ENABLED or DISABLED');
  const matching = [...store.schedules.values()]
    .filter((s) => prefix === undefined || s.name.startsWith(prefix))
    .filter((s) => group === undefined || s.groupName === group)
    .filter((s) => body.State === undefined || s.state === body.State)
    .sort((a, b) => a.name.localeCompare(b.name));
  const token = body.NextToken;
  if (token !== undefined && (typeof token !== 'string' || token.length < 1 || token.length > 2048))
    throw invalid('NextToken: expected 1 to 2048 characters');
  const start = token === undefined ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0 || start > matching.length) throw invalid('NextToken: not a token this service gave');
  const end = start + max;
  return {
    Schedules: matching.slice(start, end).map((s) => ({
      Arn: s.arn,
      Name: s.name,
      GroupName: s.groupName,
      State: s.state,
      CreationDate: epochSeconds(s.creationDate),
      LastModificationDate: epochSeconds(s.creationDate),
      Target: { Arn: s.target.arn },
    })),
    ...(end < matching.length ? { NextToken: String(end) } : {}),
  };
};

const getSchedule: Action<Body> = (body, { store }) => {
  const name = named(body, 'Name') ?? '';
  const group = named(body, 'groupName') ?? 'default';
  const schedule = store.schedules.get(`${group}/${name}`);
  if (!schedule) throw new ServiceError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
  return {
    Arn: schedule.arn,
    Name: schedule.name,
    GroupName: schedule.groupName,
    State: schedule.state,
    Description: schedule.description,
    ScheduleExpression: schedule.expression,
    ScheduleExpressionTimezone: schedule.timezone,
    FlexibleTimeWindow: { Mode: 'OFF' },
    CreationDate: epochSeconds(schedule.creationDate),
    LastModificationDate: epochSeconds(schedule.creationDate),
    ...(schedule.startDate ? { StartDate: epochSeconds(schedule.startDate) } : {}),
    ...(schedule.endDate ? { EndDate: epochSeconds(schedule.endDate) } : {}),
    Target: { Arn: schedule.target.arn, RoleArn: schedule.target.roleArn, Input: schedule.target.input },
  };
};

/** EventBridge Scheduler's actions; their routes (method, path, query string) are in emulator/protocols/rest-json.ts. */
export const schedulerActions: Actions = { ListSchedules: reads(listSchedules), GetSchedule: reads(getSchedule) };
