// A function's role as the stack's .cjs files build them (infra/roles.yml's are in YAML): trusted by Lambda, allowed
// to write its logs under the stage's log groups and its traces, and the statements of its step.

// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub variable, not a template literal
const ACCOUNT = '${AWS::AccountId}';
/** `arn:${AWS::Partition}:<service>:${AWS::Region}:${AWS::AccountId}:<resource>`; an AWS-owned resource has no account. */
const arn = (service, resource, account = true) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:${account ? ACCOUNT : ''}:${resource}`,
});

const lambdaRole = (stage, policyName, statements) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
    Policies: [
      {
        PolicyName: policyName,
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: arn('logs', `log-group:/aws/lambda/ami-rotator-${stage}-*:*`),
            },
            { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
            ...statements,
          ],
        },
      },
    ],
  },
});

module.exports = { arn, lambdaRole };
