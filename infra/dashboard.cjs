// The stage's CloudWatch dashboard: executions by status, how long images take, what the prunes removed,
// failures by step, how old each family's newest image is, what may have been lost (alerts, events,
// throttles), and the state of every alarm of the stack. The metric names are src/lambda/metrics.ts's
// (namespace AmiRotator, dimensions service and family, or service and step for failures).
const schedules = require('./schedules.cjs');

const NAMESPACE = 'AmiRotator';
const DAY = 86400;

/** Every series of a metric, one per family (or per step), found by CloudWatch's SEARCH. */
const search = (metric, stat, dimension = 'family', period = DAY) => ({
  expression: `SEARCH('{${NAMESPACE},${dimension},service} MetricName="${metric}"', '${stat}', ${period})`,
  label: '',
});

const graph = (title, metrics, { x, y, stacked = false, stat = 'Sum', unit } = {}) => ({
  type: 'metric',
  x,
  y,
  width: 12,
  height: 6,
  properties: {
    title,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub variable, not a template literal
    region: '${AWS::Region}',
    view: 'timeSeries',
    stacked,
    stat,
    period: DAY,
    metrics,
    ...(unit ? { yAxis: { left: { label: unit, showUnits: false } } } : {}),
  },
});

/** The dashboard's widgets, given the names of the stack's alarms. */
const dashboardBody = (stage, alarmNames) => {
  const machine = ['AWS/States'];
  const byStatus = ['ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map((name) => [
    ...machine,
    name,
    'StateMachineArn',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub variable, not a template literal
    '${StateMachine}',
  ]);
  return {
    widgets: [
      graph('Executions by status (per day)', byStatus, { x: 0, y: 0, stacked: true }),
      graph('Image ready: seconds from start to available, per family', [[search('ImageReadySeconds', 'Average')]], {
        x: 12,
        y: 0,
        unit: 'seconds',
      }),
      graph('Images pruned and snapshots deleted (per day)', [[search('ImagesPruned', 'Sum')], [search('SnapshotsDeleted', 'Sum')]], {
        x: 0,
        y: 6,
      }),
      graph('Failed rotations by step (per day)', [[search('RotationFailed', 'Sum', 'step')]], { x: 12, y: 6, stacked: true }),
      graph('Newest image age, hours, per family', [[search('NewestImageAgeHours', 'Maximum', 'family', 3600)]], {
        x: 0,
        y: 12,
        unit: 'hours',
      }),
      graph(
        'What may have been lost: prune failures, EC2 throttles, events and alerts not delivered',
        [
          [search('PruneFailures', 'Sum')],
          [search('Ec2Throttles', 'Sum')],
          [`${NAMESPACE}/${stage}`, 'EventsNotPut', { stat: 'Sum' }],
          [`${NAMESPACE}/${stage}`, 'AlertsNotDelivered', { stat: 'Sum' }],
        ],
        { x: 12, y: 12 },
      ),
      {
        type: 'alarm',
        x: 0,
        y: 18,
        width: 24,
        height: 3,
        properties: {
          title: 'Alarms',
          alarms: alarmNames.map((name) => `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${name}`),
        },
      },
    ],
  };
};

const dashboard = (stage, alarmNames) => ({
  StackDashboard: {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: `ami-rotator-${stage}`,
      DashboardBody: {
        'Fn::Sub': [JSON.stringify(dashboardBody(stage, alarmNames)), { StateMachine: { Ref: 'RotateAmiStateMachine' } }],
      },
    },
  },
});

module.exports = async (context) => {
  const stage = context.options.stage ?? 'dev';
  // The freshness alarms are the schedules' (one per scheduled family); the others have fixed names.
  const scheduled = await schedules(context);
  const freshness = Object.values(scheduled.Resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => r.Properties.AlarmName);
  const fixed = ['alert-delivery', 'failed-executions', 'schedule-dead-letters'].map((name) => `ami-rotator-${stage}-${name}`);
  return { Resources: dashboard(stage, [...fixed, ...freshness]) };
};
module.exports.dashboardBody = dashboardBody;
