/**
 * Least privilege, decided by an IAM evaluator over the packaged template: every call the code makes,
 * with the condition keys AWS sends (Allowed), and the abuses each role must not be able to do (Denied).
 * One row a request, so a reviewer reads the matrix at a glance.
 */
import { describe, expect, it } from 'vitest';
import { TAG } from '../../src/rotation/tags.ts';
import type { Template } from './package.ts';
import { ACCOUNT, type Decision, decide, OTHER_ACCOUNT, REGION, type Request, resourcePolicy, STAGE } from './policies.ts';

const ec2 = (resource: string, region = REGION, account = ACCOUNT) => `arn:aws:ec2:${region}:${account}:${resource}`;
const image = (region = REGION) => `arn:aws:ec2:${region}::image/ami-0123456789abcdef0`;
const snapshot = `arn:aws:ec2:${REGION}::snapshot/snap-0123456789abcdef0`;
const instance = ec2('instance/i-0a1b2c3d4e5f60001');
const testInstance = ec2('instance/i-0b1b2c3d4e5f60009');
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
/** What RunInstances sends for the boot test's instance: the tags it asks for (launchTestInstance). */
const launchTags = (keys: string[] = ['Name', TAG.bootTest, TAG.imageId]) => ({
  [`aws:RequestTag/${TAG.bootTest}`]: 'arn:aws:states:x',
  'aws:TagKeys': keys,
});
const parameter = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`;
const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ami-rotator-${STAGE}-${name}`;
const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:ami-rotator-${STAGE}-alerts`;
const waitTable = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ami-rotator-${STAGE}-waits`;
const stateMachine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ami-rotator-${STAGE}`;
const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const rule = `arn:aws:rbin:${REGION}:${ACCOUNT}:rule/a1b2c3d4e5f`;
/** A consumer account's role whose trust lets this account in: the identity side decides (infra/consumer-stack.yml narrows it). */
const TRUSTS_THIS_ACCOUNT = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
};
/** The package's key for copies to ap-southeast-2 (template.test.ts, DISTRIBUTE). */
const COPY_KEY = `arn:aws:kms:ap-southeast-2:${ACCOUNT}:key/0d000000-0000-4000-8000-000000000001`;
/** A customer key's default key policy (AWS KMS Developer Guide, "Default key policy"): the account's IAM policies decide. */
const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};
const alarm = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;

/** What CreateImage sends: the keys it writes on creation (createRotationImage), plus a user's own tag. */
const CREATE_KEYS = ['Name', TAG.managed, TAG.family, TAG.sourceInstance, TAG.execution, TAG.createdAt, 'team'];
const born = (keys = CREATE_KEYS, managed = 'true') => ({ [`aws:RequestTag/${TAG.managed}`]: managed, 'aws:TagKeys': keys });
const managedResource = { [`aws:ResourceTag/${TAG.managed}`]: 'true' };
const optedIn = { [`aws:ResourceTag/${TAG.family}`]: 'web-prod' };

type Row = [why: string, expected: Decision, request: Request];

/** Requests against this stack's roles; resource policies are added in the topic and key matrix below. */
const ROLES: Row[] = [
  // CreateImage: an opted-in instance only, the image born managed, tags only on creation.
  [
    'create: images an opted-in instance',
    'Allowed',
    { principal: 'CreateImageRole', action: 'ec2:CreateImage', resource: instance, context: { ...optedIn, ...born() } },
  ],
  [
    'create: the image is born managed',
    'Allowed',
    { principal: 'CreateImageRole', action: 'ec2:CreateImage', resource: image(), context: born() },
  ],
  [
    'create: its snapshots too',
    'Allowed',
    { principal: 'CreateImageRole', action: 'ec2:CreateImage', resource: snapshot, context: born() },
  ],
  [
    'create: tags the image on creation',
    'Allowed',
    {
      principal: 'CreateImageRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { 'ec2:CreateAction': 'CreateImage', ...born() },
    },
  ],
  ['create: reads instances', 'Allowed', { principal: 'CreateImageRole', action: 'ec2:DescribeInstances', resource: '*' }],
  [
    'create: lists its own executions',
    'Allowed',
    { principal: 'CreateImageRole', action: 'states:ListExecutions', resource: stateMachine },
  ],
  [
    'create: never an untagged instance (a database host)',
    'Denied',
    { principal: 'CreateImageRole', action: 'ec2:CreateImage', resource: instance, context: born() },
  ],
  [
    'create: never in another region',
    'Denied',
    {
      principal: 'CreateImageRole',
      action: 'ec2:CreateImage',
      resource: ec2('instance/i-0a1b2c3d4e5f60001', 'eu-west-1'),
      context: { ...optedIn, ...born() },
    },
  ],
  [
    'create: never an image tagged managed=false',
    'Denied',
    { principal: 'CreateImageRole', action: 'ec2:CreateImage', resource: image(), context: born(CREATE_KEYS, 'false') },
  ],
  [
    'create: never a keep tag on creation',
    'Denied',
    {
      principal: 'CreateImageRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { 'ec2:CreateAction': 'CreateImage', ...born([...CREATE_KEYS, TAG.keep]) },
    },
  ],
  [
    'create: never a status tag on creation',
    'Denied',
    { principal: 'CreateImageRole', action: 'ec2:CreateImage', resource: image(), context: born([...CREATE_KEYS, TAG.status]) },
  ],
  [
    'create: never retags an existing image',
    'Denied',
    { principal: 'CreateImageRole', action: 'ec2:CreateTags', resource: image(), context: born() },
  ],
  [
    'create: never tags an instance',
    'Denied',
    {
      principal: 'CreateImageRole',
      action: 'ec2:CreateTags',
      resource: instance,
      context: { 'ec2:CreateAction': 'CreateImage', ...born() },
    },
  ],
  [
    'create: never reboots directly',
    'Denied',
    { principal: 'CreateImageRole', action: 'ec2:RebootInstances', resource: instance, context: optedIn },
  ],
  [
    'create: never another state machine',
    'Denied',
    { principal: 'CreateImageRole', action: 'states:ListExecutions', resource: `${stateMachine}-other` },
  ],

  // TagImage: its own keys on managed images and snapshots.
  [
    'tag: status and time on a managed image',
    'Allowed',
    {
      principal: 'TagImageRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.status, TAG.completedAt] },
    },
  ],
  [
    'tag: image and device on a managed snapshot',
    'Allowed',
    {
      principal: 'TagImageRole',
      action: 'ec2:CreateTags',
      resource: snapshot,
      context: { ...managedResource, 'aws:TagKeys': ['Name', TAG.imageId, TAG.device, TAG.status] },
    },
  ],
  [
    'tag: never rewrites the family',
    'Denied',
    {
      principal: 'TagImageRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.family] },
    },
  ],
  [
    'tag: never sets keep',
    'Denied',
    {
      principal: 'TagImageRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.status, TAG.keep] },
    },
  ],
  [
    'tag: never an unmanaged image',
    'Denied',
    { principal: 'TagImageRole', action: 'ec2:CreateTags', resource: image(), context: { 'aws:TagKeys': [TAG.status] } },
  ],
  [
    'tag: never an instance',
    'Denied',
    {
      principal: 'TagImageRole',
      action: 'ec2:CreateTags',
      resource: instance,
      context: { ...managedResource, 'aws:TagKeys': [TAG.status] },
    },
  ],

  // Clean-up and prune: delete only what is managed; SSM only through EC2.
  [
    'clean-up: deregisters a managed image',
    'Allowed',
    { principal: 'CleanUpImageRole', action: 'ec2:DeregisterImage', resource: image(), context: managedResource },
  ],
  ['clean-up: never an unmanaged image', 'Denied', { principal: 'CleanUpImageRole', action: 'ec2:DeregisterImage', resource: image() }],
  [
    'prune: deregisters a managed image',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'ec2:DeregisterImage', resource: image(), context: managedResource },
  ],
  [
    'prune: deletes a managed snapshot',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'ec2:DeleteSnapshot', resource: snapshot, context: managedResource },
  ],
  [
    'prune: deprecates a managed image',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'ec2:EnableImageDeprecation', resource: image(), context: managedResource },
  ],
  [
    'prune: never deprecates an unmanaged image',
    'Denied',
    { principal: 'PruneImagesRole', action: 'ec2:EnableImageDeprecation', resource: image() },
  ],
  [
    'prune: disables a managed image',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'ec2:DisableImage', resource: image(), context: managedResource },
  ],
  [
    'prune: enables it again',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'ec2:EnableImage', resource: image(), context: managedResource },
  ],
  [
    'prune: marks when it disabled one',
    'Allowed',
    {
      principal: 'PruneImagesRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.disabledAt] },
    },
  ],
  [
    'prune: removes the mark when it enables one again',
    'Allowed',
    {
      principal: 'PruneImagesRole',
      action: 'ec2:DeleteTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.disabledAt] },
    },
  ],
  [
    'prune: marks when it enables one again',
    'Allowed',
    {
      principal: 'PruneImagesRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.enabledAt] },
    },
  ],
  [
    'prune: never a DeleteTags without keys, which removes every tag',
    'Denied',
    { principal: 'PruneImagesRole', action: 'ec2:DeleteTags', resource: image(), context: managedResource },
  ],
  [
    'create: never marks an image enabled on creation',
    'Denied',
    { principal: 'CreateImageRole', action: 'ec2:CreateImage', resource: image(), context: born([...CREATE_KEYS, TAG.enabledAt]) },
  ],
  ['prune: never disables an unmanaged image', 'Denied', { principal: 'PruneImagesRole', action: 'ec2:DisableImage', resource: image() }],
  [
    'prune: never writes another tag',
    'Denied',
    {
      principal: 'PruneImagesRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.keep] },
    },
  ],
  ['prune: checks usage', 'Allowed', { principal: 'PruneImagesRole', action: 'ec2:DescribeImageReferences', resource: '*' }],
  [
    'prune: EC2 reads parameters for DescribeImageReferences',
    'Allowed',
    {
      principal: 'PruneImagesRole',
      action: 'ssm:GetParameters',
      resource: parameter('/golden/web-prod'),
      context: { 'aws:CalledVia': ['ec2-images.amazonaws.com'] },
    },
  ],
  [
    'prune: reads the Recycle Bin rules for AMIs',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'rbin:ListRules', resource: '*', context: { 'rbin:Request/ResourceType': 'EC2_IMAGE' } },
  ],
  [
    'prune: and for snapshots',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'rbin:ListRules', resource: '*', context: { 'rbin:Request/ResourceType': 'EBS_SNAPSHOT' } },
  ],
  [
    'prune: not the rules for volumes',
    'Denied',
    { principal: 'PruneImagesRole', action: 'rbin:ListRules', resource: '*', context: { 'rbin:Request/ResourceType': 'EBS_VOLUME' } },
  ],
  ['prune: reads a rule', 'Allowed', { principal: 'PruneImagesRole', action: 'rbin:GetRule', resource: rule }],
  ['prune: never changes a rule', 'Denied', { principal: 'PruneImagesRole', action: 'rbin:UpdateRule', resource: rule }],
  ['prune: never unlocks a rule', 'Denied', { principal: 'PruneImagesRole', action: 'rbin:UnlockRule', resource: rule }],
  [
    'prune: never restores an image',
    'Denied',
    { principal: 'PruneImagesRole', action: 'ec2:RestoreImageFromRecycleBin', resource: image() },
  ],
  ['prune: never an unmanaged image', 'Denied', { principal: 'PruneImagesRole', action: 'ec2:DeregisterImage', resource: image() }],
  ['prune: never an unmanaged snapshot', 'Denied', { principal: 'PruneImagesRole', action: 'ec2:DeleteSnapshot', resource: snapshot }],
  [
    'prune: never reads a parameter itself (secrets)',
    'Denied',
    { principal: 'PruneImagesRole', action: 'ssm:GetParameters', resource: parameter('/prod/db/password') },
  ],
  [
    'prune: never reads a parameter through another service',
    'Denied',
    {
      principal: 'PruneImagesRole',
      action: 'ssm:GetParameters',
      resource: parameter('/prod/db/password'),
      context: { 'aws:CalledVia': ['cloudformation.amazonaws.com'] },
    },
  ],

  // Publishing: under the publish path, to templates opted in by tag; the check before creation reads no values.
  [
    'create: checks the launch templates it will publish to',
    'Allowed',
    { principal: 'CreateImageRole', action: 'ec2:DescribeLaunchTemplates', resource: '*' },
  ],
  ['create: checks where it will publish', 'Allowed', { principal: 'CreateImageRole', action: 'ssm:DescribeParameters', resource: '*' }],
  [
    'create: never reads a parameter value',
    'Denied',
    { principal: 'CreateImageRole', action: 'ssm:GetParameter', resource: parameter('/golden/web-prod/latest') },
  ],
  [
    'publish: writes a parameter under the path',
    'Allowed',
    { principal: 'PublishImageRole', action: 'ssm:PutParameter', resource: parameter('/golden/web-prod/latest') },
  ],
  [
    'publish: never a parameter outside the path',
    'Denied',
    { principal: 'PublishImageRole', action: 'ssm:PutParameter', resource: parameter('/prod/db/password') },
  ],
  [
    "publish: assumes a consumer account's consumer role",
    'Allowed',
    {
      principal: 'PublishImageRole',
      action: 'sts:AssumeRole',
      resource: 'arn:aws:iam::111122223333:role/ami-rotator-consumer',
      resourcePolicy: TRUSTS_THIS_ACCOUNT,
    },
  ],
  [
    'publish: never another role of a consumer account',
    'Denied',
    {
      principal: 'PublishImageRole',
      action: 'sts:AssumeRole',
      resource: 'arn:aws:iam::111122223333:role/OrganizationAccountAccessRole',
      resourcePolicy: TRUSTS_THIS_ACCOUNT,
    },
  ],
  [
    "publish: lists an OU's accounts through the organization's delegation policy",
    'Allowed',
    {
      principal: 'PublishImageRole',
      action: 'organizations:ListAccountsForParent',
      resource: 'arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56',
      resourcePolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'organizations:List*', Resource: '*' }],
      },
    },
  ],
  [
    'prune: assumes no role in another account',
    'Denied',
    {
      principal: 'PruneImagesRole',
      action: 'sts:AssumeRole',
      resource: 'arn:aws:iam::111122223333:role/ami-rotator-consumer',
      resourcePolicy: TRUSTS_THIS_ACCOUNT,
    },
  ],
  [
    'publish: never reads a secret',
    'Denied',
    { principal: 'PublishImageRole', action: 'ssm:GetParameter', resource: parameter('/prod/db/password') },
  ],
  [
    'publish: versions an opted-in template',
    'Allowed',
    {
      principal: 'PublishImageRole',
      action: 'ec2:CreateLaunchTemplateVersion',
      resource: ec2('launch-template/lt-0aaaaaaaaaaaaaaa1'),
      context: optedIn,
    },
  ],
  [
    'publish: sets its default',
    'Allowed',
    {
      principal: 'PublishImageRole',
      action: 'ec2:ModifyLaunchTemplate',
      resource: ec2('launch-template/lt-0aaaaaaaaaaaaaaa1'),
      context: optedIn,
    },
  ],
  [
    'publish: never an untagged template',
    'Denied',
    { principal: 'PublishImageRole', action: 'ec2:CreateLaunchTemplateVersion', resource: ec2('launch-template/lt-0aaaaaaaaaaaaaaa1') },
  ],
  [
    'publish: never deletes a template',
    'Denied',
    {
      principal: 'PublishImageRole',
      action: 'ec2:DeleteLaunchTemplate',
      resource: ec2('launch-template/lt-0aaaaaaaaaaaaaaa1'),
      context: optedIn,
    },
  ],
  [
    'publish: reads the parameter back under the path',
    'Allowed',
    { principal: 'PublishImageRole', action: 'ssm:GetParameter', resource: parameter('/golden/web-prod/latest') },
  ],

  // The functions that call nothing.
  ['validate: calls no AWS service', 'Denied', { principal: 'ValidateInputRole', action: 'ec2:DescribeInstances', resource: '*' }],
  ['describe-failure: calls no AWS service', 'Denied', { principal: 'DescribeFailureRole', action: 'sns:Publish', resource: topic }],

  // Rollback: reads images anywhere, and sets a managed image aside with the two keys that say so.
  [
    'rollback: sets a managed copy aside in another region',
    'Allowed',
    {
      principal: 'RollbackRole',
      action: 'ec2:CreateTags',
      resource: image('eu-west-1'),
      context: {
        ...managedResource,
        [`aws:RequestTag/${TAG.status}`]: 'rolled-back',
        'aws:TagKeys': [TAG.status, TAG.rolledBackBy],
      },
    },
  ],
  [
    'rollback: never marks an image available again (a set-aside image stays aside)',
    'Denied',
    {
      principal: 'RollbackRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, [`aws:RequestTag/${TAG.status}`]: 'available', 'aws:TagKeys': [TAG.status] },
    },
  ],
  [
    'rollback: never another key (the family, keep)',
    'Denied',
    {
      principal: 'RollbackRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, [`aws:RequestTag/${TAG.status}`]: 'rolled-back', 'aws:TagKeys': [TAG.status, TAG.keep] },
    },
  ],
  [
    'rollback: never an unmanaged image',
    'Denied',
    {
      principal: 'RollbackRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { [`aws:RequestTag/${TAG.status}`]: 'rolled-back', 'aws:TagKeys': [TAG.status] },
    },
  ],
  ['rollback: never deregisters', 'Denied', { principal: 'RollbackRole', action: 'ec2:DeregisterImage', resource: image() }],
  [
    'rollback workflow: invokes its own step',
    'Allowed',
    { principal: 'RollbackWorkflowRole', action: 'lambda:InvokeFunction', resource: fn('rollback') },
  ],
  [
    "rollback workflow: never a rotation's step",
    'Denied',
    { principal: 'RollbackWorkflowRole', action: 'lambda:InvokeFunction', resource: fn('createImage') },
  ],
  [
    'rollback workflow: publishes through the image workflow',
    'Allowed',
    { principal: 'RollbackWorkflowRole', action: 'states:StartExecution', resource: `${stateMachine}-image-in-region` },
  ],
  [
    'rollback workflow: never prepares an instance',
    'Denied',
    { principal: 'RollbackWorkflowRole', action: 'states:StartExecution', resource: `${stateMachine}-prepare-instance` },
  ],

  // Promotion: reads images anywhere, tags how a candidate's promotion stands (a rejected one aside), nothing else.
  [
    'promote: tags a managed copy awaiting promotion in another region',
    'Allowed',
    {
      principal: 'PromoteRole',
      action: 'ec2:CreateTags',
      resource: image('eu-west-1'),
      context: { ...managedResource, [`aws:RequestTag/${TAG.promotion}`]: 'awaiting', 'aws:TagKeys': [TAG.promotion] },
    },
  ],
  [
    'promote: records which promotion owns a candidate',
    'Allowed',
    {
      principal: 'PromoteRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, [`aws:RequestTag/${TAG.promotion}`]: 'awaiting', 'aws:TagKeys': [TAG.promotion, TAG.promotionBy] },
    },
  ],
  [
    'promote: sets a rejected candidate aside',
    'Allowed',
    {
      principal: 'PromoteRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: {
        ...managedResource,
        [`aws:RequestTag/${TAG.promotion}`]: 'rejected',
        [`aws:RequestTag/${TAG.status}`]: 'rejected',
        'aws:TagKeys': [TAG.promotion, TAG.status],
      },
    },
  ],
  [
    'promote: never another status (a set-aside image stays aside)',
    'Denied',
    {
      principal: 'PromoteRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: {
        ...managedResource,
        [`aws:RequestTag/${TAG.promotion}`]: 'promoted',
        [`aws:RequestTag/${TAG.status}`]: 'available',
        'aws:TagKeys': [TAG.promotion, TAG.status],
      },
    },
  ],
  [
    'promote: never another key (keep)',
    'Denied',
    {
      principal: 'PromoteRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, [`aws:RequestTag/${TAG.promotion}`]: 'awaiting', 'aws:TagKeys': [TAG.promotion, TAG.keep] },
    },
  ],
  [
    'promote: never an unmanaged image',
    'Denied',
    {
      principal: 'PromoteRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { [`aws:RequestTag/${TAG.promotion}`]: 'awaiting', 'aws:TagKeys': [TAG.promotion] },
    },
  ],
  ['promote: never deregisters', 'Denied', { principal: 'PromoteRole', action: 'ec2:DeregisterImage', resource: image() }],
  [
    'promote workflow: invokes its own step',
    'Allowed',
    { principal: 'PromoteWorkflowRole', action: 'lambda:InvokeFunction', resource: fn('promote') },
  ],
  [
    "promote workflow: never the rollback's step",
    'Denied',
    { principal: 'PromoteWorkflowRole', action: 'lambda:InvokeFunction', resource: fn('rollback') },
  ],
  [
    'promote workflow: publishes through the image workflow',
    'Allowed',
    { principal: 'PromoteWorkflowRole', action: 'states:StartExecution', resource: `${stateMachine}-image-in-region` },
  ],
  [
    'promote workflow: asks for approval on the alert topic',
    'Allowed',
    { principal: 'PromoteWorkflowRole', action: 'sns:Publish', resource: topic },
  ],
  [
    'promotion start rule: starts a promotion',
    'Allowed',
    { principal: 'PromotionStartRole', action: 'states:StartExecution', resource: `${stateMachine}-promote` },
  ],
  [
    'promotion start rule: never a rotation',
    'Denied',
    { principal: 'PromotionStartRole', action: 'states:StartExecution', resource: stateMachine },
  ],

  // The state machine and the scheduler.
  [
    'state machine: invokes its functions',
    'Allowed',
    { principal: 'StateMachineRole', action: 'lambda:InvokeFunction', resource: fn('pruneImages') },
  ],
  [
    'state machine: never invokes the image workflow steps itself',
    'Denied',
    { principal: 'StateMachineRole', action: 'lambda:InvokeFunction', resource: fn('checkImage') },
  ],
  [
    'state machine: starts the image workflow',
    'Allowed',
    { principal: 'StateMachineRole', action: 'states:StartExecution', resource: `${stateMachine}-image-in-region` },
  ],
  [
    'state machine: follows and stops its executions (.sync:2)',
    'Allowed',
    {
      principal: 'StateMachineRole',
      action: 'states:StopExecution',
      resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:ami-rotator-${STAGE}-image-in-region:0b7e1c5e`,
    },
  ],
  [
    'state machine: hears a child end through the managed rule',
    'Allowed',
    {
      principal: 'StateMachineRole',
      action: 'events:PutRule',
      resource: `arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`,
    },
  ],
  [
    'state machine: never starts another state machine',
    'Denied',
    { principal: 'StateMachineRole', action: 'states:StartExecution', resource: `${stateMachine}-payroll` },
  ],
  [
    'state machine: never a rule of its own making',
    'Denied',
    { principal: 'StateMachineRole', action: 'events:PutRule', resource: `arn:aws:events:${REGION}:${ACCOUNT}:rule/payroll` },
  ],
  [
    'image workflow: invokes its steps',
    'Allowed',
    { principal: 'ImageWorkflowRole', action: 'lambda:InvokeFunction', resource: fn('bootTest') },
  ],
  [
    'image workflow: never the rotation-only steps',
    'Denied',
    { principal: 'ImageWorkflowRole', action: 'lambda:InvokeFunction', resource: fn('pruneImages') },
  ],
  ['image workflow: sends no alert itself', 'Denied', { principal: 'ImageWorkflowRole', action: 'sns:Publish', resource: topic }],
  ['state machine: publishes to its topic', 'Allowed', { principal: 'StateMachineRole', action: 'sns:Publish', resource: topic }],
  [
    'state machine: puts its events on the default bus',
    'Allowed',
    {
      principal: 'StateMachineRole',
      action: 'events:PutEvents',
      resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
      context: { 'events:source': ['ami-rotator'], 'events:detail-type': ['AMI Rotated', 'AMI Rotation Failed'] },
    },
  ],
  [
    'state machine: never an event of another source',
    'Denied',
    {
      principal: 'StateMachineRole',
      action: 'events:PutEvents',
      resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
      context: { 'events:source': ['ami-rotator', 'aws.ec2'], 'events:detail-type': ['AMI Rotated'] },
    },
  ],
  [
    'state machine: never another detail-type',
    'Denied',
    {
      principal: 'StateMachineRole',
      action: 'events:PutEvents',
      resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
      context: { 'events:source': ['ami-rotator'], 'events:detail-type': ['EC2 AMI State Change'] },
    },
  ],
  [
    'state machine: never on another bus',
    'Denied',
    { principal: 'StateMachineRole', action: 'events:PutEvents', resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/payroll` },
  ],
  [
    "state machine: never on another account's default bus",
    'Denied',
    { principal: 'StateMachineRole', action: 'events:PutEvents', resource: `arn:aws:events:${REGION}:${OTHER_ACCOUNT}:event-bus/default` },
  ],
  [
    'event starts: start this state machine',
    'Allowed',
    { principal: 'EventStartRole', action: 'states:StartExecution', resource: stateMachine },
  ],
  [
    'event starts: never another state machine',
    'Denied',
    { principal: 'EventStartRole', action: 'states:StartExecution', resource: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:payroll` },
  ],
  [
    'event starts: never stop one',
    'Denied',
    {
      principal: 'EventStartRole',
      action: 'states:StopExecution',
      resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:ami-rotator-${STAGE}:nightly`,
    },
  ],
  [
    'a function role never puts events',
    'Denied',
    { principal: 'TagImageRole', action: 'events:PutEvents', resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default` },
  ],
  [
    'state machine: never invokes another function',
    'Denied',
    { principal: 'StateMachineRole', action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:payroll` },
  ],
  [
    'state machine: never publishes to another topic',
    'Denied',
    { principal: 'StateMachineRole', action: 'sns:Publish', resource: `arn:aws:sns:${REGION}:${ACCOUNT}:payroll` },
  ],
  [
    'scheduler: starts this state machine',
    'Allowed',
    { principal: 'SchedulerRole', action: 'states:StartExecution', resource: stateMachine },
  ],
  [
    'scheduler: never another one',
    'Denied',
    { principal: 'SchedulerRole', action: 'states:StartExecution', resource: `${stateMachine}-other` },
  ],

  // Boot test: launch only managed images as tagged test instances; terminate and command only those; pass one role.
  ['boot test: reads instances', 'Allowed', { principal: 'BootTestRole', action: 'ec2:DescribeInstances', resource: '*' }],
  ['boot test: reads status checks', 'Allowed', { principal: 'BootTestRole', action: 'ec2:DescribeInstanceStatus', resource: '*' }],
  ['boot test: reads its check', 'Allowed', { principal: 'BootTestRole', action: 'ssm:GetCommandInvocation', resource: '*' }],
  [
    'boot test: never reads a parameter',
    'Denied',
    { principal: 'BootTestRole', action: 'ssm:GetParameters', resource: parameter('/prod/db/password') },
  ],
  ['tag: finds the image it replaces', 'Allowed', { principal: 'TagImageRole', action: 'ec2:DescribeImages', resource: '*' }],
  [
    'boot test: launches a managed image',
    'Allowed',
    { principal: 'BootTestRole', action: 'ec2:RunInstances', resource: image(), context: managedResource },
  ],
  ['boot test: never an unmanaged image', 'Denied', { principal: 'BootTestRole', action: 'ec2:RunInstances', resource: image() }],
  [
    'boot test: launches an instance tagged for a boot test',
    'Allowed',
    {
      principal: 'BootTestRole',
      action: 'ec2:RunInstances',
      resource: testInstance,
      context: { ...launchTags(), 'ec2:MetadataHttpTokens': 'required' },
    },
  ],
  [
    'boot test: never an instance that allows IMDSv1',
    'Denied',
    {
      principal: 'BootTestRole',
      action: 'ec2:RunInstances',
      resource: testInstance,
      context: { ...launchTags(), 'ec2:MetadataHttpTokens': 'optional' },
    },
  ],
  [
    'boot test: never an untagged instance',
    'Denied',
    { principal: 'BootTestRole', action: 'ec2:RunInstances', resource: testInstance, context: { 'aws:TagKeys': ['Name'] } },
  ],
  [
    'boot test: never with a managed tag (it would make the instance prunable)',
    'Denied',
    {
      principal: 'BootTestRole',
      action: 'ec2:RunInstances',
      resource: testInstance,
      context: launchTags([TAG.bootTest, TAG.managed]),
    },
  ],
  [
    'boot test: into a subnet',
    'Allowed',
    { principal: 'BootTestRole', action: 'ec2:RunInstances', resource: ec2('subnet/subnet-0123456789abcdef0') },
  ],
  [
    'boot test: tags its instance at launch',
    'Allowed',
    { principal: 'BootTestRole', action: 'ec2:CreateTags', resource: testInstance, context: { 'ec2:CreateAction': 'RunInstances' } },
  ],
  ['boot test: never tags a running instance', 'Denied', { principal: 'BootTestRole', action: 'ec2:CreateTags', resource: instance }],
  [
    'boot test: terminates a test instance',
    'Allowed',
    {
      principal: 'BootTestRole',
      action: 'ec2:TerminateInstances',
      resource: testInstance,
      context: { [`aws:ResourceTag/${TAG.bootTest}`]: 'arn:aws:states:x' },
    },
  ],
  ['boot test: never another instance', 'Denied', { principal: 'BootTestRole', action: 'ec2:TerminateInstances', resource: instance }],
  [
    'boot test: runs its check on a test instance',
    'Allowed',
    {
      principal: 'BootTestRole',
      action: 'ssm:SendCommand',
      resource: testInstance,
      context: { [`aws:ResourceTag/${TAG.bootTest}`]: 'arn:aws:states:x' },
    },
  ],
  [
    'boot test: never a command on another instance',
    'Denied',
    { principal: 'BootTestRole', action: 'ssm:SendCommand', resource: instance },
  ],
  [
    'prepare: a command on an opted-in instance',
    'Allowed',
    { principal: 'PrepareInstanceRole', action: 'ssm:SendCommand', resource: instance, context: optedIn },
  ],
  [
    'prepare: never a command on an instance not opted in',
    'Denied',
    { principal: 'PrepareInstanceRole', action: 'ssm:SendCommand', resource: instance },
  ],
  [
    'prepare: never a command on an instance whose family tag is empty',
    'Denied',
    { principal: 'PrepareInstanceRole', action: 'ssm:SendCommand', resource: instance, context: { [`aws:ResourceTag/${TAG.family}`]: '' } },
  ],
  [
    "prepare: the stack's clean-up document",
    'Allowed',
    {
      principal: 'PrepareInstanceRole',
      action: 'ssm:SendCommand',
      resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:document/ami-rotator-${STAGE}-clean-up`,
    },
  ],
  [
    'prepare: never a document the deployment does not list',
    'Denied',
    { principal: 'PrepareInstanceRole', action: 'ssm:SendCommand', resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:document/payroll-wipe` },
  ],
  [
    'prepare: reads a document it may send, before sending anything',
    'Allowed',
    {
      principal: 'PrepareInstanceRole',
      action: 'ssm:DescribeDocument',
      resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:document/ami-rotator-${STAGE}-clean-up`,
    },
  ],
  [
    'prepare: reads no other document',
    'Denied',
    {
      principal: 'PrepareInstanceRole',
      action: 'ssm:DescribeDocument',
      resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:document/payroll-wipe`,
    },
  ],
  [
    'prepare: finds the commands it sent, and cancels one past its time limit',
    'Allowed',
    { principal: 'PrepareInstanceRole', action: 'ssm:CancelCommand', resource: '*' },
  ],
  [
    'prepare: lists the commands it sent, so a retry sends nothing twice',
    'Allowed',
    { principal: 'PrepareInstanceRole', action: 'ssm:ListCommands', resource: '*' },
  ],
  [
    'prepare: reads whether the instance is managed',
    'Allowed',
    { principal: 'PrepareInstanceRole', action: 'ssm:DescribeInstanceInformation', resource: '*' },
  ],
  [
    'prepare: never images the instance itself',
    'Denied',
    { principal: 'PrepareInstanceRole', action: 'ec2:CreateImage', resource: instance, context: optedIn },
  ],
  [
    'boot test: passes the named instance role to EC2',
    'Allowed',
    {
      principal: 'BootTestRole',
      action: 'iam:PassRole',
      resource: role('golden-test'),
      context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    },
  ],
  [
    'boot test: never another role',
    'Denied',
    { principal: 'BootTestRole', action: 'iam:PassRole', resource: role('admin'), context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
  ],
  [
    'boot test: never to another service',
    'Denied',
    {
      principal: 'BootTestRole',
      action: 'iam:PassRole',
      resource: role('golden-test'),
      context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    },
  ],
  [
    'boot test: marks a failed image',
    'Allowed',
    {
      principal: 'BootTestRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.status], [`aws:RequestTag/${TAG.status}`]: 'boot-test-failed' },
    },
  ],
  [
    'boot test: never marks an image available',
    'Denied',
    {
      principal: 'BootTestRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.status], [`aws:RequestTag/${TAG.status}`]: 'available' },
    },
  ],
  [
    'boot test: never a keep tag',
    'Denied',
    { principal: 'BootTestRole', action: 'ec2:CreateTags', resource: image(), context: { ...managedResource, 'aws:TagKeys': [TAG.keep] } },
  ],
  // Distribution (the package's distribute: eu-west-1, and ap-southeast-2 encrypted with COPY_KEY): CopyImage from a
  // managed source image into those regions only, born managed; KMS only for the deployment's key, only through EC2.
  // CopyImage sends ec2:Owner and ec2:ImageID for its source, never its tags (Service Authorization Reference).
  [
    'copy: copies an image of the account from the stack region',
    'Allowed',
    { principal: 'CopyImageRole', action: 'ec2:CopyImage', resource: image(), context: { 'ec2:Owner': ACCOUNT, ...managedResource } },
  ],
  [
    "copy: never another account's image",
    'Denied',
    { principal: 'CopyImageRole', action: 'ec2:CopyImage', resource: image(), context: { 'ec2:Owner': OTHER_ACCOUNT, ...managedResource } },
  ],
  [
    'copy: the copy is born managed in a copy region',
    'Allowed',
    { principal: 'CopyImageRole', action: 'ec2:CopyImage', resource: image('eu-west-1'), context: born() },
  ],
  [
    'copy: and tagged on creation',
    'Allowed',
    {
      principal: 'CopyImageRole',
      action: 'ec2:CreateTags',
      resource: image('ap-southeast-2'),
      context: { ...born(), 'ec2:CreateAction': 'CopyImage' },
    },
  ],
  [
    'copy: never a copy born with a tag a later step or a person writes',
    'Denied',
    {
      principal: 'CopyImageRole',
      action: 'ec2:CopyImage',
      resource: image('eu-west-1'),
      context: born([...CREATE_KEYS, TAG.keep]),
    },
  ],
  [
    'copy: never an unmanaged copy',
    'Denied',
    { principal: 'CopyImageRole', action: 'ec2:CopyImage', resource: image('eu-west-1'), context: {} },
  ],
  [
    'copy: never into a region the deployment does not copy to',
    'Denied',
    { principal: 'CopyImageRole', action: 'ec2:CopyImage', resource: image('sa-east-1'), context: born() },
  ],
  [
    'copy: never tags after creation',
    'Denied',
    { principal: 'CopyImageRole', action: 'ec2:CreateTags', resource: image('eu-west-1'), context: { ...born(), ...managedResource } },
  ],
  [
    'copy: a grant on the region key for EC2',
    'Allowed',
    {
      principal: 'CopyImageRole',
      action: 'kms:CreateGrant',
      resource: COPY_KEY,
      context: { 'kms:ViaService': 'ec2.ap-southeast-2.amazonaws.com', 'kms:GrantIsForAWSResource': 'true' },
      resourcePolicy: DEFAULT_KEY_POLICY,
    },
  ],
  [
    'copy: never a grant for anything but an AWS resource',
    'Denied',
    {
      principal: 'CopyImageRole',
      action: 'kms:CreateGrant',
      resource: COPY_KEY,
      context: { 'kms:ViaService': 'ec2.ap-southeast-2.amazonaws.com' },
    },
  ],
  [
    'copy: encrypts through EC2',
    'Allowed',
    {
      principal: 'CopyImageRole',
      action: 'kms:GenerateDataKeyWithoutPlaintext',
      resource: COPY_KEY,
      context: { 'kms:ViaService': 'ec2.ap-southeast-2.amazonaws.com' },
      resourcePolicy: DEFAULT_KEY_POLICY,
    },
  ],
  [
    'copy: never decrypts directly',
    'Denied',
    { principal: 'CopyImageRole', action: 'kms:Decrypt', resource: COPY_KEY, context: {}, resourcePolicy: DEFAULT_KEY_POLICY },
  ],
  [
    'copy: never another key',
    'Denied',
    {
      principal: 'CopyImageRole',
      action: 'kms:GenerateDataKeyWithoutPlaintext',
      resource: COPY_KEY.replace('000000000001', '000000000002'),
      context: { 'kms:ViaService': 'ec2.ap-southeast-2.amazonaws.com' },
      resourcePolicy: DEFAULT_KEY_POLICY,
    },
  ],
  // Sharing (distribute.share): launch permissions only on managed images, marked shared first.
  [
    'publish: shares a managed image',
    'Allowed',
    {
      principal: 'PublishImageRole',
      action: 'ec2:ModifyImageAttribute',
      resource: image(),
      context: { ...managedResource, 'ec2:Attribute': 'launchPermission' },
    },
  ],
  [
    'publish: changes no other attribute of it (its description)',
    'Denied',
    {
      principal: 'PublishImageRole',
      action: 'ec2:ModifyImageAttribute',
      resource: image(),
      context: { ...managedResource, 'ec2:Attribute': 'description' },
    },
  ],
  [
    'publish: never shares an image that is not managed',
    'Denied',
    { principal: 'PublishImageRole', action: 'ec2:ModifyImageAttribute', resource: image(), context: {} },
  ],
  [
    'publish: marks a managed image shared',
    'Allowed',
    {
      principal: 'PublishImageRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, [`aws:RequestTag/${TAG.shared}`]: 'true', 'aws:TagKeys': [TAG.shared] },
    },
  ],
  [
    'publish: never marks one not shared (the prune would retire it without a usage report)',
    'Denied',
    {
      principal: 'PublishImageRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, [`aws:RequestTag/${TAG.shared}`]: 'false', 'aws:TagKeys': [TAG.shared] },
    },
  ],
  [
    'publish: writes no other tag (never a keep tag)',
    'Denied',
    {
      principal: 'PublishImageRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.shared, TAG.keep] },
    },
  ],
  [
    'prune: asks for the usage report of a managed image',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'ec2:CreateImageUsageReport', resource: image(), context: managedResource },
  ],
  [
    'prune: never of an image that is not managed',
    'Denied',
    { principal: 'PruneImagesRole', action: 'ec2:CreateImageUsageReport', resource: image(), context: {} },
  ],
  // The report is CreateImageUsageReport's second required resource type (Service Authorization Reference).
  [
    'prune: may make the usage report itself',
    'Allowed',
    {
      principal: 'PruneImagesRole',
      action: 'ec2:CreateImageUsageReport',
      resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:image-usage-report/*`,
      context: {},
    },
  ],
  [
    'prune: reads usage reports',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'ec2:DescribeImageUsageReportEntries', resource: '*', context: {} },
  ],
  [
    'prune: shares a managed image made private again (launch permissions only)',
    'Allowed',
    {
      principal: 'PruneImagesRole',
      action: 'ec2:ModifyImageAttribute',
      resource: image(),
      context: { ...managedResource, 'ec2:Attribute': 'launchPermission' },
    },
  ],
  [
    'prune: changes no other attribute of an image',
    'Denied',
    {
      principal: 'PruneImagesRole',
      action: 'ec2:ModifyImageAttribute',
      resource: image(),
      context: { ...managedResource, 'ec2:Attribute': 'description' },
    },
  ],
  [
    'prune: never shares an image that is not managed',
    'Denied',
    {
      principal: 'PruneImagesRole',
      action: 'ec2:ModifyImageAttribute',
      resource: image(),
      context: { 'ec2:Attribute': 'launchPermission' },
    },
  ],
  [
    'prune: unmarks a managed image it shares again',
    'Allowed',
    {
      principal: 'PruneImagesRole',
      action: 'ec2:DeleteTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.withdrawnAt] },
    },
  ],
  [
    'prune: marks a managed image made private',
    'Allowed',
    {
      principal: 'PruneImagesRole',
      action: 'ec2:CreateTags',
      resource: image(),
      context: { ...managedResource, 'aws:TagKeys': [TAG.withdrawnAt] },
    },
  ],
  [
    'prune: withdraws the sharing of a managed image before deregistering it',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'ec2:ResetImageAttribute', resource: image(), context: managedResource },
  ],
  [
    "prune: never withdraws another image's sharing",
    'Denied',
    { principal: 'PruneImagesRole', action: 'ec2:ResetImageAttribute', resource: image(), context: {} },
  ],
  [
    'prune: reads who an image is shared with',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'ec2:DescribeImageAttribute', resource: '*', context: {} },
  ],
  [
    'await: stores a wait in its table',
    'Allowed',
    { principal: 'AwaitImageRole', action: 'dynamodb:PutItem', resource: waitTable, context: {} },
  ],
  [
    'await: no other table',
    'Denied',
    {
      principal: 'AwaitImageRole',
      action: 'dynamodb:PutItem',
      resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`,
      context: {},
    },
  ],
  [
    'await: never reads the waits of others',
    'Denied',
    { principal: 'AwaitImageRole', action: 'dynamodb:Scan', resource: waitTable, context: {} },
  ],
  [
    'await: ends a wait the image ended already (the token is the authority)',
    'Allowed',
    { principal: 'AwaitImageRole', action: 'states:SendTaskSuccess', resource: '*', context: {} },
  ],
  ['await: never fails a task', 'Denied', { principal: 'AwaitImageRole', action: 'states:SendTaskFailure', resource: '*', context: {} }],
  [
    'complete: reads and removes a wait',
    'Allowed',
    { principal: 'CompleteWaitRole', action: 'dynamodb:GetItem', resource: waitTable, context: {} },
  ],
  ['complete: never writes one', 'Denied', { principal: 'CompleteWaitRole', action: 'dynamodb:PutItem', resource: waitTable, context: {} }],
  [
    'complete: ends the awaited task',
    'Allowed',
    { principal: 'CompleteWaitRole', action: 'states:SendTaskSuccess', resource: '*', context: {} },
  ],
  [
    'complete: touches no image',
    'Denied',
    { principal: 'CompleteWaitRole', action: 'ec2:DeregisterImage', resource: image(), context: managedResource },
  ],
  [
    'await command: stores a wait in its table',
    'Allowed',
    { principal: 'AwaitCommandRole', action: 'dynamodb:PutItem', resource: waitTable, context: {} },
  ],
  [
    'await command: reads the command',
    'Allowed',
    { principal: 'AwaitCommandRole', action: 'ssm:GetCommandInvocation', resource: '*', context: {} },
  ],
  [
    'await command: never sends one',
    'Denied',
    {
      principal: 'AwaitCommandRole',
      action: 'ssm:SendCommand',
      resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
      context: {},
    },
  ],
  [
    'await command: ends a wait the command ended already',
    'Allowed',
    { principal: 'AwaitCommandRole', action: 'states:SendTaskSuccess', resource: '*', context: {} },
  ],
  [
    'await command: never reads the waits',
    'Denied',
    { principal: 'AwaitCommandRole', action: 'dynamodb:Scan', resource: waitTable, context: {} },
  ],
  [
    'sweep: finds the waits that are due',
    'Allowed',
    { principal: 'SweepWaitsRole', action: 'dynamodb:Scan', resource: waitTable, context: {} },
  ],
  [
    'sweep: plans the next check',
    'Allowed',
    { principal: 'SweepWaitsRole', action: 'dynamodb:UpdateItem', resource: waitTable, context: {} },
  ],
  [
    'sweep: never registers a wait',
    'Denied',
    { principal: 'SweepWaitsRole', action: 'dynamodb:PutItem', resource: waitTable, context: {} },
  ],
  [
    'sweep: no other table',
    'Denied',
    { principal: 'SweepWaitsRole', action: 'dynamodb:Scan', resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`, context: {} },
  ],
  ['sweep: looks at images', 'Allowed', { principal: 'SweepWaitsRole', action: 'ec2:DescribeImages', resource: '*', context: {} }],
  [
    'sweep: ends a wait whose image settled',
    'Allowed',
    { principal: 'SweepWaitsRole', action: 'states:SendTaskSuccess', resource: '*', context: {} },
  ],
  ['sweep: never fails a task', 'Denied', { principal: 'SweepWaitsRole', action: 'states:SendTaskFailure', resource: '*', context: {} }],
  [
    'sweep: touches no image',
    'Denied',
    { principal: 'SweepWaitsRole', action: 'ec2:DeregisterImage', resource: image(), context: managedResource },
  ],
  [
    'check: never shares',
    'Denied',
    { principal: 'CheckImageRole', action: 'ec2:ModifyImageAttribute', resource: image(), context: managedResource },
  ],
  [
    'create: never born shared',
    'Denied',
    { principal: 'CreateImageRole', action: 'ec2:CreateImage', resource: image(), context: { ...born([...CREATE_KEYS, TAG.shared]) } },
  ],
  // The image workflow and the prune act in the copy regions as in their own, and nowhere else.
  [
    'tag: tags a managed copy in a copy region',
    'Allowed',
    {
      principal: 'TagImageRole',
      action: 'ec2:CreateTags',
      resource: image('eu-west-1'),
      context: { ...managedResource, 'aws:TagKeys': [TAG.status, TAG.completedAt] },
    },
  ],
  [
    'tag: not in a region the deployment does not copy to',
    'Denied',
    {
      principal: 'TagImageRole',
      action: 'ec2:CreateTags',
      resource: image('sa-east-1'),
      context: { ...managedResource, 'aws:TagKeys': [TAG.status, TAG.completedAt] },
    },
  ],
  [
    'prune: deregisters a managed copy in a copy region',
    'Allowed',
    { principal: 'PruneImagesRole', action: 'ec2:DeregisterImage', resource: image('ap-southeast-2'), context: managedResource },
  ],
  [
    'publish: writes the parameter under the path in a copy region',
    'Allowed',
    {
      principal: 'PublishImageRole',
      action: 'ssm:PutParameter',
      resource: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/golden/web-prod/latest`,
      context: {},
    },
  ],
  [
    'publish: never outside the path there',
    'Denied',
    {
      principal: 'PublishImageRole',
      action: 'ssm:PutParameter',
      resource: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/prod/db-password`,
      context: {},
    },
  ],
];

/** Who may publish to the alert topic and use its key: every alert path, and nothing else. */
const ALERT_PATHS = (template: Template): Row[] => {
  const topicPolicy = resourcePolicy(template, 'AlertTopicPolicy', 'PolicyDocument');
  const keyPolicy = resourcePolicy(template, 'AlertKey', 'KeyPolicy');
  const publish = (principal: string, context: Record<string, string> = {}): Request => ({
    principal,
    action: 'sns:Publish',
    resource: topic,
    context,
    resourcePolicy: topicPolicy,
  });
  const useKey = (principal: string, action: string, context: Record<string, string> = {}): Request => ({
    principal,
    action,
    resource: key,
    context,
    resourcePolicy: keyPolicy,
  });
  return [
    ['EventBridge rule publishes (no source keys sent)', 'Allowed', publish('events.amazonaws.com')],
    [
      'EventBridge rule publishes (with source keys)',
      'Allowed',
      publish('events.amazonaws.com', {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/ami-rotator-${STAGE}-unalerted-failure`,
      }),
    ],
    ['EventBridge encrypts for the topic', 'Allowed', useKey('events.amazonaws.com', 'kms:GenerateDataKey')],
    ['EventBridge decrypts for the topic', 'Allowed', useKey('events.amazonaws.com', 'kms:Decrypt')],
    [
      "this stack's freshness alarm publishes",
      'Allowed',
      publish('cloudwatch.amazonaws.com', {
        'aws:SourceArn': alarm(`ami-rotator-${STAGE}-freshness-web-prod`),
        'aws:SourceAccount': ACCOUNT,
      }),
    ],
    [
      'the delivery alarm tells the ops topic named at deploy time, so it does not publish here',
      'Denied',
      publish('cloudwatch.amazonaws.com', { 'aws:SourceArn': alarm(`ami-rotator-${STAGE}-alert-delivery`), 'aws:SourceAccount': ACCOUNT }),
    ],
    [
      'CloudWatch encrypts for the topic',
      'Allowed',
      useKey('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', { 'aws:SourceAccount': ACCOUNT }),
    ],
    [
      "CloudWatch never uses the key for another account's alarm",
      'Denied',
      useKey('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', { 'aws:SourceAccount': OTHER_ACCOUNT }),
    ],
    ['the state machine role publishes (identity policy, same account)', 'Allowed', { ...publish('StateMachineRole') }],
    [
      'the state machine role uses the key through SNS',
      'Allowed',
      useKey('StateMachineRole', 'kms:GenerateDataKey', { 'kms:ViaService': `sns.${REGION}.amazonaws.com` }),
    ],
    [
      "another account's alarm never publishes",
      'Denied',
      publish('cloudwatch.amazonaws.com', {
        'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${OTHER_ACCOUNT}:alarm:ami-rotator-${STAGE}-x`,
        'aws:SourceAccount': OTHER_ACCOUNT,
      }),
    ],
    [
      "another stage's alarm never publishes, though its name starts with this stage's (ci and ci-eu)",
      'Denied',
      publish('cloudwatch.amazonaws.com', {
        'aws:SourceArn': alarm(`ami-rotator-${STAGE}-eu-freshness-web-prod`),
        'aws:SourceAccount': ACCOUNT,
      }),
    ],
    [
      "an alarm named like this stage's but not one of its alarms never publishes",
      'Denied',
      publish('cloudwatch.amazonaws.com', { 'aws:SourceArn': alarm(`ami-rotator-${STAGE}-anything`), 'aws:SourceAccount': ACCOUNT }),
    ],
    [
      'the failed-executions alarm never publishes here: it only tells the ops topic',
      'Denied',
      publish('cloudwatch.amazonaws.com', {
        'aws:SourceArn': alarm(`ami-rotator-${STAGE}-failed-executions`),
        'aws:SourceAccount': ACCOUNT,
      }),
    ],
    [
      'an alarm of another stack never publishes',
      'Denied',
      publish('cloudwatch.amazonaws.com', { 'aws:SourceArn': alarm('payroll-cpu'), 'aws:SourceAccount': ACCOUNT }),
    ],
    ['another account never publishes', 'Denied', publish(`arn:aws:iam::${OTHER_ACCOUNT}:role/intruder`)],
    ['another account never uses the key', 'Denied', useKey(`arn:aws:iam::${OTHER_ACCOUNT}:role/intruder`, 'kms:Decrypt')],
    ['a function role never publishes', 'Denied', publish('PruneImagesRole')],
  ];
};

/** Who may dead-letter into the schedule queue besides the schedules: exactly this stage's start rules. */
const DEAD_LETTERS = (template: Template): Row[] => {
  const queuePolicy = resourcePolicy(template, 'EventStartDeadLetterPolicy', 'PolicyDocument');
  const queue = `arn:aws:sqs:${REGION}:${ACCOUNT}:ami-rotator-${STAGE}-schedule-dlq`;
  const from = (rule: string): Request => ({
    principal: 'events.amazonaws.com',
    action: 'sqs:SendMessage',
    resource: queue,
    context: { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/${rule}`, 'aws:SourceAccount': ACCOUNT },
    resourcePolicy: queuePolicy,
  });
  return [
    ["this stage's start rule dead-letters", 'Allowed', from(`ami-rotator-${STAGE}-web-prod-start-1`)],
    [
      "another stage's rule never does, though its name starts with this stage's",
      'Denied',
      from(`ami-rotator-${STAGE}-eu-web-prod-start-1`),
    ],
    ['a rule named like this stage but not one of its rules never does', 'Denied', from(`ami-rotator-${STAGE}-anything`)],
  ];
};

export const describePermissions = (template: () => Template) =>
  describe('least privilege, decided by an IAM evaluator over the packaged template', () => {
    it.each(ROLES)('%s: %s', async (_why, expected, request) => {
      expect(await decide(template(), request)).toBe(expected);
    });

    it("lets exactly this stage's start rules dead-letter into the schedule queue", async () => {
      const rows = DEAD_LETTERS(template());
      const decided = await Promise.all(rows.map(async ([why, , request]) => [why, await decide(template(), request)]));
      expect(Object.fromEntries(decided)).toEqual(Object.fromEntries(rows.map(([why, expected]) => [why, expected])));
    });

    it('lets every alert path publish to the encrypted topic, and nothing else', async () => {
      const rows = ALERT_PATHS(template());
      const decided = await Promise.all(rows.map(async ([why, , request]) => [why, await decide(template(), request)]));
      expect(Object.fromEntries(decided)).toEqual(Object.fromEntries(rows.map(([why, expected]) => [why, expected])));
    });
  });
