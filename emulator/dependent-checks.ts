/** The permissions a service checks on the caller's behalf (emulator/README.md, "IAM"), for emulator/iam.ts. */
import { list, node, type Query, str } from './query.ts';
import type { Store } from './store.ts';

export type Context = Record<string, string | string[]>;
/** One authorization AWS makes for a request: an action on a resource, with its condition keys. */
export interface Check {
  action: string;
  resource: string;
  context: Context;
  /** The resource's own policy, where the service has one that must allow too (a KMS key's key policy). */
  resourcePolicy?: Record<string, unknown>;
}

/**
 * What a service checks on the caller's behalf, beyond the action itself:
 * - DescribeImageReferences reads what references the images with the caller's permissions (EC2 User Guide,
 *   "Identify your resources referencing specified AMIs", required IAM permissions), SSM parameters through EC2
 *   (aws:CalledVia ec2-images.amazonaws.com... as the role's statement says);
 * - RunInstances with an instance profile needs iam:PassRole on its role (EC2 User Guide, "IAM roles for Amazon
 *   EC2", a profile is assumed to hold the role of the same name).
 * - CopyImage encrypted with a customer managed key uses the key as the caller, through EC2 (EC2 User Guide, "Copy an
 *   AMI", encrypted copies, and EBS User Guide, "Permissions for IAM users": kms:CreateGrant for an AWS resource,
 *   kms:Decrypt, kms:DescribeKey, kms:GenerateDataKeyWithoutPlaintext, kms:ReEncrypt*), each with kms:ViaService
 *   ec2.<region>.amazonaws.com. EBS's AWS managed key (no KmsKeyId) is allowed by its own key policy to any caller
 *   the account lets use EC2: no check.
 * The aws:ec2:image validation of PutParameter is not a refusal but a dropped value: `canDescribeImages`.
 */
export const dependentChecks = (
  service: string,
  action: string,
  params: Record<string, unknown>,
  account: string,
  region: string,
  store: Store,
): Check[] => {
  if (service !== 'ec2') return [];
  const q = params as Query;
  if (action === 'CopyImage') {
    const key = str(q, 'KmsKeyId');
    if (key === undefined || str(q, 'Encrypted') !== 'true') return [];
    const keyArn = key.startsWith('arn:') ? key : `arn:aws:kms:${region}:${account}:${key.startsWith('alias/') ? key : `key/${key}`}`;
    const via = { 'kms:ViaService': `ec2.${region}.amazonaws.com`, 'aws:CalledVia': ['ec2.amazonaws.com'] };
    // The key policy must allow too (AWS KMS Developer Guide, "Key policies": no principal uses a key the policy does
    // not allow); a key that does not exist is refused by CopyImage itself.
    const policy = store.kmsKeys.get(keyArn.split('/').pop() ?? '')?.policy;
    const keyed = policy ? { resourcePolicy: policy } : {};
    return [
      { action: 'kms:CreateGrant', resource: keyArn, context: { ...via, 'kms:GrantIsForAWSResource': 'true' }, ...keyed },
      ...['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'].map(
        (kmsAction) => ({ action: kmsAction, resource: keyArn, context: via, ...keyed }),
      ),
    ];
  }
  if (action === 'DescribeImageReferences') {
    const types = list(q, 'ResourceType').map((t) => str(t, 'ResourceType'));
    const all = str(q, 'IncludeAllResourceTypes') === 'true';
    const wants = (type: string) => all || types.includes(type);
    const viaEc2 = { 'aws:CalledVia': ['ec2-images.amazonaws.com'] };
    return [
      ...(wants('ec2:Instance') ? [{ action: 'ec2:DescribeInstances', resource: '*', context: {} }] : []),
      ...(wants('ec2:LaunchTemplate')
        ? [
            { action: 'ec2:DescribeLaunchTemplates', resource: '*', context: {} },
            { action: 'ec2:DescribeLaunchTemplateVersions', resource: '*', context: {} },
          ]
        : []),
      ...(wants('ssm:Parameter')
        ? [
            { action: 'ssm:DescribeParameters', resource: '*', context: viaEc2 },
            { action: 'ssm:GetParameters', resource: '*', context: viaEc2 },
          ]
        : []),
    ];
  }
  if (action === 'RunInstances') {
    const profile = str(node(q, 'IamInstanceProfile'), 'Name') ?? str(node(q, 'IamInstanceProfile'), 'Arn')?.split('/').pop();
    return profile
      ? [
          {
            action: 'iam:PassRole',
            resource: `arn:aws:iam::${account}:role/${profile}`,
            context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
          },
        ]
      : [];
  }
  return [];
};
