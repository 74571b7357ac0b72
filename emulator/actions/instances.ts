import { Ec2ErrorResponse } from '../error-response.ts';
import { checkNotBoth } from '../limits.ts';
import { applyFilters, type FilterSupport, paginate } from '../listing.ts';
import type { Instance, Volume } from '../model.ts';
import { filters, int, list, node, required, str, strings, tagSpecifications } from '../query.ts';
import { ACCOUNT_ID } from '../store.ts';
import { items, tagSet } from '../xml.ts';
import type { Action } from './context.ts';

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

const runInstances: Action = (q, { store, options }) => {
  const imageId = required(q, 'ImageId');
  store.checkId('ami', imageId);
  const count = int(q, 'MinCount') ?? 1;
  const source = store.images.get(imageId);
  const requested = list(q, 'BlockDeviceMapping').map((m) => ({
    deviceName: str(m, 'DeviceName') ?? '/dev/xvda',
    sizeGiB: Number(str(node(m, 'Ebs'), 'VolumeSize') ?? 8),
    virtual: str(m, 'VirtualName'),
  }));
  const rootDeviceType = source?.rootDeviceType ?? (requested[0]?.virtual?.startsWith('ephemeral') ? 'instance-store' : 'ebs');
  const tags = tagSpecifications(q).get('instance') ?? [];
  const launched = Array.from({ length: count }, () => {
    const volumes: Volume[] = (
      requested.length > 0 ? requested.filter((r) => !r.virtual) : (source?.blockDevices ?? [{ deviceName: '/dev/xvda', sizeGiB: 8 }])
    ).map((d) => ({
      volumeId: store.newId('vol'),
      deviceName: d.deviceName,
      sizeGiB: d.sizeGiB,
      volumeType: 'gp3',
    }));
    const instance: Instance = {
      instanceId: store.newId('i'),
      imageId,
      instanceType: str(q, 'InstanceType') ?? 't3.micro',
      state: 'running',
      rootDeviceType,
      rootDeviceName: source?.rootDeviceName ?? '/dev/xvda',
      volumes: rootDeviceType === 'ebs' ? volumes : volumes.filter((v) => v.deviceName !== '/dev/xvda'),
      tags: tags.map((t) => ({ ...t })),
      launchTime: options.now().toISOString(),
      rebootCount: 0,
    };
    store.instances.set(instance.instanceId, instance);
    return instance;
  });
  return {
    reservationId: `r-${store.newId('i').slice(2)}`,
    ownerId: ACCOUNT_ID,
    groupSet: '',
    instancesSet: items(launched.map(instanceXml)),
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
    if (ids.length === 0) throw new Ec2ErrorResponse('MissingParameter', 'The request must contain the parameter InstanceId');
    const changes = ids.map((id) => {
      const instance = store.instance(id);
      const previous = instance.state;
      if (!allowedFrom.includes(previous) && previous !== to) {
        throw new Ec2ErrorResponse('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be ${to}.`);
      }
      instance.state = to;
      return { instanceId: id, currentState: stateXml(to), previousState: stateXml(previous) };
    });
    return { instancesSet: items(changes) };
  };

export const instanceActions: Record<string, Action> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  TerminateInstances: changeState('terminated', ['pending', 'running', 'stopping', 'stopped', 'shutting-down']),
  StopInstances: changeState('stopped', ['running', 'pending']),
  StartInstances: changeState('running', ['stopped']),
};
