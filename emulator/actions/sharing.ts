/**
 * An image's launch permissions (who may launch it) and its other attributes, as the EC2 API Reference has them:
 * ModifyImageAttribute (one attribute at a time; `LaunchPermission.Add/Remove`, or `Attribute=launchPermission`
 * with `OperationType` and `UserId.N`, `UserGroup.N`, `OrganizationArn.N`, `OrganizationalUnitArn.N`; those only with
 * that attribute; `Value` only with description or imdsSupport), DescribeImageAttribute (one attribute; a deprecated
 * `blockDeviceMapping` is refused as the reference says), ResetImageAttribute (launchPermission only). A disabled
 * image cannot be shared, and DisableImage removes every launch permission (DisableImage: "removes all launch
 * permissions from the AMI"). Account ids are 12 digits; the only group is `all`; organization and OU ARNs as AWS
 * Organizations writes them. A request that names none is refused (stricter than a silent no-op).
 */
import { ServiceError } from '../error-response.ts';
import { type LaunchPermission, reportedLastLaunch } from '../model.ts';
import { list, node, type Query, required, str, strings } from '../query.ts';
import { items } from '../xml.ts';
import { type Action, type Actions, changes, reads } from './context.ts';

const ACCOUNT = /^\d{12}$/;
const ORGANIZATION = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
const OU = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ATTRIBUTES = [
  'description',
  'kernel',
  'ramdisk',
  'launchPermission',
  'productCodes',
  'blockDeviceMapping',
  'sriovNetSupport',
  'bootMode',
  'tpmSupport',
  'uefiData',
  'lastLaunchedTime',
  'imdsSupport',
  'deregistrationProtection',
];

const invalidItem = (what: string, value: string) =>
  new ServiceError('InvalidAMIAttributeItemValue', `Invalid attribute item value "${value}" for ${what} item type.`);

/** One permission as the request names it, checked; the same one twice counts once. */
const checked = (p: LaunchPermission): LaunchPermission => {
  if (p.userId !== undefined && !ACCOUNT.test(p.userId)) throw invalidItem('userId', p.userId);
  if (p.group !== undefined && p.group !== 'all') throw invalidItem('group', p.group);
  if (p.organizationArn !== undefined && !ORGANIZATION.test(p.organizationArn)) throw invalidItem('organizationArn', p.organizationArn);
  if (p.organizationalUnitArn !== undefined && !OU.test(p.organizationalUnitArn))
    throw invalidItem('organizationalUnitArn', p.organizationalUnitArn);
  return p;
};
const same = (a: LaunchPermission, b: LaunchPermission) =>
  a.userId === b.userId &&
  a.group === b.group &&
  a.organizationArn === b.organizationArn &&
  a.organizationalUnitArn === b.organizationalUnitArn;
const named = (p: LaunchPermission): LaunchPermission =>
  Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as LaunchPermission;

const fromStructure = (entries: ReturnType<typeof list>): LaunchPermission[] =>
  entries.map((e) =>
    named({
      ...{ userId: str(e, 'UserId'), group: str(e, 'Group') },
      ...{ organizationArn: str(e, 'OrganizationArn'), organizationalUnitArn: str(e, 'OrganizationalUnitArn') },
    } as LaunchPermission),
  );

const modifyImageAttribute: Action = (q, { store }) => {
  const image = store.image(required(q, 'ImageId'));
  const attribute = str(q, 'Attribute');
  const flat = {
    userId: strings(q, 'UserId'),
    group: strings(q, 'UserGroup'),
    organizationArn: strings(q, 'OrganizationArn'),
    organizationalUnitArn: strings(q, 'OrganizationalUnitArn'),
  };
  const listed = Object.values(flat).some((v) => v.length > 0);
  const structured = node(q, 'LaunchPermission');
  const described = node(q, 'Description') !== undefined;
  if ((listed || str(q, 'OperationType') !== undefined) && attribute !== 'launchPermission')
    throw new ServiceError(
      'InvalidParameterCombination',
      'UserId, UserGroup, OrganizationArn, OrganizationalUnitArn and OperationType are only valid with the launchPermission attribute.',
    );
  // The attributes the request names, whichever way: one at a time.
  const asked = new Set([
    ...(attribute === undefined ? [] : [attribute]),
    ...(structured === undefined ? [] : ['launchPermission']),
    ...(described ? ['description'] : []),
  ]);
  if (asked.size > 1) throw new ServiceError('InvalidParameterCombination', 'Only one attribute can be modified at a time.');
  if (attribute === 'description' || described) {
    const value = str(node(q, 'Description'), 'Value') ?? str(q, 'Value');
    if (value === undefined) throw new ServiceError('MissingParameter', 'The request must contain the parameter Value');
    if (value.length > 255) throw new ServiceError('InvalidParameterValue', 'Description: expected at most 255 characters');
    image.description = value;
    return { return: true };
  }
  if (attribute !== undefined && attribute !== 'launchPermission')
    throw new ServiceError('InvalidParameterValue', `Attribute ${attribute}: only description and launchPermission are modelled`);
  let add: LaunchPermission[] = [];
  let remove: LaunchPermission[] = [];
  if (structured !== undefined) {
    add = fromStructure(list(structured, 'Add'));
    remove = fromStructure(list(structured, 'Remove'));
  } else {
    const operation = str(q, 'OperationType');
    if (operation !== 'add' && operation !== 'remove')
      throw new ServiceError('InvalidParameterValue', `OperationType: expected add or remove, got ${operation ?? 'none'}`);
    const given = Object.entries(flat).flatMap(([key, values]) => values.map((v) => ({ [key]: v }) as LaunchPermission));
    if (operation === 'add') add = given;
    else remove = given;
  }
  if (add.length + remove.length === 0)
    throw new ServiceError('MissingParameter', 'The request must name a launch permission to add or remove');
  for (const p of [...add, ...remove]) checked(p);
  if (add.length > 0 && image.state === 'disabled')
    throw new ServiceError('InvalidImage.Disabled', `The image ${image.imageId} is disabled and cannot be shared.`);
  const kept = image.launchPermissions.filter((p) => !remove.some((r) => same(p, r)));
  image.launchPermissions = [...kept, ...add.filter((a, i) => !kept.some((p) => same(p, a)) && add.findIndex((b) => same(a, b)) === i)];
  return { return: true };
};

const describeImageAttribute: Action = (q, { store, options }) => {
  const image = store.image(required(q, 'ImageId'));
  const attribute = required(q, 'Attribute');
  if (!ATTRIBUTES.includes(attribute))
    throw new ServiceError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid.`);
  if (attribute === 'blockDeviceMapping')
    throw new ServiceError('AuthFailure', 'The blockDeviceMapping attribute is deprecated: describe the image instead.');
  const value = (v: string | undefined) => (v === undefined ? {} : { value: v });
  const answers: Record<string, object> = {
    description: { description: value(image.description) },
    launchPermission: { launchPermission: items(image.launchPermissions) },
    lastLaunchedTime: { lastLaunchedTime: value(reportedLastLaunch(image, options.now())) },
    deregistrationProtection: { deregistrationProtection: value(image.deregistrationProtection ? 'enabled' : 'disabled') },
  };
  return { imageId: image.imageId, ...(answers[attribute] ?? {}) };
};

const resetImageAttribute: Action = (q, { store }) => {
  const image = store.image(required(q, 'ImageId'));
  const attribute = required(q, 'Attribute');
  if (attribute !== 'launchPermission')
    throw new ServiceError(
      'InvalidParameterValue',
      `Value (${attribute}) for parameter attribute is invalid: only launchPermission can be reset.`,
    );
  image.launchPermissions = [];
  return { return: true };
};

export const sharingActions: Actions<Query> = {
  ModifyImageAttribute: changes(modifyImageAttribute),
  DescribeImageAttribute: reads(describeImageAttribute),
  ResetImageAttribute: changes(resetImageAttribute),
};
