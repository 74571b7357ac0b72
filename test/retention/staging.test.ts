import { describe, expect, it } from 'vitest';
import type { ManagedImage } from '../../src/retention/inventory.ts';
import type { ImageDecision, UsageReport } from '../../src/retention/plan.ts';
import { planStages } from '../../src/retention/staging.ts';
import { TAG } from '../../src/rotation/tags.ts';

const NOW = new Date('2026-11-23T02:00:00Z');
const image = (id: string, state: string, tags: Record<string, string> = {}): ManagedImage => ({
  imageId: id,
  name: `web-${id}`,
  state,
  ownerId: '123456789012',
  creationDate: '2026-11-01T00:00:00Z',
  tags: { [TAG.managed]: 'true', [TAG.family]: 'web-prod', ...tags },
  deregistrationProtected: false,
  snapshotIds: [],
});
const decision = (i: ManagedImage, action: 'keep' | 'delete', reason = 'expired: 22 days old'): ImageDecision => ({
  imageId: i.imageId,
  name: i.name,
  creationDate: i.creationDate,
  state: i.state,
  action,
  reason,
  snapshotIds: [],
});
const usage = (uses: Record<string, string[]> = {}): UsageReport => ({
  known: true,
  checked: new Set(Object.keys(uses)),
  uses: new Map(Object.entries(uses)),
});
const policy = (disableBeforeDeleteDays?: number) => ({
  minKeep: 2,
  ...(disableBeforeDeleteDays === undefined ? {} : { disableBeforeDeleteDays }),
});
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

describe('disable before delete', () => {
  it('changes nothing when the policy is off', () => {
    const expired = image('ami-1', 'available');

    expect(planStages([expired], [decision(expired, 'delete')], usage(), { policy: policy(), now: NOW })).toEqual({
      decisions: [decision(expired, 'delete')],
      stages: [],
    });
  });

  it('disables an expired image instead of deleting it, and deletes a failed one at once', () => {
    const expired = image('ami-1', 'available');
    const failed = image('ami-2', 'failed');

    const { decisions, stages } = planStages(
      [expired, failed],
      [decision(expired, 'delete'), decision(failed, 'delete', 'failed image')],
      usage(),
      {
        policy: policy(3),
        now: NOW,
      },
    );

    expect(decisions.map((d) => d.action)).toEqual(['keep', 'delete']);
    expect(stages).toEqual([
      {
        imageId: 'ami-1',
        name: 'web-ami-1',
        stage: 'disable',
        alreadyDisabled: false,
        reason: 'disable: expired: 22 days old; deleted once disabled 3 days and still unused',
      },
    ]);
  });

  it('deletes a disabled image once disabled long enough, to the day, and keeps it before', () => {
    const ripe = image('ami-1', 'disabled', { [TAG.disabledAt]: daysAgo(3) });
    const young = image('ami-2', 'disabled', { [TAG.disabledAt]: daysAgo(2.9) });

    const { decisions, stages } = planStages([ripe, young], [decision(ripe, 'delete'), decision(young, 'delete')], usage(), {
      policy: policy(3),
      now: NOW,
    });

    expect(decisions.map((d) => [d.action, d.reason])).toEqual([
      ['delete', `delete: disabled since ${daysAgo(3)} (3 days, at least 3) and still unused`],
      ['keep', `kept: disabled since ${daysAgo(2.9)} (2 of 3 days before deletion)`],
    ]);
    expect(stages).toEqual([]);
  });

  it('counts from now an image someone else disabled, and enables again a disabled image in use', () => {
    const untagged = image('ami-1', 'disabled');
    const used = image('ami-2', 'disabled', { [TAG.disabledAt]: daysAgo(10) });

    const { decisions, stages } = planStages(
      [untagged, used],
      [decision(untagged, 'delete'), decision(used, 'keep', 'kept: in use by launch template lt-1')],
      usage({ 'ami-2': ['launch template lt-1'] }),
      { policy: policy(3), now: NOW },
    );

    expect(decisions.map((d) => d.action)).toEqual(['keep', 'keep']);
    expect(stages.map((s) => [s.imageId, s.stage, s.alreadyDisabled, s.reason])).toEqual([
      ['ami-1', 'disable', true, `disable: disabled without ${TAG.disabledAt}; counted from now, deleted after 3 days if still unused`],
      ['ami-2', 'enable', true, 'enable: disabled, but in use by launch template lt-1'],
    ]);
  });

  it('enables nothing when usage is unknown', () => {
    const used = image('ami-2', 'disabled', { [TAG.disabledAt]: daysAgo(10) });

    expect(
      planStages(
        [used],
        [decision(used, 'keep', 'kept: usage could not be established')],
        { known: false, reason: 'denied' },
        { policy: policy(3), now: NOW },
      ).stages,
    ).toEqual([]);
  });
});
