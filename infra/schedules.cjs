// The schedules, one per family. By default one, from the stage's parameters (family, instanceId,
// schedule, timezone); a stage that rotates several families lists them in infra/rotations.<stage>.json:
//   [{ "family": "web-prod", "instanceId": "i-...", "schedule": "cron(0 2 * * ? *)", "timezone": "Europe/Paris",
//      "input": { "noReboot": false, "retention": { "keepLast": 14 } } }]
// Each schedule's input is the family's execution input (README, "Execution input").
const fs = require('node:fs');
const path = require('node:path');

const logicalId = (family) => `RotationSchedule${family.replace(/[^A-Za-z0-9]/g, '')}`;

/** The schedule resources for a stage's rotations; two families that would share a schedule are refused by name. */
const schedulesFor = (rotations, stage) => {
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

module.exports = async ({ options, resolveVariable }) => {
  const stage = options.stage ?? 'dev';
  const file = path.join(__dirname, `rotations.${stage}.json`);
  const rotations = fs.existsSync(file)
    ? JSON.parse(fs.readFileSync(file, 'utf8'))
    : [
        {
          family: await resolveVariable('param:family'),
          instanceId: await resolveVariable('param:instanceId'),
          schedule: await resolveVariable('param:schedule'),
          timezone: await resolveVariable('param:timezone'),
        },
      ].filter((r) => r.family !== '' && r.instanceId !== '');
  return { Resources: schedulesFor(rotations, stage) };
};
module.exports.schedulesFor = schedulesFor;
