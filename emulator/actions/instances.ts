import { ServiceError } from '../error-response.ts';
import { checkNotBoth } from '../limits.ts';
import { applyFilters, type FilterSupport, paginate } from '../listing.ts';
import { type Instance, recordLaunch, type Volume } from '../model.ts';
import type { Query } from '../query.ts';
import { filters, int, list, node, required, str, strings, tagSpecifications } from '../query.ts';
import { ACCOUNT_ID } from '../store.ts';
import { items, tagSet } from '../xml.ts';
import { type Action, type Actions, changes, reads } from './context.ts';

const STATE_CODES: Record<Instance['state'], number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

const stateXml = (state: Instance['state']) => ({ code: STATE_CODES[state], name: state });

const instanceXml = (instance: Instance) => ({
  instanceId: instance.instanceId,
  imageId: instance.imageId,
  instanceState: stateXml(instance.state),
  instanceType: instance.instanceType,
  launchTime: instance.launchTime,
  rootDeviceType: instance.rootDeviceType,
  rootDeviceName: instance.rootDeviceName,
  blockDeviceMapping: items(
    instance.volumes.map((v) => ({
      deviceName: v.deviceName,
      ebs: { volumeId: v.volumeId, status: 'attached', deleteOnTermination: true },
    })),
  ),
  tagSet: tagSet(instance.tags),
});

const INSTANCE_FILTERS: FilterSupport<Instance> = {
  fields: {
    'instance-id': (i) => [i.instanceId],
    'image-id': (i) => [i.imageId],
    'instance-state-name': (i) => [i.state],
    'root-device-type': (i) => [i.rootDeviceType],
  },
  tags: (i) => i.tags,
};

// RunInstances: MinCount and MaxCount required, 1 <= MinCount <= MaxCount; the image must exist and be
// available; ClientToken at most 64 ASCII characters, and a repeated token answers with the first call's
// instances, or IdempotentParameterMismatch when the request differs (EC2 API Reference, RunInstances;
// "Ensure idempotency in Amazon EC2 API requests").
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9-]+$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;

const runInstances: Action = (q, ctx) => {
  const { store, options, faults } = ctx;
  const imageId = required(q, 'ImageId');
  store.checkId('ami', imageId);
  const minCount = int(q, 'MinCount');
  const maxCount = int(q, 'MaxCount');
  if (minCount === undefined) throw new ServiceError('MissingParameter', 'The request must contain the parameter MinCount');
  if (maxCount === undefined) throw new ServiceError('MissingParameter', 'The request must contain the parameter MaxCount');
  if (minCount < 1 || maxCount < minCount)
    throw new ServiceError('InvalidParameterValue', `MinCount (${minCount}) must be at least 1 and at most MaxCount (${maxCount})`);
  const instanceType = str(q, 'InstanceType') ?? 'm1.small';
  if (!INSTANCE_TYPE.test(instanceType))
    throw new ServiceError('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
  const subnetId = str(q, 'SubnetId');
  if (subnetId !== undefined && !SUBNET_ID.test(subnetId)) throw new ServiceError('InvalidSubnetID.Malformed', `Invalid id: "${subnetId}"`);
  const token = str(q, 'ClientToken');
  if (token !== undefined && (token.length > 64 || !/^[\x20-\x7e]+$/.test(token)))
    throw new ServiceError('InvalidParameterValue', 'ClientToken: expected at most 64 ASCII characters');
  const fingerprint = JSON.stringify({ ...q, ClientToken: undefined });
  const profile = str(node(q, 'IamInstanceProfile'), 'Name') ?? str(node(q, 'IamInstanceProfile'), 'Arn');
  if (token !== undefined) {
    const earlier = [...store.instances.values()].filter((i) => i.clientToken?.token === token);
    if (earlier.length > 0) {
      if (earlier[0]?.clientToken?.request !== fingerprint)
        throw new ServiceError(
          'IdempotentParameterMismatch',
          'The client token you have provided is associated with a resource that is already deleted or has different parameters.',
        );
      return {
        reservationId: `r-${earlier[0]?.instanceId.slice(2)}`,
        ownerId: ACCOUNT_ID,
        groupSet: '',
        instancesSet: items(earlier.map(instanceXml)),
      };
    }
  }
  const source = store.images.get(imageId);
  if (!source) throw new ServiceError('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
  if (source.state !== 'available')
    throw new ServiceError('InvalidAMIID.Unavailable', `The image id '[${imageId}]' is not available (${source.state})`);
  const requested = list(q, 'BlockDeviceMapping').map((m) => ({
    deviceName: str(m, 'DeviceName') ?? '/dev/xvda',
    sizeGiB: Number(str(node(m, 'Ebs'), 'VolumeSize') ?? 8),
    virtual: str(m, 'VirtualName'),
  }));
  const rootDeviceType = source.rootDeviceType;
  const tags = tagSpecifications(q).get('instance') ?? [];
  const launched = Array.from({ length: maxCount }, () => {
    const volumes: Volume[] = (requested.length > 0 ? requested.filter((r) => !r.virtual) : source.blockDevices).map((d) => ({
      volumeId: store.newId('vol'),
      deviceName: d.deviceName,
      sizeGiB: d.sizeGiB,
      volumeType: 'gp3',
    }));
    const instance: Instance = {
      instanceId: store.newId('i'),
      imageId,
      instanceType,
      state: 'running',
      rootDeviceType,
      rootDeviceName: source.rootDeviceName,
      volumes: rootDeviceType === 'ebs' ? volumes : volumes.filter((v) => v.deviceName !== '/dev/xvda'),
      tags: tags.map((t) => ({ ...t })),
      launchTime: options.now().toISOString(),
      rebootCount: 0,
      boot: { fate: faults.bootFateOf(source.name), polls: 0 },
      ...(profile === undefined ? {} : { instanceProfile: profile, agentUnregistered: true }),
      ...(token === undefined ? {} : { clientToken: { token, request: fingerprint } }),
    };
    store.instances.set(instance.instanceId, instance);
    recordLaunch(source, options.now());
    return instance;
  });
  return {
    reservationId: `r-${store.newId('i').slice(2)}`,
    ownerId: ACCOUNT_ID,
    groupSet: '',
    instancesSet: items(launched.map(instanceXml)),
  };
};

// DescribeInstanceStatus: running instances only unless IncludeAllInstances; MaxResults 5 to 1000, not
// with InstanceIds; status checks `initializing` for a while after launch, then `ok` or `impaired`
// (EC2 API Reference, DescribeInstanceStatus, InstanceStatusSummary).
const statusOf = (instance: Instance, bootPolls: number): string => {
  if (instance.state !== 'running') return 'not-applicable';
  const boot = instance.boot;
  if (!boot) return 'ok';
  boot.polls += 1;
  if (boot.polls <= bootPolls || boot.fate === 'never') return 'initializing';
  return boot.fate;
};

const describeInstanceStatus: Action = (q, { store, options }) => {
  const ids = strings(q, 'InstanceId');
  const maxResults = int(q, 'MaxResults');
  checkNotBoth('InstanceIds', ids.length > 0, 'MaxResults', maxResults !== undefined);
  if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000))
    throw new ServiceError('InvalidParameterValue', `MaxResults: expected 5 to 1000, got ${maxResults}`);
  const all = ids.length > 0 ? ids.map((id) => store.instance(id)) : [...store.instances.values()];
  const shown = str(q, 'IncludeAllInstances') === 'true' ? all : all.filter((i) => i.state === 'running');
  const page = paginate(shown, maxResults, str(q, 'NextToken'));
  return {
    instanceStatusSet: items(
      page.items.map((i) => {
        const status = statusOf(i, options.bootPolls);
        return {
          instanceId: i.instanceId,
          availabilityZone: `${options.region}a`,
          instanceState: stateXml(i.state),
          systemStatus: { status: status === 'impaired' ? 'ok' : status },
          instanceStatus: { status },
        };
      }),
    ),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

const describeInstances: Action = (q, { store }) => {
  const ids = strings(q, 'InstanceId');
  // "You cannot specify this parameter [MaxResults] and the instance IDs parameter in the same request." (DescribeInstances)
  checkNotBoth('instanceIdsSet', ids.length > 0, 'maxResults', str(q, 'MaxResults') !== undefined);
  const all = ids.length > 0 ? ids.map((id) => store.instance(id)) : [...store.instances.values()];
  const matching = applyFilters(all, filters(q), INSTANCE_FILTERS);
  const page = paginate(matching, int(q, 'MaxResults'), str(q, 'NextToken'));
  return {
    reservationSet: items(
      page.items.map((i) => ({
        reservationId: `r-${i.instanceId.slice(2)}`,
        ownerId: ACCOUNT_ID,
        groupSet: '',
        instancesSet: items([instanceXml(i)]),
      })),
    ),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

const changeState =
  (to: Instance['state'], allowedFrom: readonly Instance['state'][]): Action =>
  (q, { store }) => {
    const ids = strings(q, 'InstanceId');
    if (ids.length === 0) throw new ServiceError('MissingParameter', 'The request must contain the parameter InstanceId');
    const changes = ids.map((id) => {
      const instance = store.instance(id);
      const previous = instance.state;
      if (!allowedFrom.includes(previous) && previous !== to) {
        throw new ServiceError('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be ${to}.`);
      }
      instance.state = to;
      return { instanceId: id, currentState: stateXml(to), previousState: stateXml(previous) };
    });
    return { instancesSet: items(changes) };
  };

export const instanceActions: Actions<Query> = {
  RunInstances: changes(runInstances),
  DescribeInstances: reads(describeInstances),
  DescribeInstanceStatus: reads(describeInstanceStatus),
  TerminateInstances: changes(changeState('terminated', ['pending', 'running', 'stopping', 'stopped', 'shutting-down'])),
  StopInstances: changes(changeState('stopped', ['running', 'pending'])),
  StartInstances: changes(changeState('running', ['stopped'])),
};
