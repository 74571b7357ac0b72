import { amiStateChange } from '../ami-events.ts';
import { ServiceError } from '../error-response.ts';
import { checkNotBoth } from '../limits.ts';
import { applyFilters, type FilterSupport, paginate } from '../listing.ts';
import { type Image, reportedLastLaunch } from '../model.ts';
import type { Query } from '../query.ts';
import { bool, filters, int, required, str, strings, tagSpecifications } from '../query.ts';
import { ACCOUNT_ID, type Store, unavailable } from '../store.ts';
import { items, tagSet } from '../xml.ts';
import { type Action, type ActionContext, type Actions, changes, reads } from './context.ts';
import { readyAtOf, settle } from './image-settling.ts';

const NAME_RULE = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;

const checkImageName = (name: string): void => {
  if (!NAME_RULE.test(name)) {
    throw new ServiceError(
      'InvalidAMIName.Malformed',
      `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/', '[', ']', ' ', '@', ''' and '_': ${name}`,
    );
  }
};

const checkTagTypes = (specs: Map<string, unknown>, allowed: readonly string[]): void => {
  for (const type of specs.keys()) {
    if (!allowed.includes(type))
      throw new ServiceError('InvalidParameterValue', `'${type}' is not a valid taggable resource type for this operation.`);
  }
};

const imageXml = (image: Image, now: Date) => ({
  imageId: image.imageId,
  imageLocation: `${image.ownerId}/${image.name}`,
  imageState: image.state,
  imageOwnerId: image.ownerId,
  creationDate: image.creationDate,
  isPublic: image.launchPermissions.some((p) => p.group === 'all'),
  architecture: 'x86_64',
  imageType: 'machine',
  name: image.name,
  ...(image.description === undefined ? {} : { description: image.description }),
  rootDeviceType: image.rootDeviceType,
  rootDeviceName: image.rootDeviceName,
  blockDeviceMapping: items(
    image.blockDevices.map((d) => ({
      deviceName: d.deviceName,
      ebs: { snapshotId: d.snapshotId, volumeSize: d.sizeGiB, deleteOnTermination: true, volumeType: d.volumeType, encrypted: false },
    })),
  ),
  virtualizationType: 'hvm',
  hypervisor: 'xen',
  tagSet: tagSet(image.tags),
  deregistrationProtection: image.deregistrationProtection ? 'enabled' : 'disabled',
  ...(image.deprecationTime === undefined ? {} : { deprecationTime: image.deprecationTime }),
  ...(image.sourceInstanceId === undefined ? {} : { sourceInstanceId: image.sourceInstanceId }),
  ...(image.source === undefined ? {} : { sourceImageId: image.source.imageId, sourceImageRegion: image.source.region }),
  ...(image.stateReason === undefined ? {} : { stateReason: image.stateReason }),
  ...(reportedLastLaunch(image, now) === undefined ? {} : { lastLaunchedTime: reportedLastLaunch(image, now) }),
});

const IMAGE_FILTERS: FilterSupport<Image> = {
  fields: {
    name: (i) => [i.name],
    state: (i) => [i.state],
    'image-id': (i) => [i.imageId],
    'owner-id': (i) => [i.ownerId],
    description: (i) => (i.description === undefined ? [] : [i.description]),
    'root-device-type': (i) => [i.rootDeviceType],
    'block-device-mapping.snapshot-id': (i) => i.blockDevices.map((d) => d.snapshotId),
    'source-instance-id': (i) => (i.sourceInstanceId === undefined ? [] : [i.sourceInstanceId]),
  },
  tags: (i) => i.tags,
};

/** A new image's name (CreateImage's rules) and description (at most 255 characters), as CreateImage and CopyImage take them. */
const newImageFields = (q: Query): { name: string; description: string | undefined } => {
  const name = required(q, 'Name');
  checkImageName(name);
  const description = str(q, 'Description');
  if (description !== undefined && description.length > 255)
    throw new ServiceError('InvalidParameterValue', 'Description must be at most 255 characters');
  return { name, description };
};

/** AMI names are unique per account and region. */
const checkNameFree = (store: Store, name: string): void => {
  const taken = [...store.images.values()].find((image) => image.name === name);
  if (taken) throw new ServiceError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${taken.imageId}`);
};

/** What every new image starts as: pending, owned by the account, unprotected, its fate from the fault plan. */
const pendingImage = (imageId: string, name: string, description: string | undefined, now: string, ctx: ActionContext) => ({
  imageId,
  name,
  description,
  state: 'pending' as const,
  ownerId: ACCOUNT_ID,
  creationDate: now,
  deregistrationProtection: false,
  stateReason: undefined,
  polls: 0,
  ...readyAtOf(ctx),
  fate: ctx.faults.fateOf(name, ctx.options.region),
  launchPermissions: [],
});

const createImage: Action = (q, ctx) => {
  const { store, options } = ctx;
  const instance = store.instance(required(q, 'InstanceId'));
  const { name, description } = newImageFields(q);
  const tagSpecs = tagSpecifications(q);
  checkTagTypes(tagSpecs, ['image', 'snapshot']);
  if (['terminated', 'shutting-down', 'pending'].includes(instance.state)) {
    throw new ServiceError(
      'IncorrectInstanceState',
      `The instance '${instance.instanceId}' is not in a state from which it can be imaged (${instance.state}).`,
    );
  }
  if (instance.rootDeviceType !== 'ebs') {
    throw new ServiceError(
      'UnsupportedOperation',
      `The instance '${instance.instanceId}' is instance-store backed; only EBS-backed instances can be imaged with CreateImage.`,
    );
  }
  checkNameFree(store, name);
  const now = options.now().toISOString();
  const imageId = store.newId('ami');
  const blockDevices = instance.volumes.map((volume) => {
    const snapshotId = store.newId('snap');
    store.snapshots.set(snapshotId, {
      snapshotId,
      volumeId: volume.volumeId,
      state: 'pending',
      startTime: now,
      volumeSize: volume.sizeGiB,
      description: `Created by CreateImage(${instance.instanceId}) for ${imageId}`,
      ownerId: ACCOUNT_ID,
      tags: (tagSpecs.get('snapshot') ?? []).map((t) => ({ ...t })),
    });
    return { deviceName: volume.deviceName, snapshotId, sizeGiB: volume.sizeGiB, volumeType: volume.volumeType };
  });
  store.images.set(imageId, {
    ...pendingImage(imageId, name, description, now, ctx),
    rootDeviceType: 'ebs',
    rootDeviceName: instance.rootDeviceName,
    blockDevices,
    tags: (tagSpecs.get('image') ?? []).map((t) => ({ ...t })),
    sourceInstanceId: instance.instanceId,
  });
  if (!bool(q, 'NoReboot') && instance.state === 'running') instance.rebootCount += 1;
  return { imageId };
};

// CopyImage (EC2 API Reference, CopyImage): made in the region the request is signed for, from SourceImageId in
// SourceRegion; Name as CreateImage's and unique in the destination; Description at most 255 characters; KmsKeyId only
// with Encrypted (CopySnapshot's InvalidParameterDependency); a copy of an encrypted image is encrypted whatever
// Encrypted says ("you cannot create an unencrypted copy of an encrypted snapshot"); TagSpecifications for image and
// snapshot only; CopyImageTags copies the source's tags but those prefixed aws:; ClientToken at most 64 ASCII
// characters, a repeat answers with the first copy, with other parameters IdempotentParameterMismatch; Outposts and
// Local Zones are not modelled (refused); only an available image is copied (stricter reading: IncorrectState for a
// pending, failed or disabled one).
const copyImage: Action = (q, ctx) => {
  const { store, options } = ctx;
  const sourceRegion = required(q, 'SourceRegion');
  const sourceImageId = required(q, 'SourceImageId');
  const { name, description } = newImageFields(q);
  const kmsKeyId = str(q, 'KmsKeyId');
  const encryptedAsked = bool(q, 'Encrypted');
  if (kmsKeyId !== undefined && !encryptedAsked)
    throw new ServiceError('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
  for (const local of ['DestinationOutpostArn', 'DestinationAvailabilityZone', 'DestinationAvailabilityZoneId'])
    if (str(q, local) !== undefined) throw new ServiceError('UnsupportedOperation', `${local}: Outposts and Local Zones are not modelled`);
  const duration = str(q, 'SnapshotCopyCompletionDurationMinutes');
  if (duration !== undefined && !(/^\d+$/.test(duration) && Number(duration) >= 15 && Number(duration) % 15 === 0))
    throw new ServiceError(
      'InvalidParameterValue',
      'SnapshotCopyCompletionDurationMinutes: expected a whole number of minutes in 15-minute increments',
    );
  const tagSpecs = tagSpecifications(q);
  checkTagTypes(tagSpecs, ['image', 'snapshot']);
  const token = str(q, 'ClientToken');
  if (token !== undefined && (token.length > 64 || !/^[\x20-\x7e]+$/.test(token)))
    throw new ServiceError('InvalidParameterValue', 'ClientToken: expected at most 64 ASCII characters');
  const fingerprint = JSON.stringify({ ...q, ClientToken: undefined });
  if (token !== undefined) {
    const earlier = [...store.images.values()].find((i) => i.clientToken?.token === token);
    if (earlier) {
      if (earlier.clientToken?.request !== fingerprint)
        throw new ServiceError(
          'IdempotentParameterMismatch',
          'The client token you have provided is associated with a resource that is already deleted or has different parameters.',
        );
      return { imageId: earlier.imageId };
    }
  }
  if (kmsKeyId?.startsWith('arn:') && kmsKeyId.split(':')[3] !== ctx.options.region)
    throw new ServiceError('InvalidParameterValue', `KmsKeyId: the key must be in the destination region ${ctx.options.region}`);
  // A key id or ARN this region does not hold (an alias is not modelled): refused (stricter than a copy that fails later).
  if (kmsKeyId !== undefined && !store.kmsKeys.has(kmsKeyId.split('/').pop() ?? ''))
    throw new ServiceError('InvalidParameterValue', `KmsKeyId: the KMS key ${kmsKeyId} does not exist in ${ctx.options.region}`);
  const from = (ctx.storeIn?.(sourceRegion) ?? store).image(sourceImageId);
  if (from.state !== 'available')
    throw new ServiceError(
      'IncorrectState',
      `Image ${sourceImageId} in ${sourceRegion} is ${from.state}: only an available image can be copied.`,
    );
  checkNameFree(store, name);
  // At most 50 copies in progress into a region, 25 of them from one source region (EC2 User Guide, "Copying an AMI":
  // "Destination regions are limited to 50 concurrent AMI copies at a time, with no more than 25 of those coming from a
  // single source region"; today's guide leaves the figure to Service Quotas: the stricter, documented one is kept).
  const copying = [...store.images.values()].filter((i) => i.state === 'pending' && i.source !== undefined);
  if (copying.length >= 50 || copying.filter((i) => i.source?.region === sourceRegion).length >= 25)
    throw new ServiceError(
      'ResourceLimitExceeded',
      `You have reached the limit of concurrent AMI copies into ${ctx.options.region} (50, at most 25 from one source region).`,
    );
  const source = ctx.storeIn?.(sourceRegion) ?? store;
  const now = options.now().toISOString();
  const imageId = store.newId('ami');
  const blockDevices = from.blockDevices.map((device) => {
    const original = source.snapshots.get(device.snapshotId);
    const encrypted = (original?.encrypted ?? false) || encryptedAsked;
    const snapshotId = store.newId('snap');
    store.snapshots.set(snapshotId, {
      snapshotId,
      volumeId: 'vol-ffffffff',
      state: 'pending',
      startTime: now,
      volumeSize: device.sizeGiB,
      description: `Copied for DestinationAmi ${imageId} from SourceAmi ${sourceImageId} for SourceSnapshot ${device.snapshotId}.`,
      ownerId: ACCOUNT_ID,
      tags: (tagSpecs.get('snapshot') ?? []).map((t) => ({ ...t })),
      ...(encrypted ? { encrypted, kmsKeyId: kmsKeyId ?? original?.kmsKeyId ?? 'alias/aws/ebs' } : {}),
    });
    return { ...device, snapshotId };
  });
  const copiedTags = bool(q, 'CopyImageTags') ? from.tags.filter((t) => !t.key.startsWith('aws:')).map((t) => ({ ...t })) : [];
  const requested = (tagSpecs.get('image') ?? []).map((t) => ({ ...t }));
  store.images.set(imageId, {
    ...pendingImage(imageId, name, description, now, ctx),
    rootDeviceType: from.rootDeviceType,
    rootDeviceName: from.rootDeviceName,
    blockDevices,
    // The request's tags win over a copied tag of the same key.
    tags: [...copiedTags.filter((t) => !requested.some((r) => r.key === t.key)), ...requested],
    sourceInstanceId: undefined,
    source: { region: sourceRegion, imageId: sourceImageId },
    // A disabled key: the copy is accepted, then fails (EBS User Guide, "Amazon EBS encryption": a key that is not enabled
    // cannot encrypt the copy's snapshots).
    ...(kmsKeyId !== undefined && ctx.faults.keyDisabled(kmsKeyId)
      ? {
          fate: 'failed' as const,
          failReason: {
            code: 'Client.InvalidKMSKey.InvalidState',
            message: 'Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state',
          },
        }
      : {}),
    ...(token === undefined ? {} : { clientToken: { token, request: fingerprint } }),
  });
  return { imageId };
};

// DescribeImages: MaxResults 5 to 1000 and not with ImageId.N; disabled images only with IncludeDisabled
// (API reference, DescribeImages and DisableImage); a just-deregistered id is InvalidAMIID.Unavailable.
const describeImages: Action = (q, ctx) => {
  const { store } = ctx;
  const ids = strings(q, 'ImageId');
  for (const id of ids) store.checkId('ami', id);
  checkNotBoth('imageIdsSet', ids.length > 0, 'maxResults', str(q, 'MaxResults') !== undefined);
  const owners = strings(q, 'Owner');
  const gone = ids.filter((id) => store.deregisteredImages.has(id));
  if (gone.length > 0) throw unavailable(gone.join(', '));
  let images = ids.length > 0 ? ids.flatMap((id) => store.images.get(id) ?? []) : [...store.images.values()];
  const missing = ids.filter((id) => !store.images.has(id));
  if (missing.length > 0) throw new ServiceError('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
  if (!bool(q, 'IncludeDisabled')) images = images.filter((image) => image.state !== 'disabled');
  if (owners.length > 0)
    images = images.filter((image) => owners.some((o) => (o === 'self' ? image.ownerId === ACCOUNT_ID : o === image.ownerId)));
  images = applyFilters(images, filters(q), IMAGE_FILTERS);
  const page = paginate(images, int(q, 'MaxResults'), str(q, 'NextToken'));
  for (const image of page.items) settle(image, ctx);
  return {
    imagesSet: items(page.items.map((image) => imageXml(image, ctx.options.now()))),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

const deregisterImage: Action = (q, { store, options, emit }) => {
  const image = store.image(required(q, 'ImageId'));
  if (image.deregistrationProtection) {
    throw new ServiceError('OperationNotPermitted', `The image ${image.imageId} has deregistration protection enabled.`);
  }
  store.images.delete(image.imageId);
  store.deregisteredImages.add(image.imageId);
  emit?.(amiStateChange(options.region, image.imageId, 'deregistered', options.now()));
  if (!bool(q, 'DeleteAssociatedSnapshots')) return { return: true };
  const results = image.blockDevices.map(({ snapshotId }) => {
    if (!store.snapshots.has(snapshotId)) return { snapshotId, returnCode: 'client-error' };
    if (store.imagesUsingSnapshot(snapshotId).length > 0) return { snapshotId, returnCode: 'skipped' };
    store.snapshots.delete(snapshotId);
    return { snapshotId, returnCode: 'success' };
  });
  return { return: true, deleteSnapshotResultSet: items(results) };
};

const enableDeregistrationProtection: Action = (q, { store }) => {
  store.image(required(q, 'ImageId')).deregistrationProtection = true;
  return { return: 'enabled' };
};

const disableDeregistrationProtection: Action = (q, { store }) => {
  store.image(required(q, 'ImageId')).deregistrationProtection = false;
  return { return: 'disabled' };
};

/**
 * DisableImage / EnableImage (API reference): only an available image can be disabled and only a disabled one
 * enabled; asking for the state an image already has is refused too (the stricter reading), as is a pending
 * or failed image.
 */
const settableTo =
  (to: 'disabled' | 'available'): Action =>
  (q, { store, options, emit }) => {
    const image = store.image(required(q, 'ImageId'));
    const from = to === 'disabled' ? 'available' : 'disabled';
    if (image.state !== from)
      throw new ServiceError(
        'IncorrectState',
        `The image ${image.imageId} is ${image.state}; only an image that is ${from} can be made ${to}.`,
      );
    image.state = to;
    // DisableImage "removes all launch permissions from the AMI" (API reference): consumers lose access.
    if (to === 'disabled') image.launchPermissions = [];
    emit?.(amiStateChange(options.region, image.imageId, to, options.now()));
    return { return: true };
  };

/**
 * EnableImageDeprecation (API reference): DeprecateAt is an ISO time; seconds are rounded to the nearest
 * minute; a time in the past is refused, and so is one more than 10 years ahead (2 for public images, not
 * modelled). DisableImageDeprecation removes it.
 */
const DEPRECATION_MAX_YEARS = 10;
const enableImageDeprecation: Action = (q, { store, options }) => {
  const image = store.image(required(q, 'ImageId'));
  const raw = required(q, 'DeprecateAt');
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw new ServiceError('InvalidParameterValue', `Invalid value '${raw}' for DeprecateAt`);
  const rounded = Math.round(at / 60_000) * 60_000;
  const now = options.now();
  if (rounded < now.getTime()) throw new ServiceError('InvalidParameterValue', `DeprecateAt ${raw} is in the past.`);
  const limit = new Date(now);
  limit.setUTCFullYear(limit.getUTCFullYear() + DEPRECATION_MAX_YEARS);
  if (rounded > limit.getTime())
    throw new ServiceError('InvalidParameterValue', `DeprecateAt ${raw} is more than ${DEPRECATION_MAX_YEARS} years from now.`);
  image.deprecationTime = new Date(rounded).toISOString().replace('.000Z', 'Z');
  return { return: true };
};

const disableImageDeprecation: Action = (q, { store }) => {
  store.image(required(q, 'ImageId')).deprecationTime = undefined;
  return { return: true };
};

export const imageActions: Actions<Query> = {
  EnableImageDeprecation: changes(enableImageDeprecation),
  DisableImageDeprecation: changes(disableImageDeprecation),
  DisableImage: changes(settableTo('disabled')),
  EnableImage: changes(settableTo('available')),
  CreateImage: changes(createImage),
  CopyImage: changes(copyImage),
  DescribeImages: reads(describeImages),
  DeregisterImage: changes(deregisterImage),
  EnableImageDeregistrationProtection: changes(enableDeregistrationProtection),
  DisableImageDeregistrationProtection: changes(disableDeregistrationProtection),
};
