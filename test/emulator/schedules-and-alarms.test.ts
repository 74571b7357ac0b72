import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { failureOf, serviceClientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const scheduler = () => serviceClientFor(SchedulerClient, emulator().url);
const cloudWatch = () => serviceClientFor(CloudWatchClient, emulator().url);
const target = { arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-prod', roleArn: 'arn:aws:iam::123456789012:role/r' };

describe('the emulated EventBridge Scheduler (API reference: ListSchedules, GetSchedule)', () => {
  it('lists schedules by name prefix, a page of MaxResults at a time, and reads one with its expression', async () => {
    emulator().seed({
      schedules: [
        ...['a', 'b', 'c'].map((f) => ({ name: `ami-rotator-prod-${f}`, expression: 'cron(0 2 * * ? *)', target })),
        { name: 'other-nightly', expression: 'rate(1 day)', target },
      ],
    });

    const first = await scheduler().send(new ListSchedulesCommand({ NamePrefix: 'ami-rotator-prod-', MaxResults: 2 }));
    const second = await scheduler().send(
      new ListSchedulesCommand({ NamePrefix: 'ami-rotator-prod-', MaxResults: 2, NextToken: first.NextToken ?? '' }),
    );
    const one = await scheduler().send(new GetScheduleCommand({ Name: 'ami-rotator-prod-b' }));

    expect(first.Schedules?.map((s) => s.Name)).toEqual(['ami-rotator-prod-a', 'ami-rotator-prod-b']);
    expect(second.Schedules?.map((s) => s.Name)).toEqual(['ami-rotator-prod-c']);
    expect(second.NextToken).toBeUndefined();
    expect(one).toMatchObject({ ScheduleExpression: 'cron(0 2 * * ? *)', ScheduleExpressionTimezone: 'UTC', State: 'ENABLED' });
    expect(one.Target?.Arn).toBe(target.arn);
  });

  it.each([
    { case: 'MaxResults of 0', input: { MaxResults: 0 } },
    { case: 'MaxResults above 100', input: { MaxResults: 101 } },
    { case: 'a prefix with a space', input: { NamePrefix: 'ami rotator' } },
    { case: 'an unknown state', input: { State: 'PAUSED' } },
    { case: 'a token it did not give', input: { NextToken: 'x' } },
  ])('refuses ListSchedules with $case', async ({ input }) => {
    const error = await failureOf(scheduler().send(new ListSchedulesCommand(input as never)));

    expect(error).toMatchObject({ name: 'ValidationException' });
  });

  it('answers an unknown schedule, or one in another group, with ResourceNotFoundException', async () => {
    emulator().seed({ schedules: [{ name: 'ami-rotator-prod-a', expression: 'cron(0 2 * * ? *)', target }] });

    const unknown = await failureOf(scheduler().send(new GetScheduleCommand({ Name: 'ami-rotator-prod-z' })));
    const otherGroup = await failureOf(scheduler().send(new GetScheduleCommand({ Name: 'ami-rotator-prod-a', GroupName: 'nightly' })));

    expect(unknown).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(otherGroup).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('refuses fixtures that CreateSchedule would refuse', () => {
    expect(() => emulator().seed({ schedules: [{ name: 'has space', expression: 'cron(0 2 * * ? *)', target }] })).toThrow();
    expect(() => emulator().seed({ schedules: [{ name: 'x', expression: '0 2 * * *', target }] })).toThrow();
  });
});

describe('the emulated CloudWatch alarms (API reference: DescribeAlarms)', () => {
  const alarms = [
    { name: 'ami-rotator-prod-failed-executions', state: 'ALARM' as const, stateReason: 'Threshold Crossed' },
    { name: 'ami-rotator-prod-freshness-web', state: 'OK' as const },
    { name: 'ami-rotator-prod-composite', type: 'CompositeAlarm' as const, state: 'ALARM' as const },
    { name: 'someone-else', state: 'ALARM' as const },
  ];

  it('answers metric alarms only unless AlarmTypes names composite ones, filtered by prefix and state', async () => {
    emulator().seed({ alarms });

    const metricOnly = await cloudWatch().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'ami-rotator-prod-', StateValue: 'ALARM' }));
    const both = await cloudWatch().send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: 'ami-rotator-prod-',
        StateValue: 'ALARM',
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      }),
    );

    expect(metricOnly.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['ami-rotator-prod-failed-executions']);
    expect(metricOnly.CompositeAlarms).toEqual([]);
    expect(metricOnly.MetricAlarms?.[0]?.StateReason).toBe('Threshold Crossed');
    expect(both.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(['ami-rotator-prod-composite']);
  });

  it('pages with MaxRecords and NextToken', async () => {
    emulator().seed({ alarms });

    const first = await cloudWatch().send(new DescribeAlarmsCommand({ MaxRecords: 2 }));
    const second = await cloudWatch().send(new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: first.NextToken ?? '' }));

    expect(first.MetricAlarms).toHaveLength(2);
    expect(second.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['someone-else']);
    expect(second.NextToken).toBeUndefined();
  });

  it.each([
    { case: 'MaxRecords above 100', input: { MaxRecords: 101 }, code: 'InvalidParameterValue' },
    { case: 'an unknown state', input: { StateValue: 'RED' }, code: 'InvalidParameterValue' },
    { case: 'a prefix and names together', input: { AlarmNamePrefix: 'a', AlarmNames: ['b'] }, code: 'InvalidParameterCombination' },
    { case: 'more than 100 names', input: { AlarmNames: Array.from({ length: 101 }, (_, n) => `a${n}`) }, code: 'InvalidParameterValue' },
    { case: 'a token it did not give', input: { NextToken: 'x' }, code: 'InvalidNextToken' },
  ])('refuses DescribeAlarms with $case ($code, as the Query code)', async ({ input, code }) => {
    const error = await failureOf(cloudWatch().send(new DescribeAlarmsCommand(input as never)));

    expect(error).toMatchObject({ Code: code, $metadata: { httpStatusCode: 400 } });
  });
});
