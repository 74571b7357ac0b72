/**
 * The packaged stack made a release template (infra/release.ts): the stage's settings as CloudFormation Parameters,
 * the functions' code in an assets bucket, the version in the description and outputs. Pure: a template in, a
 * template out.
 */

import { LOG_RETENTION_DAYS } from '../src/deploy-settings.ts';
import { FAMILY_PATTERN, FAMILY_RULE } from '../src/rotation/family.ts';
import { INSTANCE_ID } from '../src/rotation/request.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * What the stack is packaged with: each a value the stage's own check accepts and that appears nowhere else, so every
 * place it lands is found. The keys are the stage parameters of serverless.yml.
 */
export const PLACEHOLDERS = {
  family: 'relfamilyplaceholder',
  instanceId: 'i-0fedcba9876543210',
  publishPath: '/relpublishpathplaceholder/',
  consumerRole: 'relconsumerroleplaceholder',
} as const;
export const STAGE_PLACEHOLDER = 'relstageplaceholder';

export interface ReleaseSettings {
  version: string;
}

interface Parameter {
  Type: 'String' | 'Number';
  Description: string;
  Default?: string | number;
  AllowedPattern?: string;
  AllowedValues?: string[];
  MinValue?: number;
  MaxValue?: number;
  ConstraintDescription?: string;
}

const DAYS_OR_OFF = '^(off|[1-9][0-9]{0,3})$';
const JSON_OR_EMPTY = '^(|\\{.*\\})$';

/** The stage parameters that shape the stack (its resources), fixed when a release is built: `npm run release -- --param=...`. */
export const SHAPE_SETTINGS = ['distribute', 'startOn', 'prepareDocuments', 'bootTestInstanceRole', 'opsTopicArn', 'freshnessHours'];

/**
 * The release's Parameters: the stage parameters of serverless.yml that are values (each function's environment, the
 * names that carry the stage, the publish path and consumer role in the roles), with the rules CloudFormation can
 * check. A setting that shapes the stack (distribute, startOn, prepareDocuments, bootTestInstanceRole, opsTopicArn)
 * is the one the release was built with (docs/release.md, "What a release fixes").
 */
export const PARAMETERS: Record<string, Parameter & { env?: string; placeholder?: string }> = {
  Stage: {
    Type: 'String',
    Description: 'The stage: its name is in every resource name (ami-rotator-<Stage>-...)',
    AllowedPattern: '^[a-z0-9][a-z0-9-]{0,19}$',
    ConstraintDescription: 'lowercase letters, digits and -, at most 20 characters',
  },
  AssetsBucket: {
    Type: 'String',
    Description: "The S3 bucket holding the release's assets (upload-assets.sh), in this stack's Region",
    AllowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
    ConstraintDescription: 'an S3 bucket name',
  },
  AssetsPrefix: {
    Type: 'String',
    Description: 'The key prefix of the assets in the bucket (upload-assets.sh writes ami-rotator/<version>/)',
    Default: '',
    AllowedPattern: '^([A-Za-z0-9!_.*()/-]*/)?$',
    ConstraintDescription: 'empty, or a key prefix ending with /',
  },
  Family: {
    Type: 'String',
    Description: 'The family the nightly schedule rotates',
    env: 'ROTATOR_DEFAULT_FAMILY',
    placeholder: PLACEHOLDERS.family,
    // The input contract's own rule (src/rotation/family.ts).
    AllowedPattern: FAMILY_PATTERN.source,
    ConstraintDescription: FAMILY_RULE,
  },
  InstanceId: {
    Type: 'String',
    Description: 'The instance the nightly schedule images',
    env: 'ROTATOR_DEFAULT_INSTANCE_ID',
    placeholder: PLACEHOLDERS.instanceId,
    AllowedPattern: INSTANCE_ID.source,
    ConstraintDescription: 'an EC2 instance id such as i-0123456789abcdef0',
  },
  NoReboot: {
    Type: 'String',
    Description: 'true: a live image; false: reboot for a consistent filesystem',
    env: 'ROTATOR_NO_REBOOT',
    Default: 'true',
    AllowedValues: ['true', 'false'],
  },
  KeepLast: {
    Type: 'String',
    Description: 'Keep the newest N images',
    env: 'ROTATOR_KEEP_LAST',
    Default: '7',
    AllowedPattern: '^[0-9]{1,4}$',
  },
  MaxAgeDays: {
    Type: 'String',
    Description: 'Keep images younger than this many days',
    env: 'ROTATOR_MAX_AGE_DAYS',
    Default: '7',
    AllowedPattern: '^[0-9]{1,4}$',
  },
  MinKeep: {
    Type: 'String',
    Description: 'Never fewer than this many available images',
    env: 'ROTATOR_MIN_KEEP',
    Default: '2',
    AllowedPattern: '^[0-9]{1,4}$',
  },
  DeprecateAfterDays: {
    Type: 'String',
    Description: 'Deprecate each image this many days after creation once it is not the newest, or off',
    env: 'ROTATOR_DEPRECATE_AFTER_DAYS',
    Default: 'off',
    AllowedPattern: DAYS_OR_OFF,
  },
  DisableBeforeDeleteDays: {
    Type: 'String',
    Description: 'Disable expired images first and delete them this many days later if still unused, or off',
    env: 'ROTATOR_DISABLE_BEFORE_DELETE_DAYS',
    Default: 'off',
    AllowedPattern: DAYS_OR_OFF,
  },
  KeepLaunchedWithinDays: {
    Type: 'String',
    Description: 'Keep a shared image launched anywhere within this many days, or off',
    env: 'ROTATOR_KEEP_LAUNCHED_WITHIN_DAYS',
    Default: '7',
    AllowedPattern: DAYS_OR_OFF,
  },
  MaxWaitMinutes: {
    Type: 'String',
    Description: 'How long an image may stay pending',
    env: 'ROTATOR_MAX_WAIT_MINUTES',
    Default: '240',
    AllowedPattern: '^[0-9]{1,4}$',
  },
  Publish: {
    Type: 'String',
    Description: 'Where each new image is published, as JSON (docs/publishing.md), or empty',
    env: 'ROTATOR_PUBLISH',
    Default: '',
    AllowedPattern: JSON_OR_EMPTY,
  },
  PublishPath: {
    Type: 'String',
    Description: 'The SSM path the publish role may write under',
    env: 'ROTATOR_PUBLISH_PATH',
    placeholder: PLACEHOLDERS.publishPath,
    Default: '/golden/',
    AllowedPattern: '^/[a-zA-Z0-9_.-]+(/[a-zA-Z0-9_.-]+)*/$',
    ConstraintDescription: 'an SSM path such as /golden/',
  },
  BootTest: {
    Type: 'String',
    Description: 'The boot test, as JSON (docs/boot-test.md), or empty',
    env: 'ROTATOR_BOOT_TEST',
    Default: '',
    AllowedPattern: JSON_OR_EMPTY,
  },
  Prepare: {
    Type: 'String',
    Description: 'Prepare the instance before it is imaged, as JSON (docs/prepare.md), or empty',
    env: 'ROTATOR_PREPARE',
    Default: '',
    AllowedPattern: JSON_OR_EMPTY,
  },
  ConsumerRole: {
    Type: 'String',
    Description: "The consumer accounts' role name (consumer-stack.yml)",
    env: 'ROTATOR_CONSUMER_ROLE',
    placeholder: PLACEHOLDERS.consumerRole,
    Default: 'ami-rotator-consumer',
    AllowedPattern: '^[\\w+=,.@-]{1,64}$',
  },
  ConsumerExternalId: {
    Type: 'String',
    Description: "The external id the consumer accounts' role requires, or empty",
    env: 'ROTATOR_CONSUMER_EXTERNAL_ID',
    Default: '',
    AllowedPattern: '^[\\w+=,.@:/-]{0,1224}$',
  },
  LogLevel: {
    Type: 'String',
    Description: "The functions' log level",
    env: 'POWERTOOLS_LOG_LEVEL',
    Default: 'INFO',
    AllowedValues: ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'],
  },
  Schedule: {
    Type: 'String',
    Description: 'When the family is rotated (EventBridge Scheduler: cron(...) or rate(...))',
    Default: 'cron(0 2 * * ? *)',
    AllowedPattern: '^(cron|rate)\\(.+\\)$',
  },
  Timezone: {
    Type: 'String',
    Description: 'The time zone of the schedule (IANA name)',
    Default: 'UTC',
    AllowedPattern: '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$',
  },
  AlertEmail: {
    Type: 'String',
    Description: 'An address subscribed to the alert topic, or empty',
    Default: '',
    AllowedPattern: '^(|[^@\\s]+@[^@\\s]+)$',
  },
  LogRetentionDays: {
    Type: 'Number',
    Description: "How long the functions' and state machines' logs are kept",
    Default: '30',
    AllowedValues: [
      '1',
      '3',
      '5',
      '7',
      '14',
      '30',
      '60',
      '90',
      '120',
      '150',
      '180',
      '365',
      '400',
      '545',
      '731',
      '1096',
      '1827',
      '2192',
      '2557',
      '2922',
      '3288',
      '3653',
    ],
  },
};

/** Every placeholder and the Parameter it stands for, the stage's first. */
const SUBSTITUTIONS: [string, string][] = [
  [STAGE_PLACEHOLDER, 'Stage'],
  ...Object.entries(PARAMETERS).flatMap(([name, p]) => (p.placeholder ? [[p.placeholder, name] as [string, string]] : [])),
];

/** A string with placeholders: a Ref when it is one, else a Fn::Sub (an existing `${` kept literal as `${!`). */
const substituted = (text: string): Json => {
  const whole = SUBSTITUTIONS.find(([placeholder]) => text === placeholder);
  if (whole) return { Ref: whole[1] };
  if (!SUBSTITUTIONS.some(([placeholder]) => text.includes(placeholder))) return text;
  let body = text.replaceAll('${', '${!');
  for (const [placeholder, name] of SUBSTITUTIONS) body = body.replaceAll(placeholder, `\${${name}}`);
  return { 'Fn::Sub': body };
};

/** Inside a Fn::Sub's own string: placeholders become its variables. */
const inSub = (text: string): string => {
  let body = text;
  for (const [placeholder, name] of SUBSTITUTIONS) body = body.replaceAll(placeholder, `\${${name}}`);
  return body;
};

/** A logical id cannot be a parameter: one the packaging named after a placeholder is named after its Parameter. */
const neutralId = (id: string): string => SUBSTITUTIONS.reduce((named, [placeholder, name]) => named.replaceAll(placeholder, name), id);

/** Renames the logical ids named after a placeholder, and every Ref, GetAtt and DependsOn of them. */
const renameIds = (node: Json, renamed: ReadonlyMap<string, string>): Json => {
  if (typeof node === 'string') {
    const exact = renamed.get(node);
    if (exact) return exact;
    // `Fn::GetAtt` in its string form: `Id.Attribute`.
    const [id, ...attribute] = node.split('.');
    const base = renamed.get(id ?? '');
    return base && attribute.length > 0 ? [base, ...attribute].join('.') : node;
  }
  if (Array.isArray(node)) return node.map((n) => renameIds(n, renamed));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [renamed.get(k) ?? k, renameIds(v, renamed)]));
};

const walk = (node: Json): Json => {
  if (typeof node === 'string') return substituted(node);
  if (Array.isArray(node)) return node.map(walk);
  if (node === null || typeof node !== 'object') return node;
  const sub = node['Fn::Sub'];
  if (typeof sub === 'string') return { 'Fn::Sub': inSub(sub) };
  if (Array.isArray(sub) && typeof sub[0] === 'string') return { 'Fn::Sub': [inSub(sub[0]), walk(sub[1] ?? {})] };
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
};

/** The release template, and the asset files its functions name. */
export const releaseTemplate = (packaged: Record<string, unknown>, settings: ReleaseSettings): { template: Json; assets: string[] } => {
  const template = structuredClone(packaged) as {
    Resources: Record<string, { Type: string; Properties: Record<string, Json>; DependsOn?: Json; Condition?: string }>;
    Outputs?: Record<string, Json>;
    Conditions?: Record<string, Json>;
  };
  const assets: string[] = [];
  // The framework's own deployment bucket goes: the assets bucket is the deployer's.
  for (const id of Object.keys(template.Resources)) if (id.startsWith('ServerlessDeploymentBucket')) delete template.Resources[id];
  for (const id of Object.keys(template.Outputs ?? {})) if (id.startsWith('ServerlessDeploymentBucket')) delete template.Outputs?.[id];
  for (const resource of Object.values(template.Resources)) {
    const props = resource.Properties;
    if (resource.Type === 'AWS::Lambda::Function') {
      const key = String((props.Code as { S3Key?: string }).S3Key ?? '');
      const file = key.split('/').pop() ?? '';
      assets.push(file);
      props.Code = { S3Bucket: { Ref: 'AssetsBucket' }, S3Key: { 'Fn::Sub': `\${AssetsPrefix}${file}` } };
      // Each function's environment: the stage's settings from the Parameters.
      const variables = (props.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {};
      for (const [name, p] of Object.entries(PARAMETERS)) if (p.env && p.env in variables) variables[p.env] = { Ref: name };
      variables.ROTATOR_VERSION = settings.version;
    }
    if (resource.Type === 'AWS::Logs::LogGroup' && props.RetentionInDays !== undefined) props.RetentionInDays = { Ref: 'LogRetentionDays' };
    if (resource.Type === 'AWS::SNS::Subscription' && props.Protocol === 'email') props.Endpoint = { Ref: 'AlertEmail' };
    if (resource.Type === 'AWS::Scheduler::Schedule' && props.ScheduleExpressionTimezone !== undefined) {
      props.ScheduleExpression = { Ref: 'Schedule' };
      props.ScheduleExpressionTimezone = { Ref: 'Timezone' };
    }
  }
  // The alert address's condition, from its Parameter.
  if (template.Conditions?.HasAlertEmail)
    template.Conditions.HasAlertEmail = { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlertEmail' }, ''] }] };
  const renamed = new Map(
    Object.keys(template.Resources)
      .filter((id) => neutralId(id) !== id)
      .map((id) => [id, neutralId(id)]),
  );
  const walked = walk(renameIds(template as unknown as Json, renamed)) as Record<string, Json>;
  const parameters = Object.fromEntries(
    Object.entries(PARAMETERS).map(([name, { env: _env, placeholder: _placeholder, ...p }]) => [
      name,
      // Where upload-assets.sh puts this release's assets unless told otherwise.
      (name === 'AssetsPrefix' ? { ...p, Default: `ami-rotator/${settings.version}/` } : p) as unknown as Json,
    ]),
  );
  return {
    template: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `ami-rotator ${settings.version}: golden machine images kept fresh (create, wait, tag, publish, prune) on a schedule`,
      Metadata: {
        'AWS::CloudFormation::Interface': {
          ParameterGroups: [{ Label: { default: 'Where the code is' }, Parameters: ['AssetsBucket', 'AssetsPrefix'] }],
        },
      },
      Parameters: parameters,
      ...Object.fromEntries(Object.entries(walked).filter(([k]) => !['AWSTemplateFormatVersion', 'Description'].includes(k))),
      Outputs: {
        ...((walked.Outputs as Record<string, Json> | undefined) ?? {}),
        Version: { Description: 'The release this stack runs', Value: settings.version },
      },
    },
    assets: [...new Set(assets)].sort(),
  };
};
