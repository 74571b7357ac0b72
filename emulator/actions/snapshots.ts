import { ServiceError } from '../error-response.ts';
import { checkNotBoth } from '../limits.ts';
import { applyFilters, type FilterSupport, paginate } from '../listing.ts';
import type { Snapshot } from '../model.ts';
import type { Query } from '../query.ts';
import { filters, int, required, str, strings } from '../query.ts';
import { ACCOUNT_ID } from '../store.ts';
import { items, tagSet } from '../xml.ts';
import { type Action, type Actions, changes, reads } from './context.ts';

const snapshotXml = (s: Snapshot) => ({
  snapshotId: s.snapshotId,
  volumeId: s.volumeId,
  status: s.state,
  startTime: s.startTime,
  progress: s.state === 'completed' ? '100%' : '0%',
  ownerId: s.ownerId,
  volumeSize: s.volumeSize,
  description: s.description,
  encrypted: false,
  tagSet: tagSet(s.tags),
});

const SNAPSHOT_FILTERS: FilterSupport<Snapshot> = {
  fields: {
    'snapshot-id': (s) => [s.snapshotId],
    'volume-id': (s) => [s.volumeId],
    status: (s) => [s.state],
    'owner-id': (s) => [s.ownerId],
    description: (s) => [s.description],
  },
  tags: (s) => s.tags,
};

const describeSnapshots: Action = (q, { store }) => {
  const ids = strings(q, 'SnapshotId');
  // "You cannot specify this parameter [MaxResults] and the snapshot IDs parameter in the same request." (DescribeSnapshots)
  checkNotBoth('snapshotIdsSet', ids.length > 0, 'maxResults', str(q, 'MaxResults') !== undefined);
  const owners = strings(q, 'Owner');
  let snapshots = ids.length > 0 ? ids.map((id) => store.snapshot(id)) : [...store.snapshots.values()];
  if (owners.length > 0) snapshots = snapshots.filter((s) => owners.some((o) => (o === 'self' ? ACCOUNT_ID : o) === s.ownerId));
  const page = paginate(applyFilters(snapshots, filters(q), SNAPSHOT_FILTERS), int(q, 'MaxResults'), str(q, 'NextToken'));
  return { snapshotSet: items(page.items.map(snapshotXml)), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const deleteSnapshot: Action = (q, { store }) => {
  const snapshot = store.snapshot(required(q, 'SnapshotId'));
  const users = store.imagesUsingSnapshot(snapshot.snapshotId);
  if (users[0]) {
    throw new ServiceError('InvalidSnapshot.InUse', `The snapshot ${snapshot.snapshotId} is currently in use by ${users[0].imageId}`);
  }
  store.snapshots.delete(snapshot.snapshotId);
  return { return: true };
};

export const snapshotActions: Actions<Query> = {
  DescribeSnapshots: reads(describeSnapshots),
  DeleteSnapshot: changes(deleteSnapshot),
};
