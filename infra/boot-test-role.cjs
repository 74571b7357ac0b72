// The boot test's role (functions/boot-test.ts): launch only managed images, only as instances tagged for a
// boot test, terminate only those, and pass only the instance role the deployer names (param
// bootTestInstanceRole). EC2 User Guide, "Example: Launch instances (RunInstances)" and "Tag resources
// during creation"; Systems Manager User Guide, "Restricting Run Command access based on tags".
// Built here, not in YAML, because the PassRole statement exists only when a role is named.

// IAM role names: 1 to 64 of letters, digits and +=,.@_- (IAM API Reference, CreateRole).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const { arn, lambdaRole } = require('./lambda-role.cjs');
const BOOT_TEST_TAG = 'ami-rotator:boot-test';

const bootTestRole = (stage, instanceRole) => {
  if (instanceRole !== '' && !ROLE_NAME.test(instanceRole))
    throw new Error(`bootTestInstanceRole: expected the name of an IAM role (1 to 64 of letters, digits, +=,.@_-), got "${instanceRole}"`);
  const statements = [
    { Sid: 'ReadInstances', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'], Resource: '*' },
    {
      Sid: 'LaunchOnlyManagedImages',
      Effect: 'Allow',
      Action: 'ec2:RunInstances',
      Resource: arn('ec2', 'image/*', false),
      Condition: { StringEquals: { 'aws:ResourceTag/ami-rotator:managed': 'true' } },
    },
    {
      Sid: 'LaunchIntoTheGivenNetwork',
      Effect: 'Allow',
      Action: 'ec2:RunInstances',
      Resource: [arn('ec2', 'subnet/*'), arn('ec2', 'security-group/*'), arn('ec2', 'network-interface/*')],
    },
    {
      Sid: 'LaunchOnlyTaggedTestInstances',
      Effect: 'Allow',
      Action: 'ec2:RunInstances',
      Resource: [arn('ec2', 'instance/*'), arn('ec2', 'volume/*')],
      Condition: {
        Null: { [`aws:RequestTag/${BOOT_TEST_TAG}`]: 'false' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['Name', BOOT_TEST_TAG, 'ami-rotator:image-id'] },
      },
    },
    // The test instance requires IMDSv2, as the README promises (EC2 User Guide, "Require the use of IMDSv2":
    // ec2:MetadataHttpTokens on the instance in RunInstances).
    {
      Sid: 'OnlyWithImdsV2',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: arn('ec2', 'instance/*'),
      Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
    },
    {
      Sid: 'TagOnlyOnLaunch',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: [arn('ec2', 'instance/*'), arn('ec2', 'volume/*')],
      Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    },
    {
      Sid: 'TerminateOnlyTestInstances',
      Effect: 'Allow',
      Action: 'ec2:TerminateInstances',
      Resource: arn('ec2', 'instance/*'),
      Condition: { Null: { [`aws:ResourceTag/${BOOT_TEST_TAG}`]: 'false' } },
    },
    {
      Sid: 'MarkAFailedImage',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: arn('ec2', 'image/*', false),
      Condition: {
        // Only to say the image failed its test: never another status (available would make it look good).
        StringEquals: { 'aws:ResourceTag/ami-rotator:managed': 'true', 'aws:RequestTag/ami-rotator:status': 'boot-test-failed' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['ami-rotator:status'] },
        // ForAllValues alone is true of a request that names no key.
        Null: { 'aws:TagKeys': 'false' },
      },
    },
    {
      Sid: 'RunTheCheckOnTestInstances',
      Effect: 'Allow',
      Action: 'ssm:SendCommand',
      Resource: arn('ec2', 'instance/*'),
      Condition: { Null: { [`aws:ResourceTag/${BOOT_TEST_TAG}`]: 'false' } },
    },
    {
      Sid: 'RunAnyCheckDocument',
      Effect: 'Allow',
      Action: 'ssm:SendCommand',
      Resource: [arn('ssm', 'document/*'), arn('ssm', 'document/*', false)],
    },
    { Sid: 'ReadTheCheck', Effect: 'Allow', Action: 'ssm:GetCommandInvocation', Resource: '*' },
  ];
  if (instanceRole !== '') {
    statements.push({
      Sid: 'PassOnlyTheTestInstanceRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${instanceRole}` },
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
  }
  return {
    BootTestRole: lambdaRole(stage, 'boot-test', statements),
  };
};

module.exports = async ({ options, resolveVariable }) => ({
  Resources: bootTestRole(options.stage ?? 'dev', await resolveVariable('param:bootTestInstanceRole')),
});
module.exports.bootTestRole = bootTestRole;
