/**
 * Systems Manager Parameter Store, as much as ami-rotator publishes with: PutParameter, GetParameter,
 * GetParameters and DescribeParameters over the AWS JSON 1.1 protocol (`X-Amz-Target: AmazonSSM.<Action>`),
 * with the limits the SSM API reference states. An `aws:ec2:image` value is validated asynchronously, as
 * SSM does ("Native parameter support for Amazon Machine Image IDs"): PutParameter answers at once, reads
 * see the new value only once EC2 has validated it, and a value naming no image is dropped without an error.
 */

import { ServiceError } from '../error-response.ts';
import type { SsmParameter } from '../model.ts';
import type { Store } from '../store.ts';
import type { ActionContext, EmulatorOptions } from './context.ts';
import { type Action, type Actions, changes, reads } from './context.ts';
import { runCommandActions } from './run-command.ts';

type SsmAction = Action<Record<string, unknown>>;

type Body = Record<string, unknown>;

// PutParameter, Name: 1 to 2048 characters of a-zA-Z0-9_.-/; not beginning with aws or ssm (any case); a name
// with a slash is fully qualified (begins with one); at most 15 levels. Value: at most 4096 characters (standard tier).
const NAME = /^[a-zA-Z0-9_.\-/]{1,2048}$/;
const MAX_LEVELS = 15;
const MAX_VALUE = 4096;
const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;

const name = (body: Body, field = 'Name'): string => {
  const value = body[field];
  if (typeof value !== 'string')
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value null at '${field.toLowerCase()}' failed to satisfy constraint: Member must not be null`,
    );
  if (!NAME.test(value))
    throw new ServiceError(
      'ValidationException',
      `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive) and must only contain a-zA-Z0-9_.-/ (${value})`,
    );
  const bare = value.replace(/^\//, '');
  if (/^(aws|ssm)/i.test(bare))
    throw new ServiceError('ValidationException', `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). (${value})`);
  if (value.includes('/') && !value.startsWith('/'))
    throw new ServiceError('ValidationException', `Parameter name must be a fully qualified name. (${value})`);
  if (value.split('/').filter(Boolean).length > MAX_LEVELS)
    throw new ServiceError('HierarchyLevelLimitExceededException', `A hierarchy can have a maximum of ${MAX_LEVELS} levels.`);
  return value;
};

/**
 * An image the account may name in an `aws:ec2:image` parameter: its own, or one the image account (the emulator's own)
 * shares with it in this region, by its account, its OU, its organization or publicly (ModifyImageAttribute launchPermission).
 */
const usableBy = (ctx: ActionContext, imageId: string): boolean => {
  if (ctx.store.images.has(imageId)) return true;
  const account = ctx.account;
  const image = account === undefined ? undefined : ctx.imageAccount?.images.get(imageId);
  if (!image || account === undefined) return false;
  const ou = ctx.organization?.ouArnOf(account);
  return image.launchPermissions.some(
    (p) =>
      p.userId === account ||
      p.group === 'all' ||
      (p.organizationArn !== undefined && ctx.organization?.isMember(account) === true && p.organizationArn === ctx.organization.arn) ||
      (p.organizationalUnitArn !== undefined && p.organizationalUnitArn === ou),
  );
};

/** A read: an `aws:ec2:image` write under validation becomes the value once its reads run out, unless dropped. */
const read = (parameter: SsmParameter): SsmParameter => {
  const pending = parameter.pending;
  if (pending && !pending.dropped) {
    pending.readsLeft -= 1;
    if (pending.readsLeft < 0) {
      parameter.value = pending.value;
      parameter.pending = undefined;
    }
  }
  return parameter;
};

const found = (store: Store, wanted: string): SsmParameter => {
  const parameter = store.parameters.get(wanted);
  if (!parameter) throw new ServiceError('ParameterNotFound', `Parameter ${wanted} not found.`);
  return parameter;
};

const arnOf = (options: EmulatorOptions, parameterName: string) =>
  `arn:aws:ssm:${options.region}:123456789012:parameter/${parameterName.replace(/^\//, '')}`;
/** A SecureString's value as a read without WithDecryption returns it: KMS ciphertext, never the clear text. */
const sealed = (value: string) => `AQICAH${Buffer.from(value).toString('base64')}`;
const shape = (p: SsmParameter, options: EmulatorOptions, withValue: boolean, decrypt = false) => ({
  Name: p.name,
  Type: p.type ?? 'String',
  ...(withValue ? { Value: p.type === 'SecureString' && !decrypt ? sealed(p.value) : p.value, ARN: arnOf(options, p.name) } : {}),
  Version: p.version,
  LastModifiedDate: Date.parse(p.lastModified) / 1000,
  DataType: p.dataType,
});

const putParameter: SsmAction = (body, ctx) => {
  const { store, faults, options, callerMayDescribeImages } = ctx;
  const parameterName = name(body);
  const value = body.Value;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE)
    throw new ServiceError('ValidationException', `Value: expected 1 to ${MAX_VALUE} characters`);
  const existing = store.parameters.get(parameterName);
  // "Type: ... Required: No", but "You must specify a parameter type when you create a parameter" (PutParameter, Type).
  if (body.Type === undefined && !existing)
    throw new ServiceError('ValidationException', 'A parameter type is required when you create a parameter.');
  const type = body.Type ?? existing?.type ?? 'String';
  if (type !== 'String' && type !== 'StringList' && type !== 'SecureString')
    throw new ServiceError('ValidationException', `Type: expected String, StringList or SecureString`);
  const dataType = body.DataType ?? 'text';
  if (dataType !== 'text' && dataType !== 'aws:ec2:image' && dataType !== 'aws:ssm:integration')
    throw new ServiceError('ValidationException', `DataType: expected text, aws:ec2:image or aws:ssm:integration`);
  if (dataType === 'aws:ec2:image' && type !== 'String')
    throw new ServiceError('ValidationException', 'The aws:ec2:image data type is supported only for the String parameter type.');
  if (dataType === 'aws:ec2:image' && !AMI_ID.test(value))
    throw new ServiceError('ValidationException', `Parameter value ${value} is not a valid AMI ID.`);
  if (dataType === 'aws:ssm:integration')
    throw new ServiceError('ValidationException', 'aws:ssm:integration: not modelled by the emulator');
  if (existing && body.Overwrite !== true)
    throw new ServiceError(
      'ParameterAlreadyExists',
      'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
    );
  const lastModified = options.now().toISOString();
  const version = (existing?.version ?? 0) + 1;
  const entry = { version, value, type, dataType, lastModified };
  if (dataType === 'aws:ec2:image') {
    // Validated later: an image that does not exist, or a write the fault plan drops, never becomes readable, and
    // "the parameter will not be created or updated" (its version and data type stay); a new parameter whose first
    // value is dropped never exists. SSM validates with the caller's own ec2:DescribeImages: without it, dropped too.
    const dropped = !usableBy(ctx, value) || callerMayDescribeImages === false || faults.takeParameterDrop();
    if (dropped) return { Version: version, Tier: 'Standard' };
    const pending = { value, readsLeft: options.parameterValidationReads, dropped };
    if (existing)
      Object.assign(existing, { dataType, type, version, lastModified, pending, history: [...(existing.history ?? []), entry] });
    else
      store.parameters.set(parameterName, {
        name: parameterName,
        value: '',
        dataType,
        type,
        version,
        lastModified,
        pending,
        history: [entry],
      });
    return { Version: version, Tier: 'Standard' };
  }
  const history = [...(existing?.history ?? []), entry];
  store.parameters.set(parameterName, {
    name: parameterName,
    value,
    dataType: 'text',
    type,
    version,
    lastModified,
    pending: undefined,
    history,
  });
  return { Version: version, Tier: 'Standard' };
};

const getParameter: SsmAction = (body, { store, options }) => {
  const parameter = read(found(store, name(body)));
  // A new parameter whose first value is still being validated is not there yet.
  if (parameter.value === '' && parameter.pending) throw new ServiceError('ParameterNotFound', `Parameter ${parameter.name} not found.`);
  return { Parameter: shape(parameter, options, true, body.WithDecryption === true) };
};

// GetParameterHistory: every version written, oldest first; MaxResults 1 to 50 (API reference).
const getParameterHistory: SsmAction = (body, { store, options }) => {
  const parameter = found(store, name(body));
  const max = body.MaxResults ?? 50;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50)
    throw new ServiceError('ValidationException', 'MaxResults: expected 1 to 50');
  const start = typeof body.NextToken === 'string' ? Number(body.NextToken) : 0;
  const all = parameter.history ?? [
    {
      version: parameter.version,
      value: parameter.value,
      type: parameter.type ?? 'String',
      dataType: parameter.dataType,
      lastModified: parameter.lastModified,
    },
  ];
  const page = all.slice(start, start + max);
  return {
    Parameters: page.map((h) => ({
      Name: parameter.name,
      Type: h.type,
      Value: h.type === 'SecureString' && body.WithDecryption !== true ? sealed(h.value) : h.value,
      Version: h.version,
      LastModifiedDate: Date.parse(h.lastModified) / 1000,
      DataType: h.dataType,
      ARN: arnOf(options, parameter.name),
    })),
    ...(start + max < all.length ? { NextToken: String(start + max) } : {}),
  };
};

// GetParameters: 1 to 10 names; names not found are listed in InvalidParameters.
const getParameters: SsmAction = (body, { store, options }) => {
  const names = body.Names;
  if (!Array.isArray(names) || names.length < 1 || names.length > 10 || !names.every((n) => typeof n === 'string'))
    throw new ServiceError('ValidationException', 'Names: expected 1 to 10 parameter names');
  const parameters = names.flatMap((n) => {
    const p = store.parameters.get(n);
    return p && read(p).value !== '' ? [shape(p, options, true, body.WithDecryption === true)] : [];
  });
  return { Parameters: parameters, InvalidParameters: names.filter((n) => !parameters.some((p) => p.Name === n)) };
};

// DescribeParameters: metadata without values; ParameterFilters Name with Option Equals (the only filter
// modelled), MaxResults 1 to 50.
const describeParameters: SsmAction = (body, { store, options }) => {
  const max = body.MaxResults ?? 50;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50)
    throw new ServiceError('ValidationException', 'MaxResults: expected 1 to 50');
  const filters = (body.ParameterFilters ?? []) as { Key?: string; Option?: string; Values?: string[] }[];
  for (const f of filters) {
    if (f.Key !== 'Name' || (f.Option ?? 'Equals') !== 'Equals' || !Array.isArray(f.Values))
      throw new ServiceError('ValidationException', 'ParameterFilters: the emulator models Key Name with Option Equals only');
  }
  const wanted = filters.flatMap((f) => f.Values ?? []);
  const matching = [...store.parameters.values()].filter((p) => p.version > 0 && (wanted.length === 0 || wanted.includes(p.name)));
  return { Parameters: matching.slice(0, max).map((p) => shape(p, options, false)) };
};

export const ssmActions: Actions = {
  ...runCommandActions,
  PutParameter: changes(putParameter),
  GetParameter: reads(getParameter),
  GetParameters: reads(getParameters),
  GetParameterHistory: reads(getParameterHistory),
  DescribeParameters: reads(describeParameters),
};
