// The ARNs of exactly the alarms that publish to the alert topic: the dead-letter alarm (infra/alerts.yml), each
// family's freshness alarm (infra/schedules.cjs), and the delivery alarm when no ops topic is named
// (infra/delivery-alarms.cjs; the failed-executions alarm only ever tells the ops topic). The topic's policy lists them: a prefix such as ami-rotator-dev-*
// would also admit another stage's alarms (dev-eu) or anyone's alarm so named.
const { rotationsOf } = require('./schedules.cjs');

module.exports = async ({ options, resolveVariable }) => {
  const stage = options.stage ?? 'dev';
  const families = (await rotationsOf(stage, resolveVariable)).map((r) => r.family);
  const delivery = (await resolveVariable('param:opsTopicArn')) === '' ? [`ami-rotator-${stage}-alert-delivery`] : [];
  const names = [
    `ami-rotator-${stage}-schedule-dead-letters`,
    ...families.map((family) => `ami-rotator-${stage}-freshness-${family}`),
    ...delivery,
  ];
  return names.map((name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${name}` }));
};
