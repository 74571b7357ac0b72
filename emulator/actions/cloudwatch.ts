/**
 * CloudWatch, as much as `ami-rotator status` reads: DescribeAlarms in AWS JSON 1.0 (query-compatible), with
 * the limits the CloudWatch API Reference states. Alarms and their states come from the fixture; nothing
 * here evaluates a metric.
 */
import { ServiceError } from '../error-response.ts';
import type { Alarm } from '../model.ts';
import { type Action, type Actions, reads } from './context.ts';

type Body = Record<string, unknown>;

const invalidValue = (message: string) =>
  new ServiceError('InvalidParameterValue', message, 400, { shape: 'InvalidParameterValueException' });

// DescribeAlarms: AlarmNames at most 100 names of 1 to 255 characters; AlarmNamePrefix 1 to 255 and not with
// AlarmNames; AlarmTypes MetricAlarm | CompositeAlarm, and without it only metric alarms are returned;
// StateValue OK | ALARM | INSUFFICIENT_DATA; MaxRecords 1 to 100 (50 when absent).
const STATES = new Set(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
const TYPES = new Set(['MetricAlarm', 'CompositeAlarm']);
const DEFAULT_PAGE = 50;
const NOT_MODELLED = ['ActionPrefix', 'ChildrenOfAlarmName', 'ParentsOfAlarmName'];

const nameOk = (value: unknown) => typeof value === 'string' && value.length >= 1 && value.length <= 255;

const describeAlarms: Action<Body> = (body, { store }) => {
  const names = body.AlarmNames;
  if (names !== undefined && (!Array.isArray(names) || names.length > 100 || !names.every(nameOk)))
    throw invalidValue('AlarmNames: expected at most 100 names of 1 to 255 characters');
  const prefix = body.AlarmNamePrefix;
  if (prefix !== undefined && !nameOk(prefix)) throw invalidValue('AlarmNamePrefix: expected 1 to 255 characters');
  if (names !== undefined && prefix !== undefined)
    throw new ServiceError('InvalidParameterCombination', 'AlarmNamePrefix and AlarmNames cannot be specified together', 400, {
      shape: 'InvalidParameterCombinationException',
    });
  const types = body.AlarmTypes ?? ['MetricAlarm'];
  if (!Array.isArray(types) || !types.every((t) => TYPES.has(String(t))))
    throw invalidValue('AlarmTypes: expected MetricAlarm and/or CompositeAlarm');
  if (body.StateValue !== undefined && !STATES.has(String(body.StateValue)))
    throw invalidValue('StateValue: expected OK, ALARM or INSUFFICIENT_DATA');
  const max = body.MaxRecords ?? DEFAULT_PAGE;
  if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 100) throw invalidValue('MaxRecords: expected 1 to 100');
  const unmodelled = NOT_MODELLED.find((field) => body[field] !== undefined);
  if (unmodelled) throw invalidValue(`${unmodelled}: not modelled by the emulator`);
  const matching = [...store.alarms.values()]
    .filter((a) => types.includes(a.type))
    .filter((a) => names === undefined || (names as string[]).includes(a.name))
    .filter((a) => prefix === undefined || a.name.startsWith(String(prefix)))
    .filter((a) => body.StateValue === undefined || a.state === body.StateValue)
    .sort((a, b) => a.name.localeCompare(b.name));
  const start = body.NextToken === undefined ? 0 : Number(body.NextToken);
  if (!Number.isInteger(start) || start < 0 || start > matching.length)
    throw new ServiceError('InvalidNextToken', 'The service returned an error: Invalid NextToken', 400, { shape: 'InvalidNextToken' });
  const page = matching.slice(start, start + (max as number));
  const out = (a: Alarm) => ({
    AlarmName: a.name,
    AlarmArn: a.arn,
    AlarmDescription: a.description,
    StateValue: a.state,
    StateReason: a.stateReason,
    StateUpdatedTimestamp: Date.parse(a.stateUpdated) / 1000,
  });
  return {
    MetricAlarms: page.filter((a) => a.type === 'MetricAlarm').map(out),
    CompositeAlarms: page.filter((a) => a.type === 'CompositeAlarm').map(out),
    ...(start + (max as number) < matching.length ? { NextToken: String(start + (max as number)) } : {}),
  };
};

export const cloudWatchActions: Actions = { DescribeAlarms: reads(describeAlarms) };
