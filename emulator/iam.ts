/**
 * IAM as AWS applies it to a call: the caller is told by the access key the request is signed with; a key
 * that names a role of `settings.principals` has every call evaluated against that role's policies with an
 * IAM policy evaluator (@cloud-copilot/iam-simulate); any other key (a test's own client, an operator) is
 * not checked. What each action is authorized against, and with which condition keys, follows the Service
 * Authorization Reference (Amazon EC2, AWS Systems Manager, Amazon EC2 Auto Scaling, Recycle Bin); the
 * permissions a service checks on the caller's behalf are in `dependentChecks` (emulator/README.md, "IAM").
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { type NamedCheck, referenceChecks } from './authorization-reference.ts';
import { type Check, type Context, dependentChecks } from './dependent-checks.ts';
import { wildcard } from './listing.ts';
import { node, type Query, str, strings, tagList, tagSpecifications } from './query.ts';
import type { Store } from './store.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Principal {
  arn: string;
  policies: { name: string; policy: { Version: string; Statement: Json[] } }[];
}
export interface IamSettings {
  /** Access key id → the role it stands for. */
  principals: Readonly<Record<string, Principal>>;
  accountId: string;
}

/** The access key id of a SigV4-signed request (Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/...). */
const accessKeyOf = (authorization: string | undefined): string | undefined => /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];

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
  service: 'ec2' | 'ssm' | 'autoscaling' | 'rbin',
  action: string,
  params: Record<string, unknown>,
  store: Store,
  region: string,
  account: string,
  storeIn?: ((region: string) => Store) | undefined,
): NamedCheck[] => {
  if (service === 'ec2') return ec2Checks(action, params as Query, store, region, account, storeIn);
  if (service === 'ssm') return ssmChecks(action, params, store, region, account);
  if (service === 'rbin' && action === 'ListRules')
    return [{ action: 'rbin:ListRules', resource: '*', context: { 'rbin:Request/ResourceType': String(params.ResourceType ?? '') } }];
  if (service === 'rbin' && action === 'GetRule')
    return [{ action: 'rbin:GetRule', resource: `arn:aws:rbin:${region}:${account}:rule/${String(params.Identifier ?? '')}`, context: {} }];
  return [];
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
  service: 'ec2' | 'ssm' | 'autoscaling' | 'rbin';
  action: string;
  params: Record<string, unknown>;
  store: Store;
  region: string;
  account: string;
  storeIn?: ((region: string) => Store) | undefined;
}): Promise<Check[]> => {
  const { service, action, params, store, region, account, storeIn } = request;
  const specs = service === 'ec2' ? tagSpecifications(params as Query) : undefined;
  return asAwsChecks(
    `${service}:${action}`,
    [
      ...checksFor(service, action, params, store, region, account, storeIn),
      ...dependentChecks(service, action, params, account, region, store),
    ],
    {
      region,
      account,
      ...(specs ? { requested: (type: string) => ({ 'ec2:Region': region, ...requestTags(specs.get(type) ?? []) }) } : {}),
    },
  );
};

/** Decisions already made, per principal: policies do not change while an emulator runs, and runs repeat their calls. */
const decided = new WeakMap<Principal, Map<string, boolean>>();

const asList = (value: Json | undefined): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];

/**
 * A resource AWS owns has no account in its ARN (`arn:aws:ssm:us-east-1::document/AWS-RunPatchBaseline`), which the
 * simulator cannot type (its SSM document pattern needs an account). Such a request is decided here the way IAM decides it
 * for identity policies: allowed when a statement without conditions allows the action on a matching resource and no
 * statement denies it. Conditions on such a statement are not evaluated: it is not taken as allowing.
 */
const allowsOwnedByAws = (principal: Principal, check: Check): boolean => {
  const statements = principal.policies.flatMap((p) => p.policy.Statement) as Record<string, Json | undefined>[];
  const applies = (st: Record<string, Json | undefined>) =>
    // Actions match without regard to case, resources with (IAM User Guide, "IAM JSON policy elements: Action", "Resource").
    asList(st.Action).some((a) => wildcard(a, 'si').test(check.action)) &&
    asList(st.Resource).some((r) => wildcard(r).test(check.resource));
  // A Deny written with NotAction or NotResource is not matched here: it is taken as denying (the stricter reading).
  if (statements.some((st) => st.Effect === 'Deny' && (applies(st) || st.NotAction !== undefined || st.NotResource !== undefined)))
    return false;
  return statements.some((st) => st.Effect === 'Allow' && st.Condition === undefined && applies(st));
};

const allows = async (principal: Principal, check: Check, account: string, region: string): Promise<boolean> => {
  const memo = decided.get(principal) ?? new Map<string, boolean>();
  decided.set(principal, memo);
  const key = JSON.stringify([check, region]);
  const known = memo.get(key);
  if (known !== undefined) return known;
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: check.action,
        resource: { resource: check.resource, accountId: check.resource.split(':')[4] || account },
        contextVariables: { 'aws:RequestedRegion': region, ...check.context },
      },
      ...(check.resourcePolicy ? { resourcePolicy: check.resourcePolicy } : {}),
      identityPolicies: principal.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  // An ARN without an account whose type the simulator's patterns cannot match (an AWS-owned SSM document).
  const untyped = result.resultType === 'error' && JSON.stringify(result.errors).includes('no.resource.types');
  if (untyped && check.resource.split(':')[4] === '') {
    const allowed = allowsOwnedByAws(principal, check);
    memo.set(key, allowed);
    return allowed;
  }
  if (result.resultType === 'error')
    throw new Error(`IAM evaluation failed for ${JSON.stringify(check)}: ${JSON.stringify(result.errors)}`);
  const allowed = result.overallResult === 'Allowed';
  memo.set(key, allowed);
  return allowed;
};

/** The first check the principal's policies do not allow, or undefined when every one is allowed. */
const firstDenied = async (principal: Principal, checks: readonly Check[], account: string, region: string): Promise<Check | undefined> => {
  for (const check of checks) if (!(await allows(principal, check, account, region))) return check;
  return undefined;
};

/** AWS's words for a refusal, naming the role, the action and the resource. */
const deniedMessage = (principal: Principal, check: Check): string =>
  `User: ${principal.arn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/local is not authorized to perform: ${check.action} on resource: ${check.resource} because no identity-based policy allows the ${check.action} action`;

export type Authorization =
  | { allowed: true; callerMayDescribeImages?: boolean }
  | { allowed: false; status: number; code: string; message: string };

/**
 * One request's authorization: allowed when the caller is none of the stack's roles; otherwise every check of the
 * action and of what the service checks on the caller's behalf. For SSM's asynchronous validation of an
 * aws:ec2:image value, whether the caller may describe images (Systems Manager User Guide, "Native parameter
 * support for Amazon Machine Image IDs"): without it, the value is dropped, not refused.
 */
export const authorize = async (
  settings: IamSettings | undefined,
  authorizationHeader: string | undefined,
  request: {
    service: 'ec2' | 'ssm' | 'autoscaling' | 'rbin';
    status: number;
    code: string;
    action: string;
    params: Record<string, unknown>;
    store: Store;
    region: string;
    /** The account in another region (a copy's source). */
    storeIn?: ((region: string) => Store) | undefined;
  },
): Promise<Authorization> => {
  const key = accessKeyOf(authorizationHeader);
  const principal = key === undefined ? undefined : settings?.principals[key];
  if (!settings || !principal) return { allowed: true };
  const { service, action, params, store, region, storeIn } = request;
  const account = settings.accountId;
  const checks = await awsChecksFor({ service, action, params, store, region, account, storeIn });
  const denied = await firstDenied(principal, checks, account, region);
  if (denied) return { allowed: false, status: request.status, code: request.code, message: deniedMessage(principal, denied) };
  if (service !== 'ssm' || action !== 'PutParameter' || params.DataType !== 'aws:ec2:image') return { allowed: true };
  const describe = [{ action: 'ec2:DescribeImages', resource: '*', context: {} }];
  return { allowed: true, callerMayDescribeImages: (await firstDenied(principal, describe, account, region)) === undefined };
};

/**
 * A call to another service the local run serves (the wait table's DynamoDB, the local Step Functions endpoint), by
 * the checks the caller names: allowed when the key is none of the stack's roles, else each check evaluated as for EC2.
 */
export const authorizeChecks = async (
  settings: IamSettings | undefined,
  authorizationHeader: string | undefined,
  checks: readonly Check[],
  region: string,
): Promise<{ allowed: true } | { allowed: false; message: string }> => {
  const key = accessKeyOf(authorizationHeader);
  const principal = key === undefined ? undefined : settings?.principals[key];
  if (!settings || !principal || checks.length === 0) return { allowed: true };
  const strict = await asAwsChecks(checks[0]?.action ?? '', checks, { region, account: settings.accountId });
  const denied = await firstDenied(principal, strict, settings.accountId, region);
  return denied ? { allowed: false, message: deniedMessage(principal, denied) } : { allowed: true };
};

/** The region a SigV4-signed request is signed for (its credential scope: AKID/date/region/service/aws4_request). */
export const signedRegionOf = (authorization: string | undefined): string | undefined =>
  /Credential=[^/,\s]+\/\d{8}\/([^/]+)\//.exec(authorization ?? '')?.[1];
