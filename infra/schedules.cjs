// The schedules, one per family. By default one, from the stage's parameters (family, instanceId,
// schedule, timezone); a stage that rotates several families lists them in infra/rotations.<stage>.json:
//   [{ "family": "web-prod", "instanceId": "i-...", "schedule": "cron(0 2 * * ? *)", "timezone": "Europe/Paris",
//      "freshnessHours": 50, "input": { "noReboot": false, "retention": { "keepLast": 14 } } }]
// Each schedule's input is the family's execution input (docs/input.md, "Execution input"). Each scheduled family also
// gets a freshness alarm: no new image for `freshnessHours` (the stage's parameter, or the rotation's own) raises it,
// so a schedule that never fires, a role that was deleted or a start that was dead-lettered is noticed.
const fs = require('node:fs');
const path = require('node:path');

const logicalId = (family) => `RotationSchedule${family.replace(/[^A-Za-z0-9]/g, '')}`;

// The metric TagImage emits per new image (src/lambda/metrics.ts), with Powertools' service dimension.
const HEARTBEAT = { Namespace: 'AmiRotator', MetricName: 'RotationSucceeded', service: 'ami-rotator' };
// CloudWatch evaluates hourly periods over at most 7 days (CloudWatch User Guide, "Evaluating an alarm").
const MAX_FRESHNESS_HOURS = 168;

/**
 * The freshness alarm of a family: every one of the last `hours` hourly periods without a RotationSucceeded
 * breaches, missing data included (nothing ran is exactly what it is for). After a deployment it is in alarm
 * until the family's first rotation.
 */
const freshnessAlarm = (family, hours, stage) => {
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_FRESHNESS_HOURS) {
    throw new Error(
      `freshnessHours of family "${family}": expected a whole number of hours from 1 to ${MAX_FRESHNESS_HOURS}, got ${hours}`,
    );
  }
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      // The alert topic's policy lets exactly this stack's alarms publish (infra/alerting-alarms.cjs).
      AlarmName: `ami-rotator-${stage}-freshness-${family}`,
      AlarmDescription: `ami-rotator ${stage}: family ${family} has had no new image for ${hours} hours. Is its schedule enabled, and did its last executions start? (docs/deploy.md, "Alerts and what watches them")`,
      Namespace: HEARTBEAT.Namespace,
      MetricName: HEARTBEAT.MetricName,
      Dimensions: [
        { Name: 'service', Value: HEARTBEAT.service },
        { Name: 'family', Value: family },
      ],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: hours,
      DatapointsToAlarm: hours,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'AlertTopic' }],
      OKActions: [{ Ref: 'AlertTopic' }],
    },
  };
};

/** The schedules and freshness alarms of a stage's rotations; two families that would share a schedule are refused by name. */
const schedulesFor = (rotations, stage, freshnessHours = 26) => {
  const Resources = {};
  const owners = new Map();
  for (const rotation of rotations) {
    const id = logicalId(rotation.family);
    const name = `ami-rotator-${stage}-${rotation.family}`.slice(0, 64);
    for (const key of [id, name]) {
      const other = owners.get(key);
      if (other !== undefined) {
        throw new Error(
          `Families "${other}" and "${rotation.family}" would share the schedule ${key}; rename one of them (letters and digits must differ within the first ${64 - `ami-rotator-${stage}-`.length} characters)`,
        );
      }
      owners.set(key, rotation.family);
    }
    Resources[id.replace(/^RotationSchedule/, 'FreshnessAlarm')] = freshnessAlarm(
      rotation.family,
      rotation.freshnessHours ?? freshnessHours,
      stage,
    );
    Resources[id] = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: name,
        Description: `Rotates the AMI family ${rotation.family} from ${rotation.instanceId}`,
        ScheduleExpression: rotation.schedule ?? 'cron(0 2 * * ? *)',
        ScheduleExpressionTimezone: rotation.timezone ?? 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: { Ref: 'RotateAmiStateMachine' },
          RoleArn: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
          Input: JSON.stringify({ family: rotation.family, instanceId: rotation.instanceId, ...rotation.input }),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] } },
        },
      },
    };
  }
  return Resources;
};

/** The stage's rotations: infra/rotations.<stage>.json, or the one family of the stage's parameters. */
const rotationsOf = async (stage, resolveVariable) => {
  const file = path.join(__dirname, `rotations.${stage}.json`);
  return fs.existsSync(file)
    ? JSON.parse(fs.readFileSync(file, 'utf8'))
    : [
        {
          family: await resolveVariable('param:family'),
          instanceId: await resolveVariable('param:instanceId'),
          schedule: await resolveVariable('param:schedule'),
          timezone: await resolveVariable('param:timezone'),
        },
      ].filter((r) => r.family !== '' && r.instanceId !== '');
};

module.exports = async ({ options, resolveVariable }) => {
  const stage = options.stage ?? 'dev';
  const freshnessHours = Number(await resolveVariable('param:freshnessHours'));
  return { Resources: schedulesFor(await rotationsOf(stage, resolveVariable), stage, freshnessHours) };
};
module.exports.schedulesFor = schedulesFor;

module.exports.rotationsOf = rotationsOf;
