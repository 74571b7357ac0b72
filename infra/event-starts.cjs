// Rotations started by events (e.g. after a patching run), besides the schedules. A rotation lists the
// EventBridge patterns that start it: the stage parameter `startOn` for the stage's default rotation, or
// `startOn` in infra/rotations.<stage>.json:
//   [{ "family": "web-prod", "instanceId": "i-...", "startOn": [{ "pattern": { "source": ["aws.ssm"], ... } }] }]
// Each pattern becomes a rule on the default bus whose target starts the state machine with the family's
// input. Events may arrive more than once, so the input says onConflict "skip" unless the rotation's says
// otherwise (docs/events.md, "Starting a rotation from an event"). A start EventBridge cannot make after its retries
// goes to the schedules' dead-letter queue, whose alarm alerts.
const fs = require('node:fs');
const path = require('node:path');

const MAX_PATTERNS = 5;
// EventBridge API Reference, PutRule: Name is 1 to 64 of [\.\-_A-Za-z0-9]+.
const ruleName = (stage, family, n) => `ami-rotator-${stage}-${family}-start-${n}`.slice(0, 64);
const logicalId = (family, n) => `RotationTrigger${family.replace(/[^A-Za-z0-9]/g, '')}${n}`;

/** The event's id, source and type in the input's Comment: the execution history says what started it. */
const inputTransformer = (input) => ({
  InputPathsMap: { id: '$.id', source: '$.source', detailType: '$.detail-type' },
  // A JSON template: each <placeholder> is replaced inside its quotes by EventBridge.
  InputTemplate: JSON.stringify({ ...input, Comment: 'started by event <id> (<detailType> from <source>)' }),
});

const triggersFor = (rotations, stage) => {
  const Resources = {};
  const owners = new Map();
  for (const rotation of rotations) {
    const startOn = rotation.startOn ?? [];
    if (!Array.isArray(startOn) || startOn.length > MAX_PATTERNS)
      throw new Error(`startOn of family "${rotation.family}": expected a list of at most ${MAX_PATTERNS} {pattern} entries`);
    startOn.forEach((trigger, n) => {
      const pattern = trigger?.pattern;
      if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern) || Object.keys(pattern).length === 0)
        throw new Error(
          `startOn[${n}] of family "${rotation.family}": expected {"pattern": {...}} with a non-empty EventBridge event pattern, such as {"source": ["aws.ssm"]}`,
        );
      const id = logicalId(rotation.family, n + 1);
      const other = owners.get(id);
      if (other !== undefined)
        throw new Error(`Families "${other}" and "${rotation.family}" would share the rule ${id}; rename one of them`);
      owners.set(id, rotation.family);
      const input = { family: rotation.family, instanceId: rotation.instanceId, ...rotation.input, onConflict: 'skip', ...trigger.input };
      Resources[id] = {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: ruleName(stage, rotation.family, n + 1),
          Description: `Starts a rotation of the AMI family ${rotation.family} on a matching event`,
          EventBusName: 'default',
          EventPattern: pattern,
          State: 'ENABLED',
          Targets: [
            {
              Id: 'rotate',
              Arn: { Ref: 'RotateAmiStateMachine' },
              RoleArn: { 'Fn::GetAtt': ['EventStartRole', 'Arn'] },
              InputTransformer: inputTransformer(input),
              RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
              DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] } },
            },
          ],
        },
      };
    });
  }
  const ruleNames = Object.values(Resources).map((r) => r.Properties.Name);
  if (ruleNames.length > 0) Resources.EventStartRole = eventStartRole();
  Object.assign(Resources, promotionStart(stage));
  ruleNames.push(Resources.PromotionStartRule.Properties.Name);
  Resources.EventStartDeadLetterPolicy = deadLetterPolicy(ruleNames);
  return Resources;
};

/**
 * A candidate's promotion (docs/channels.md): the AMI Rotated event of an image published to a candidate channel
 * starts the stage's promotion state machine with the event's detail. A start EventBridge cannot make after its
 * retries goes to the schedules' dead-letter queue, whose alarm alerts.
 */
const promotionStart = (stage) => ({
  PromotionStartRule: {
    Type: 'AWS::Events::Rule',
    Properties: {
      Name: `ami-rotator-${stage}-promote`.slice(0, 64),
      Description: 'Starts the promotion of a candidate image (AMI Rotated, published to a candidate channel)',
      EventBusName: 'default',
      EventPattern: { source: ['ami-rotator'], 'detail-type': ['AMI Rotated'], detail: { published: { channel: ['candidate'] } } },
      State: 'ENABLED',
      Targets: [
        {
          Id: 'promote',
          Arn: { Ref: 'PromoteStateMachine' },
          RoleArn: { 'Fn::GetAtt': ['PromotionStartRole', 'Arn'] },
          InputPath: '$.detail',
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] } },
        },
      ],
    },
  },
  // EventBridge assumes it to start a promotion, and nothing else.
  PromotionStartRole: {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: eventsTrust(),
      Policies: [
        {
          PolicyName: 'start-promotions',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: 'PromoteStateMachine' } }],
          },
        },
      ],
    },
  },
});

const eventsTrust = () => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    },
  ],
});

const eventStartRole = () => {
  // EventBridge assumes this role to start the state machine (EventBridge User Guide, "Using IAM roles to
  // send events to targets"; Step Functions as a target needs states:StartExecution).
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: eventsTrust(),
      Policies: [
        {
          PolicyName: 'start-rotations',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: 'RotateAmiStateMachine' } }],
          },
        },
      ],
    },
  };
};

// A rule's dead-letter queue is written by EventBridge itself, so the queue must allow it (EventBridge User
// Guide, "Granting permissions to the dead-letter queue"): only for this stage's start rules. One policy for all of
// them: a second AWS::SQS::QueuePolicy on the same queue would replace the first.
const deadLetterPolicy = (ruleNames) => ({
  Type: 'AWS::SQS::QueuePolicy',
  Properties: {
    Queues: [{ Ref: 'ScheduleDeadLetterQueue' }],
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EventStartRulesDeadLetter',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] },
          // Exactly this stage's start rules: a prefix would also admit another stage's (dev and dev-eu) or anyone's so named.
          Condition: {
            ArnEquals: {
              'aws:SourceArn': ruleNames.map((name) => ({
                'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${name}`,
              })),
            },
          },
        },
      ],
    },
  },
});

module.exports = async ({ options, resolveVariable }) => {
  const stage = options.stage ?? 'dev';
  const file = path.join(__dirname, `rotations.${stage}.json`);
  if (fs.existsSync(file)) return { Resources: triggersFor(JSON.parse(fs.readFileSync(file, 'utf8')), stage) };
  const family = await resolveVariable('param:family');
  const instanceId = await resolveVariable('param:instanceId');
  const raw = await resolveVariable('param:startOn');
  if (raw === '' || family === '' || instanceId === '') return { Resources: triggersFor([], stage) };
  let startOn;
  try {
    startOn = JSON.parse(raw);
  } catch (error) {
    throw new Error(`startOn: expected JSON such as [{"pattern": {"source": ["aws.ssm"]}}], got ${raw.slice(0, 100)}: ${error.message}`);
  }
  return { Resources: triggersFor([{ family, instanceId, startOn: Array.isArray(startOn) ? startOn : [startOn] }], stage) };
};
module.exports.triggersFor = triggersFor;
