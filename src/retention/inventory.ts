import { type EC2Client, type Image, paginateDescribeImages, paginateDescribeSnapshots } from '@aws-sdk/client-ec2';
import { fromEc2Error } from '../aws/ec2-errors.ts';
import { snapshotIdsOf } from '../rotation/images.ts';
import { fromEc2Tags, TAG } from '../rotation/tags.ts';

/** What the planner needs to know of an image. */
export interface ManagedImage {
  imageId: string;
  name: string;
  state: string;
  ownerId: string;
  creationDate: string;
  tags: Readonly<Record<string, string>>;
  deregistrationProtected: boolean;
  snapshotIds: readonly string[];
  /** When EC2 deprecates (or deprecated) the image; absent when it is not set. */
  deprecationTime?: string | undefined;
  /** When the image last launched an instance in any account (EC2 reports it up to 24 hours late); absent: never. */
  lastLaunchedTime?: string | undefined;
}

export interface ManagedSnapshot {
  snapshotId: string;
  startTime: string;
  tags: Readonly<Record<string, string>>;
}

/** EC2's largest page: one listing call per 1,000 images. */
const PAGE_SIZE = 1000;

const toManagedImage = (image: Image): ManagedImage => ({
  imageId: image.ImageId ?? '',
  name: image.Name ?? '',
  state: image.State ?? 'unknown',
  ownerId: image.OwnerId ?? '',
  creationDate: image.CreationDate ?? '',
  tags: fromEc2Tags(image.Tags),
  deregistrationProtected: (image.DeregistrationProtection ?? 'disabled').startsWith('enabled'),
  snapshotIds: snapshotIdsOf(image),
  deprecationTime: image.DeprecationTime,
  lastLaunchedTime: image.LastLaunchedTime,
});

/** The account's own images (disabled ones too) that EC2's filters select, a page of 1,000 at a time. */
const listOwnImages = async (ec2: EC2Client, filters: { Name: string; Values: string[] }[], what: string): Promise<ManagedImage[]> => {
  const images: ManagedImage[] = [];
  try {
    const pages = paginateDescribeImages(
      { client: ec2, pageSize: PAGE_SIZE },
      { Owners: ['self'], IncludeDisabled: true, Filters: filters },
    );
    for await (const page of pages) images.push(...(page.Images ?? []).map(toManagedImage));
  } catch (error) {
    throw fromEc2Error(error, what);
  }
  return images;
};

/** Every image this account owns that carries the family's tag, filtered on EC2's side. */
export const listFamilyImages = (ec2: EC2Client, family: string): Promise<ManagedImage[]> =>
  listOwnImages(ec2, [{ Name: `tag:${TAG.family}`, Values: [family] }], `list images of family ${family}`);

/** Every image ami-rotator made in this account, or of one family: what the operator's history and status read. */
export const listManagedImages = (ec2: EC2Client, family?: string): Promise<ManagedImage[]> =>
  listOwnImages(
    ec2,
    [{ Name: `tag:${TAG.managed}`, Values: ['true'] }, ...(family === undefined ? [] : [{ Name: `tag:${TAG.family}`, Values: [family] }])],
    family === undefined ? 'list the managed images' : `list images of family ${family}`,
  );

/** Every snapshot this account owns that carries the family's tag. */
export const listFamilySnapshots = async (ec2: EC2Client, family: string): Promise<ManagedSnapshot[]> => {
  const snapshots: ManagedSnapshot[] = [];
  try {
    const pages = paginateDescribeSnapshots(
      { client: ec2, pageSize: PAGE_SIZE },
      { OwnerIds: ['self'], Filters: [{ Name: `tag:${TAG.family}`, Values: [family] }] },
    );
    for await (const page of pages) {
      for (const s of page.Snapshots ?? [])
        snapshots.push({ snapshotId: s.SnapshotId ?? '', startTime: s.StartTime?.toISOString() ?? '', tags: fromEc2Tags(s.Tags) });
    }
  } catch (error) {
    throw fromEc2Error(error, `list snapshots of family ${family}`);
  }
  return snapshots;
};
