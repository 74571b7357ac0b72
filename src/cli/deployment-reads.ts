/**
 * What `ami-rotator status` reads of a stage beside its images and executions: its schedules (EventBridge
 * Scheduler) and its alarms in ALARM (CloudWatch). Both are named `ami-rotator-<stage>-...` by the stack
 * (infra/schedules.cjs, infra/delivery-alarms.cjs, infra/alerts.yml).
 */
import { type CloudWatchClient, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { GetScheduleCommand, paginateListSchedules, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { inBatches } from './batches.ts';
import { dig, parseJson } from './executions.ts';
import type { ScheduleTiming } from './next-run.ts';

export interface ScheduleInfo extends ScheduleTiming {
  name: string;
  /** The family its input rotates; undefined when the input names none. */
  family: string | undefined;
}

export interface AlarmInfo {
  name: string;
  reason: string;
  since: Date | undefined;
}

/** A read that may be refused: status shows what it could read, and says why the rest is missing. */
export type Read<T> = { value: T } | { unreadable: string };

export const settle = async <T>(read: Promise<T>): Promise<Read<T>> => {
  try {
    return { value: await read };
  } catch (error) {
    return { unreadable: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
};

/** Names are at most 64 characters (CreateSchedule), as the stack cuts them. */
const prefixOf = (stage: string) => `ami-rotator-${stage}-`.slice(0, 64);

export const readSchedules = async (scheduler: SchedulerClient, stage: string): Promise<ScheduleInfo[]> => {
  const listed: { name: string; group: string | undefined }[] = [];
  for await (const page of paginateListSchedules({ client: scheduler, pageSize: 100 }, { NamePrefix: prefixOf(stage) }))
    listed.push(...(page.Schedules ?? []).flatMap((s) => (s.Name ? [{ name: s.Name, group: s.GroupName }] : [])));
  // GetSchedule has a per-account request rate (EventBridge Scheduler User Guide, "Quotas"): many families are read in batches.
  return inBatches(listed, 8, async ({ name, group }) => {
    // A schedule is found in its own group (GetSchedule looks in `default` when none is named).
    const s = await scheduler.send(new GetScheduleCommand({ Name: name, ...(group ? { GroupName: group } : {}) }));
    const family = dig(parseJson(s.Target?.Input), 'family');
    return {
      name,
      family: typeof family === 'string' ? family : undefined,
      expression: s.ScheduleExpression ?? '',
      timezone: s.ScheduleExpressionTimezone ?? 'UTC',
      state: s.State ?? 'ENABLED',
      creationDate: s.CreationDate,
      startDate: s.StartDate,
      endDate: s.EndDate,
    };
  });
};

export const readAlarmsInAlarm = async (cloudWatch: CloudWatchClient, stage: string): Promise<AlarmInfo[]> => {
  const alarms: AlarmInfo[] = [];
  // Without AlarmTypes, DescribeAlarms answers metric alarms only.
  const pages = paginateDescribeAlarms(
    { client: cloudWatch, pageSize: 100 },
    { AlarmNamePrefix: `ami-rotator-${stage}-`, StateValue: 'ALARM', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
  );
  for await (const page of pages)
    for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])])
      alarms.push({ name: a.AlarmName ?? '', reason: a.StateReason ?? '', since: a.StateUpdatedTimestamp });
  return alarms;
};
