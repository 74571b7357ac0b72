import { describe, expect, it } from 'vitest';
import type { PruneRun } from '../../src/retention/prune.ts';
import { accumulate, emptyProgress, pruneAlert } from '../../src/retention/report.ts';

const failedPass = (reason: string, done: boolean): PruneRun => ({
  plan: {
    images: [
      {
        imageId: 'ami-1',
        name: 'web-1',
        creationDate: '2026-01-01T00:00:00Z',
        state: 'available',
        action: 'delete',
        reason: 'expired',
        snapshotIds: [],
      },
    ],
    snapshots: [],
    usage: { description: 'checked' },
    deprecations: [],
    stages: [],
    pendingUsageReports: [],
    shared: [],
    withdrawn: [],
    reenabled: [],
  },
  images: [{ imageId: 'ami-1', name: 'web-1', outcome: 'failed', reason, snapshots: [] }],
  snapshots: [],
  deprecations: [],
  stages: [],
  done,
});

describe('accumulating prune passes', () => {
  it('reports an image that failed in two passes once, with its latest reason', () => {
    const first = accumulate(emptyProgress('policy', false), failedPass('deregistration failed: InternalError', false));
    const second = accumulate(first, failedPass('deregistration failed: RequestLimitExceeded', true));

    expect(second.failures).toEqual([{ resource: 'ami-1 (web-1)', reason: 'deregistration failed: RequestLimitExceeded' }]);
    expect(second).toMatchObject({ iteration: 2, done: true, totals: { images: 1, expired: 1, failed: 1 } });
    expect(pruneAlert('web-prod', second, 'ami-new').message).toContain('- ami-1 (web-1): deregistration failed: RequestLimitExceeded');
  });
});
