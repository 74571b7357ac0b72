// Distribution (src/rotation/distribute-request.ts, the DistributeImage map of statemachine/rotate-ami.asl.json): the
// copy function's role, and the same permissions the image workflow's and the prune's roles have in the stack's region,
// in each region the deployment copies to (param distribute), and nowhere else.
// - CopyImage: on the source image only when it is managed (resource-level permissions on the source AMI, EC2 User
//   Guide, "Grant permissions to copy Amazon EC2 AMIs"), and on the new image and snapshots only born managed, tagged
//   on creation (ec2:CreateTags with ec2:CreateAction CopyImage).
// - KMS, only for the keys the deployment names, only through EC2 in that key's region: what EC2 asks of the caller
//   for an encrypted copy (EBS User Guide, "Permissions for IAM users": kms:CreateGrant for an AWS resource,
//   kms:Decrypt, kms:DescribeKey, kms:GenerateDataKeyWithoutPlaintext, kms:ReEncrypt*; AWS KMS Developer Guide,
//   "kms:ViaService", "kms:GrantIsForAWSResource").
// - The other roles: every statement of theirs that names this region's resources, for each destination region.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');
const { lambdaRole } = require('./lambda-role.cjs');

// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub variable, not a template literal
const HERE = '${AWS::Region}';
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[a-zA-Z0-9-]{1,128}$/;

/** The roles whose steps act in a copy's region: the image workflow's (wait, tag, publish, clean up) and the prune. */
const EXTENDED_ROLES = ['CheckImageRole', 'TagImageRole', 'PublishImageRole', 'CleanUpImageRole', 'PruneImagesRole'];

/** The deployment's regions and keys, from the param (JSON, as ROTATOR_DISTRIBUTE); the functions check the rest. */
const targetsOf = (raw) => {
  if (!raw) return [];
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`distribute: expected JSON such as {"regions": [{"region": "eu-west-1"}]}, got "${String(raw).slice(0, 100)}"`);
  }
  // Sharing alone (`share`, no `regions`) copies nowhere: no copy region to allow.
  if (value?.regions === undefined && value?.share !== undefined) return [];
  const regions = value?.regions;
  if (!Array.isArray(regions) || regions.length === 0) throw new Error('distribute: expected {"regions": [{"region": ...}, ...]}');
  for (const r of regions) {
    if (!REGION.test(r?.region ?? '')) throw new Error(`distribute: expected region names such as eu-west-1, got "${r?.region}"`);
    if (r.kmsKeyId !== undefined && KEY_ARN.exec(r.kmsKeyId)?.[1] !== r.region)
      throw new Error(`distribute: ${r.region}: expected kmsKeyId to be a key ARN in ${r.region}, got "${r.kmsKeyId}"`);
  }
  return regions;
};

const inRegion = (node, region) => JSON.parse(JSON.stringify(node).replaceAll(HERE, region));
const mentionsHere = (statement) => JSON.stringify(statement.Resource ?? '').includes(HERE);

/** The roles' statements that name this region's resources, for the other regions; logs stay in the stack's region. */
const extendedPolicies = (roles, regions) =>
  Object.fromEntries(
    EXTENDED_ROLES.flatMap((role) => {
      const statements = (roles[role]?.Properties?.Policies ?? [])
        .flatMap((p) => p.PolicyDocument.Statement)
        .filter((st) => mentionsHere(st) && ![st.Action].flat().some((a) => String(a).startsWith('logs:')));
      if (statements.length === 0) return [];
      const document = {
        Version: '2012-10-17',
        Statement: statements.map((st) => ({
          ...st,
          Resource: regions.flatMap((region) => [inRegion(st.Resource, region)].flat()),
        })),
      };
      return [
        [
          `${role}InCopyRegions`,
          { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'in-copy-regions', Roles: [{ Ref: role }], PolicyDocument: document } },
        ],
      ];
    }),
  );

/** The tag keys a later step or a person writes: never on a copy when it is made. */
const LATER_KEYS = [
  'ami-rotator:keep',
  'ami-rotator:status',
  'ami-rotator:completed-at',
  'ami-rotator:image-id',
  'ami-rotator:device',
  'ami-rotator:disabled-at',
  'ami-rotator:enabled-at',
  'ami-rotator:withdrawn-at',
  'ami-rotator:shared',
];

const imageArns = (region, type) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ec2:${region}::${type}/*` });

const copyImageRole = (stage, targets) => {
  const keys = targets.filter((t) => t.kmsKeyId);
  const destinations = targets.flatMap((t) => [imageArns(t.region, 'image'), imageArns(t.region, 'snapshot')]);
  return lambdaRole(stage, 'copy-image', [
    // A retry whose client token EC2 no longer remembers finds this execution's copy by name.
    { Effect: 'Allow', Action: 'ec2:DescribeImages', Resource: '*' },
    ...(targets.length === 0
      ? []
      : [
          // The source image: CopyImage sends no resource tag for it (Service Authorization Reference, Amazon EC2,
          // CopyImage: image carries aws:RequestTag, aws:TagKeys, ec2:ImageID and ec2:Owner only), so a tag condition
          // would refuse every copy. The account's own images of this region are the narrowest it can say.
          {
            Sid: 'CopyOnlyOwnImagesOfThisRegion',
            Effect: 'Allow',
            Action: 'ec2:CopyImage',
            Resource: imageArns(HERE, 'image'),
            Condition: { StringEquals: { 'ec2:Owner': { Ref: 'AWS::AccountId' } } },
          },
          {
            Sid: 'CopiesBornManaged',
            Effect: 'Allow',
            Action: 'ec2:CopyImage',
            Resource: destinations,
            Condition: { StringEquals: { 'aws:RequestTag/ami-rotator:managed': 'true' } },
          },
          // The keys later steps or people write are never set on a copy's creation (as CreateImage's own role).
          {
            Sid: 'NeverOthersKeysOnCopies',
            Effect: 'Deny',
            Action: ['ec2:CopyImage', 'ec2:CreateTags'],
            Resource: '*',
            Condition: { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': LATER_KEYS } },
          },
          {
            Sid: 'TagCopiesOnCreation',
            Effect: 'Allow',
            Action: 'ec2:CreateTags',
            Resource: destinations,
            Condition: { StringEquals: { 'ec2:CreateAction': 'CopyImage', 'aws:RequestTag/ami-rotator:managed': 'true' } },
          },
        ]),
    ...keys.flatMap((t) => [
      {
        Sid: `GrantForTheCopy${t.region.replaceAll('-', '')}`,
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: t.kmsKeyId,
        Condition: {
          StringEquals: { 'kms:ViaService': `ec2.${t.region}.amazonaws.com` },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      },
      {
        Sid: `EncryptTheCopy${t.region.replaceAll('-', '')}`,
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
        Resource: t.kmsKeyId,
        Condition: { StringEquals: { 'kms:ViaService': `ec2.${t.region}.amazonaws.com` } },
      },
    ]),
  ]);
};

/**
 * The copy role, and the other roles' permissions in the copy regions. `roles`: infra/roles.yml's resources with the
 * stage's variables resolved (their statements are extended as they are).
 */
const distributeResources = (stage, raw, roles) => {
  const targets = targetsOf(raw);
  return {
    CopyImageRole: copyImageRole(stage, targets),
    ...(targets.length === 0
      ? {}
      : extendedPolicies(
          roles,
          targets.map((t) => t.region),
        )),
  };
};

module.exports = async ({ options, resolveVariable }) => {
  const stage = options.stage ?? 'dev';
  const publishPath = await resolveVariable('param:publishPath');
  // roles.yml's Serverless variables, resolved as the framework resolves them for the stage.
  const text = readFileSync(join(__dirname, 'roles.yml'), 'utf8').replace(/\$\{(sls:stage|param:publishPath)\}/g, (_, name) =>
    name === 'sls:stage' ? stage : publishPath,
  );
  return { Resources: distributeResources(stage, await resolveVariable('param:distribute'), parse(text).Resources) };
};
module.exports.distributeResources = distributeResources;
