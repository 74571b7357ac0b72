import { ServiceError } from '../error-response.ts';
import { checkCount } from '../limits.ts';
import { paginate } from '../listing.ts';
import type { Query } from '../query.ts';
import { bool, int, list, str, strings } from '../query.ts';
import { ACCOUNT_ID } from '../store.ts';
import { items } from '../xml.ts';
import { type Action, type Actions, reads } from './context.ts';

interface Reference {
  imageId: string;
  resourceType: string;
  arn: string;
}

const SUPPORTED = ['ec2:Instance', 'ec2:LaunchTemplate', 'ssm:Parameter', 'imagebuilder:ImageRecipe', 'imagebuilder:ContainerRecipe'];
// API reference, ResourceTypeOption: state-name for ec2:Instance (pending | running | shutting-down | terminated |
// stopping | stopped), version-depth for ec2:LaunchTemplate ("Integers between 1 and 10000", default 10);
// ResourceTypeRequest: options are "valid only when ResourceType is ec2:Instance or ec2:LaunchTemplate".
const OPTIONS: Record<string, { name: string; valid: (value: string) => boolean }> = {
  'ec2:Instance': {
    name: 'state-name',
    valid: (v) => ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'].includes(v),
  },
  'ec2:LaunchTemplate': { name: 'version-depth', valid: (v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 10_000 },
};

const checkOptions = (type: string, opts: ReadonlyMap<string, string[]>): void => {
  for (const [name, values] of opts) {
    const option = OPTIONS[type];
    if (option === undefined || option.name !== name)
      throw new ServiceError('InvalidParameterValue', `Option '${name}' is not valid for resource type '${type}'`);
    if (values.length === 0 || (option.name === 'version-depth' && values.length !== 1))
      throw new ServiceError(
        'InvalidParameterValue',
        `Option '${name}' needs ${option.name === 'version-depth' ? 'one value' : 'a value'}`,
      );
    const bad = values.find((v) => !option.valid(v));
    if (bad !== undefined) throw new ServiceError('InvalidParameterValue', `Value '${bad}' is not valid for option '${name}'`);
  }
};

/**
 * DescribeImageReferences: instances (in any state unless `state-name` narrows it), the newest
 * `version-depth` versions of each launch template (default 10), and SSM parameters.
 */
const describeImageReferences: Action = (q, { store, options }) => {
  const imageIds = strings(q, 'ImageId');
  if (imageIds.length === 0) throw new ServiceError('MissingParameter', 'The request must contain the parameter ImageId');
  // "ImageId.N ... Minimum number of 1 item. Maximum number of 10 items." (API reference, DescribeImageReferences)
  checkCount('ImageId', imageIds.length, 1, 10);
  for (const id of imageIds) store.checkId('ami', id);
  const requested = new Map<string, Map<string, string[]>>();
  for (const entry of list(q, 'ResourceType')) {
    const type = str(entry, 'ResourceType') ?? '';
    if (!SUPPORTED.includes(type)) throw new ServiceError('InvalidParameterValue', `Resource type '${type}' is not supported`);
    const opts = new Map(list(entry, 'ResourceTypeOption').map((o) => [str(o, 'OptionName') ?? '', strings(o, 'OptionValue')]));
    checkOptions(type, opts);
    requested.set(type, opts);
  }
  const all = bool(q, 'IncludeAllResourceTypes');
  if (!all && requested.size === 0)
    throw new ServiceError('InvalidParameterCombination', 'Specify ResourceTypes or IncludeAllResourceTypes');
  const wants = (type: string) => all || requested.has(type);
  const arn = (service: string, resource: string) => `arn:aws:${service}:${options.region}:${ACCOUNT_ID}:${resource}`;
  const found: Reference[] = [];
  for (const imageId of imageIds) {
    if (wants('ec2:Instance')) {
      const states = requested.get('ec2:Instance')?.get('state-name') ?? [];
      for (const i of store.instances.values()) {
        if (i.imageId === imageId && (states.length === 0 || states.includes(i.state)))
          found.push({ imageId, resourceType: 'ec2:Instance', arn: arn('ec2', `instance/${i.instanceId}`) });
      }
    }
    if (wants('ec2:LaunchTemplate')) {
      const depth = Number(requested.get('ec2:LaunchTemplate')?.get('version-depth')?.[0] ?? 10);
      for (const t of store.launchTemplates.values()) {
        const newest = [...t.versions].sort((a, b) => b.versionNumber - a.versionNumber).slice(0, depth);
        if (newest.some((v) => v.imageId === imageId))
          found.push({ imageId, resourceType: 'ec2:LaunchTemplate', arn: arn('ec2', `launch-template/${t.launchTemplateId}`) });
      }
    }
    if (wants('ssm:Parameter')) {
      for (const p of store.parameters.values()) {
        if (p.value === imageId)
          found.push({ imageId, resourceType: 'ssm:Parameter', arn: arn('ssm', `parameter/${p.name.replace(/^\//, '')}`) });
      }
    }
  }
  const page = paginate(found, int(q, 'MaxResults'), str(q, 'NextToken'), { min: 5, max: 1000 });
  return { imageReferenceSet: items(page.items), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

export const referenceActions: Actions<Query> = { DescribeImageReferences: reads(describeImageReferences) };
