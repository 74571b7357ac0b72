/**
 * What a request names, as the emulator knows it (the resources and all it knows of each: tags, owner, id), and the
 * checks AWS makes of it: placed on the Service Authorization Reference's resource types and cut to its condition keys
 * (emulator/authorization-reference.ts). emulator/iam.ts evaluates them as the caller.
 */
import { type NamedCheck, referenceChecks } from './authorization-reference.ts';
import { type Check, type Context, dependentChecks } from './dependent-checks.ts';
import type { Organization } from './organization.ts';
import { node, type Query, str, strings, tagList, tagSpecifications } from './query.ts';
import type { Store } from './store.ts';

type Tags = readonly { key: string; value: string }[];
const resourceTags = (tags: Tags | undefined): Context =>
  Object.fromEntries((tags ?? []).map((t) => [`aws:ResourceTag/${t.key}`, t.value]));
/** What a request asks to tag with: aws:RequestTag/<key> for each, and aws:TagKeys (absent when it names no key). */
const requestTags = (tags: readonly { key: string; value: string }[]): Context => ({
  ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.key}`, t.value])),
  ...(tags.length > 0 ? { 'aws:TagKeys': tags.map((t) => t.key) } : {}),
});

/** Everything EC2 could know of an existing resource: the Service Authorization Reference decides what it sends. */
const ec2Known = (tags: Tags | undefined): Context => ({
  ...resourceTags(tags),
  ...Object.fromEntries((tags ?? []).map((t) => [`ec2:ResourceTag/${t.key}`, t.value])),
});

/** How ARNs and resource tags are read for the account and region a request is signed for. */
const arns = (store: Store, region: string, account: string) => {
  const tagsOf = (id: string): Tags | undefined => {
    try {
      return store.taggable(id).tags;
    } catch {
      return undefined;
    }
  };
  const existing = (resource: string, tags: Tags | undefined, extra: Context = {}) => ({
    resource,
    context: { ...ec2Known(tags), ...extra },
    missing: tags === undefined,
  });
  const image = (id: string) => {
    const found = store.images.get(id);
    return existing(
      `arn:aws:ec2:${region}::image/${id}`,
      found?.tags,
      found
        ? {
            'ec2:ImageID': id,
            'ec2:Owner': found.ownerId,
            'ec2:ImageType': 'machine',
            'ec2:RootDeviceType': found.rootDeviceType,
            'ec2:Public': found.launchPermissions.some((p) => p.group === 'all') ? 'true' : 'false',
          }
        : {},
    );
  };
  const snapshot = (id: string) => {
    const found = store.snapshots.get(id);
    return existing(
      `arn:aws:ec2:${region}::snapshot/${id}`,
      found?.tags,
      found ? { 'ec2:SnapshotID': id, 'ec2:Owner': found.ownerId, 'ec2:VolumeSize': String(found.volumeSize) } : {},
    );
  };
  const instance = (id: string) =>
    existing(`arn:aws:ec2:${region}:${account}:instance/${id}`, store.instances.get(id)?.tags, { 'ec2:InstanceID': id });
  return {
    image,
    snapshot,
    instance,
    launchTemplate: (id: string) => existing(`arn:aws:ec2:${region}:${account}:launch-template/${id}`, store.launchTemplates.get(id)?.tags),
    /** Any EC2 resource by its id's prefix. */
    byId: (id: string) => {
      const prefix = id.split('-')[0];
      if (prefix === 'ami') return image(id);
      if (prefix === 'snap') return snapshot(id);
      if (prefix === 'i') return instance(id);
      const type = { lt: 'launch-template', vol: 'volume' }[prefix ?? ''] ?? 'resource';
      return existing(`arn:aws:ec2:${region}:${account}:${type}/${id}`, tagsOf(id));
    },
  };
};

const templateOf = (store: Store, q: Query): string | undefined => {
  const id = str(q, 'LaunchTemplateId');
  if (id) return id;
  const name = str(q, 'LaunchTemplateName');
  return [...store.launchTemplates.values()].find((t) => t.launchTemplateName === name)?.launchTemplateId;
};

/** What EC2 authorizes a request against (Service Authorization Reference, Amazon EC2, "Actions"). */
const ec2Checks = (
  action: string,
  q: Query,
  store: Store,
  region: string,
  account: string,
  storeIn?: ((region: string) => Store) | undefined,
): NamedCheck[] => {
  const at = arns(store, region, account);
  // A resource that does not exist (or no longer does) is not authorized against: the action answers for it with
  // its own NotFound or Unavailable, as EC2 does once it cannot read the tags a condition asks for.
  const one = (r: { resource: string; context: Context; missing?: boolean }, extra: Context = {}): NamedCheck[] => [
    { action: `ec2:${action}`, resource: r.resource, context: { ...r.context, ...extra }, ...(r.missing ? { absent: true } : {}) },
  ];
  const specs = tagSpecifications(q);
  /** Tags on creation: the create action on each new resource, and ec2:CreateTags with ec2:CreateAction (EC2 User Guide, "Grant permission to tag resources during creation"). */
  const created = (type: string, resource: string, extra: Context = {}): NamedCheck[] => {
    const tags = specs.get(type) ?? [];
    return [
      { action: `ec2:${action}`, resource, context: { ...requestTags(tags), ...extra } },
      ...(tags.length > 0 ? [{ action: 'ec2:CreateTags', resource, context: { ...requestTags(tags), 'ec2:CreateAction': action } }] : []),
    ];
  };
  switch (action) {
    case 'CreateImage':
      return [
        ...one(at.instance(str(q, 'InstanceId') ?? '')),
        ...created('image', `arn:aws:ec2:${region}::image/*`),
        ...created('snapshot', `arn:aws:ec2:${region}::snapshot/*`),
      ];
    // CopyImage: the source image in its region, with its tags there (resource-level permissions on the source since
    // October 2024: EC2 User Guide, "Grant permissions to copy Amazon EC2 AMIs"), and the new image and snapshots with
    // their tags on creation. The KMS permissions of an encrypted copy are in `dependentChecks`.
    case 'CopyImage': {
      const sourceRegion = str(q, 'SourceRegion') ?? region;
      return [
        ...one(arns(storeIn?.(sourceRegion) ?? store, sourceRegion, account).image(str(q, 'SourceImageId') ?? '')),
        ...created('image', `arn:aws:ec2:${region}::image/*`),
        ...created('snapshot', `arn:aws:ec2:${region}::snapshot/*`),
      ];
    }
    case 'CreateTags':
    case 'DeleteTags': {
      const tags = tagList(q);
      // DeleteTags knows aws:TagKeys only (no aws:RequestTag), absent when the request names no key.
      const asked = action === 'CreateTags' ? requestTags(tags) : tags.length > 0 ? { 'aws:TagKeys': tags.map((t) => t.key) } : {};
      return strings(q, 'ResourceId').flatMap((id) => one(at.byId(id), asked));
    }
    case 'ModifyImageAttribute':
    case 'ResetImageAttribute': {
      const attribute =
        str(q, 'Attribute') ?? (Object.keys(q).some((k) => k.startsWith('LaunchPermission')) ? 'launchPermission' : undefined);
      return one(at.image(str(q, 'ImageId') ?? ''), attribute ? { 'ec2:Attribute': attribute } : {});
    }
    // The report itself (image-usage-report) is the reference's second required resource type: referenceChecks adds it.
    case 'CreateImageUsageReport':
    case 'DeregisterImage':
    case 'DescribeImageAttribute':
    case 'DisableImage':
    case 'EnableImage':
    case 'EnableImageDeprecation':
    case 'DisableImageDeprecation':
      return one(at.image(str(q, 'ImageId') ?? ''));
    case 'DeleteSnapshot':
      return one(at.snapshot(str(q, 'SnapshotId') ?? ''));
    case 'TerminateInstances':
    case 'StopInstances':
    case 'StartInstances':
      return strings(q, 'InstanceId').flatMap((id) => one(at.instance(id)));
    case 'CreateLaunchTemplateVersion':
    case 'ModifyLaunchTemplate':
      return one(at.launchTemplate(templateOf(store, q) ?? 'unknown'));
    case 'DescribeImageReferences':
      return strings(q, 'ImageId').flatMap((id) => one(at.image(id)));
    case 'RunInstances': {
      const subnet = str(q, 'SubnetId');
      const groups = strings(q, 'SecurityGroupId');
      return [
        ...one(at.image(str(q, 'ImageId') ?? '')),
        // IMDSv2 or not: ec2:MetadataHttpTokens on the instance (EC2 User Guide, "Require the use of IMDSv2").
        ...created('instance', `arn:aws:ec2:${region}:${account}:instance/*`, {
          'ec2:MetadataHttpTokens': str(node(q, 'MetadataOptions'), 'HttpTokens') ?? 'optional',
        }),
        ...created('volume', `arn:aws:ec2:${region}:${account}:volume/*`),
        ...one({ resource: `arn:aws:ec2:${region}:${account}:network-interface/*`, context: {} }),
        ...(subnet ? one({ resource: `arn:aws:ec2:${region}:${account}:subnet/${subnet}`, context: {} }) : []),
        ...groups.flatMap((g) => one({ resource: `arn:aws:ec2:${region}:${account}:security-group/${g}`, context: {} })),
      ];
    }
    default:
      // The rest name no resource the emulator knows: referenceChecks evaluates them as the reference says.
      return [];
  }
};

/** What Systems Manager authorizes (Service Authorization Reference, AWS Systems Manager). */
const ssmChecks = (action: string, body: Record<string, unknown>, store: Store, region: string, account: string): NamedCheck[] => {
  const parameter = (name: unknown) =>
    `arn:aws:ssm:${region}:${account}:parameter${String(name).startsWith('/') ? '' : '/'}${String(name)}`;
  switch (action) {
    case 'PutParameter': {
      const tags = Array.isArray(body.Tags) ? (body.Tags as { Key?: unknown; Value?: unknown }[]) : [];
      const asked = requestTags(tags.map((t) => ({ key: String(t.Key), value: String(t.Value ?? '') })));
      return [
        {
          action: 'ssm:PutParameter',
          resource: parameter(body.Name),
          context: { ...asked, 'ssm:Overwrite': String(body.Overwrite === true) },
        },
      ];
    }
    case 'GetParameter':
    case 'GetParameterHistory':
      return [{ action: `ssm:${action}`, resource: parameter(body.Name), context: {} }];
    case 'GetParameters':
      return (Array.isArray(body.Names) ? body.Names : []).map((n) => ({
        action: 'ssm:GetParameters',
        resource: parameter(n),
        context: {},
      }));
    case 'SendCommand': {
      const document = String(body.DocumentName ?? '');
      // AWS-owned documents have no account in their ARN.
      const documentArn = document.startsWith('AWS-')
        ? `arn:aws:ssm:${region}::document/${document}`
        : `arn:aws:ssm:${region}:${account}:document/${document}`;
      const instances = Array.isArray(body.InstanceIds) ? body.InstanceIds.map(String) : [];
      return [
        { action: 'ssm:SendCommand', resource: documentArn, context: {} },
        ...instances.map((id) => ({
          action: 'ssm:SendCommand',
          resource: `arn:aws:ec2:${region}:${account}:instance/${id}`,
          context: resourceTags(store.instances.get(id)?.tags),
        })),
      ];
    }
    default:
      return [];
  }
};

/** The checks for a request of any service the emulator speaks. */
const checksFor = (
  service: 'ec2' | 'ssm' | 'autoscaling' | 'rbin' | 'sts' | 'organizations',
  action: string,
  params: Record<string, unknown>,
  store: Store,
  region: string,
  account: string,
  storeIn?: ((region: string) => Store) | undefined,
  organization?: Organization,
): NamedCheck[] => {
  if (service === 'ec2') return ec2Checks(action, params as Query, store, region, account, storeIn);
  if (service === 'ssm') return ssmChecks(action, params, store, region, account);
  if (service === 'sts' && action === 'AssumeRole') return assumeRoleChecks(params as Query, account, organization);
  if (service === 'organizations' && action === 'ListAccountsForParent' && organization) {
    const parent = String(params.ParentId ?? '');
    const kind = parent.startsWith('ou-') ? 'ou' : 'root';
    return [
      {
        action: 'organizations:ListAccountsForParent',
        resource: `arn:aws:organizations::${organization.managementAccount}:${kind}/${organization.id}/${parent}`,
        context: {},
        // Another account than the management account reads through the delegation policy.
        resourcePolicy: organization.delegationPolicy(),
      },
    ];
  }
  if (service === 'rbin' && action === 'ListRules')
    return [{ action: 'rbin:ListRules', resource: '*', context: { 'rbin:Request/ResourceType': String(params.ResourceType ?? '') } }];
  if (service === 'rbin' && action === 'GetRule')
    return [{ action: 'rbin:GetRule', resource: `arn:aws:rbin:${region}:${account}:rule/${String(params.Identifier ?? '')}`, context: {} }];
  return [];
};

/**
 * AssumeRole is allowed when the caller's policies allow it on the role and the role's trust policy allows the caller
 * (IAM User Guide, "Cross account resource access in IAM": both sides). A role that does not exist has no trust policy
 * that could allow: refused the same way (AccessDenied). The trust policy sees the external id given and the caller's
 * organization (`aws:PrincipalOrgID`).
 */
const assumeRoleChecks = (q: Query, account: string, organization: Organization | undefined): NamedCheck[] => {
  const roleArn = str(q, 'RoleArn') ?? '';
  const role = organization?.roleOf(roleArn);
  const externalId = str(q, 'ExternalId');
  return [
    {
      action: 'sts:AssumeRole',
      resource: roleArn,
      context: {
        ...(externalId === undefined ? {} : { 'sts:ExternalId': externalId }),
        ...(organization?.isMember(account) ? { 'aws:PrincipalOrgID': organization.id } : {}),
      },
      resourcePolicy: role?.trust ?? { Version: '2012-10-17', Statement: [] },
    },
  ];
};

/**
 * The checks as AWS makes them: for the request's own action and for each action checked on the caller's behalf, what
 * the emulator knows placed on the Service Authorization Reference's resource types, and cut to its condition keys
 * (emulator/authorization-reference.ts). EC2 adds `ec2:Region` and asks for new resources with their tags.
 */
export const asAwsChecks = async (
  qualified: string,
  named: readonly NamedCheck[],
  at: { region: string; account: string; requested?: (resourceType: string) => Context },
): Promise<Check[]> => {
  const actions = [...new Set([qualified, ...named.map((c) => c.action)])];
  const regional = (c: NamedCheck): NamedCheck =>
    c.action.startsWith('ec2:') ? { ...c, context: { 'ec2:Region': at.region, ...c.context } } : c;
  const grouped = await Promise.all(
    actions.map((a) =>
      referenceChecks(
        a,
        named.filter((c) => c.action === a).map(regional),
        a === qualified ? at : { region: at.region, account: at.account },
      ),
    ),
  );
  return grouped.flat();
};

/** Every check AWS makes for one request of a service the emulator evaluates: the action's and those on the caller's behalf. */
export const awsChecksFor = async (request: {
  service: 'ec2' | 'ssm' | 'autoscaling' | 'rbin' | 'sts' | 'organizations';
  action: string;
  params: Record<string, unknown>;
  store: Store;
  region: string;
  account: string;
  storeIn?: ((region: string) => Store) | undefined;
  organization?: Organization | undefined;
}): Promise<Check[]> => {
  const { service, action, params, store, region, account, storeIn, organization } = request;
  const specs = service === 'ec2' ? tagSpecifications(params as Query) : undefined;
  return asAwsChecks(
    `${service}:${action}`,
    [
      ...checksFor(service, action, params, store, region, account, storeIn, organization),
      ...dependentChecks(service, action, params, account, region, store),
    ],
    {
      region,
      account,
      ...(specs ? { requested: (type: string) => ({ 'ec2:Region': region, ...requestTags(specs.get(type) ?? []) }) } : {}),
    },
  );
};
