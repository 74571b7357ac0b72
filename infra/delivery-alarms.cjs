// The alarms that watch the alert path itself. Their actions go to the ops topic the deployer names
// (param opsTopicArn), since the alert topic may be what is broken; without one, the delivery alarm falls
// back to the alert topic (a subscriber that fails is still worth telling the others about) and the
// failed-executions alarm has no action (each failure already sent its own alert).
// Built here, not in YAML, because the choice is made when the stack is packaged.

// Amazon SNS topic ARN (any partition); the alarm must be in the same account or the topic must allow it.
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

const metric = (id, namespace, name, dimensions) => ({
  Id: id,
  ReturnData: false,
  MetricStat: {
    Metric: { Namespace: namespace, MetricName: name, ...(dimensions ? { Dimensions: dimensions } : {}) },
    Period: 300,
    Stat: 'Sum',
  },
});

/** The two alarms of a stage, given the ops topic ('' for none); an ARN that is not an SNS topic is refused by name. */
const deliveryAlarms = (stage, opsTopicArn) => {
  if (opsTopicArn !== '' && !SNS_TOPIC_ARN.test(opsTopicArn)) {
    throw new Error(
      `opsTopicArn: expected the ARN of an SNS topic (arn:aws:sns:<region>:<account>:<name>) or nothing, got "${opsTopicArn}"`,
    );
  }
  const ops = opsTopicArn === '' ? undefined : opsTopicArn;
  return {
    // Anything that would make an alert silently not arrive: a rule that could not publish, a topic that could
    // not deliver to a subscriber, an alert the state machine could not send (AlertNotDelivered, counted from
    // its log by AlertsNotDeliveredMetricFilter in infra/alerts.yml).
    AlertDeliveryAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `ami-rotator-${stage}-alert-delivery`,
        AlarmDescription: `ami-rotator ${stage}: an alert may not have reached the on-call. Look at the rules' FailedInvocations, the alert topic's NumberOfNotificationsFailed, and failed executions with error AlertNotDelivered (their cause holds the alert text). (docs/deploy.md, "Alerts and what watches them")`,
        Metrics: [
          metric('ended', 'AWS/Events', 'FailedInvocations', [{ Name: 'RuleName', Value: `ami-rotator-${stage}-execution-ended` }]),
          metric('unalerted', 'AWS/Events', 'FailedInvocations', [{ Name: 'RuleName', Value: `ami-rotator-${stage}-unalerted-failure` }]),
          metric('delivery', 'AWS/SNS', 'NumberOfNotificationsFailed', [
            { Name: 'TopicName', Value: { 'Fn::GetAtt': ['AlertTopic', 'TopicName'] } },
          ]),
          metric('undelivered', `AmiRotator/${stage}`, 'AlertsNotDelivered'),
          {
            Id: 'lost',
            Label: 'Alerts that may not have arrived',
            Expression: 'FILL(ended, 0) + FILL(unalerted, 0) + FILL(delivery, 0) + FILL(undelivered, 0)',
            ReturnData: true,
          },
        ],
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [ops ?? { Ref: 'AlertTopic' }],
      },
    },
    FailedExecutionsAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `ami-rotator-${stage}-failed-executions`,
        AlarmDescription: `ami-rotator ${stage}: an execution failed in the last day. Each failure already sent its own alert to the alert topic; this alarm tells the ops topic, when the deployment names one, and is the state at a glance.`,
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'RotateAmiStateMachine' } }],
        Statistic: 'Sum',
        Period: 86400,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        ...(ops ? { AlarmActions: [ops] } : {}),
      },
    },
  };
};

module.exports = async ({ options, resolveVariable }) => ({
  Resources: deliveryAlarms(options.stage ?? 'dev', await resolveVariable('param:opsTopicArn')),
});
module.exports.deliveryAlarms = deliveryAlarms;
