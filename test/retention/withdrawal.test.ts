import { describe, expect, it } from 'vitest';
import type { ImageDecision, UsageReport } from '../../src/retention/plan.ts';
import { planWithdrawals } from '../../src/retention/withdrawal.ts';

const decision = (imageId: string, action: 'keep' | 'delete', state = 'available', reason = 'expired: 22 days old'): ImageDecision => ({
  imageId,
  name: `web-${imageId}`,
  creationDate: '2026-11-01T00:00:00Z',
  state,
  action,
  reason,
  snapshotIds: [],
});
const usage = (withdraw: string[] = [], restore: string[] = []): UsageReport => ({
  known: true,
  checked: new Set([...withdraw, ...restore]),
  uses: new Map(restore.map((id) => [id, ['another account: 1 instance in 111122223333']])),
  withdraw: new Map(withdraw.map((id) => [id, 'no other account uses it (usage report amiur-1)'])),
  restore: new Map(restore.map((id) => [id, 'another account: 1 instance in 111122223333'])),
});
const MIN_KEEP = { minKeep: 2 };

describe('retiring a shared image over two nights', () => {
  it('makes an expired shared image that nobody uses private tonight instead of deleting it, saying why', () => {
    const plan = planWithdrawals([decision('ami-1', 'delete'), decision('ami-2', 'delete')], usage(['ami-1']), MIN_KEEP);

    expect(plan.decisions.map((d) => [d.imageId, d.action])).toEqual([
      ['ami-1', 'keep'],
      ['ami-2', 'delete'],
    ]);
    expect(plan.stages).toEqual([
      expect.objectContaining({
        imageId: 'ami-1',
        stage: 'withdraw',
        reason: expect.stringMatching(/^withdraw: expired: 22 days old; made private tonight/),
      }),
    ]);
    expect(plan.decisions[0]?.reason).toBe(plan.stages[0]?.reason);
  });

  it.each<[string, ImageDecision, Partial<typeof MIN_KEEP & { disableBeforeDeleteDays: number }>]>([
    ['kept (by the floor, say)', decision('ami-1', 'keep'), {}],
    ['already disabled (no launch permission left)', decision('ami-1', 'delete', 'disabled'), {}],
    ['under disableBeforeDeleteDays, whose disabling withdraws', decision('ami-1', 'delete'), { disableBeforeDeleteDays: 3 }],
  ])('leaves the plan alone for an image %s', (_what, d, policy) => {
    const plan = planWithdrawals([d], usage(['ami-1']), { ...MIN_KEEP, ...policy });

    expect(plan.stages).toEqual([]);
    expect(plan.decisions).toEqual([d]);
  });

  it('shares again an image made private that another account turns out to use', () => {
    const plan = planWithdrawals(
      [decision('ami-1', 'keep', 'available', 'kept: in use by another account')],
      usage([], ['ami-1']),
      MIN_KEEP,
    );

    expect(plan.stages).toEqual([
      expect.objectContaining({
        imageId: 'ami-1',
        stage: 'share again',
        reason: 'share again: made private to retire it, but in use by another account: 1 instance in 111122223333',
      }),
    ]);
    expect(plan.decisions[0]?.action).toBe('keep');
  });

  it('does nothing when usage is not known', () => {
    const decisions = [decision('ami-1', 'delete')];

    expect(planWithdrawals(decisions, { known: false, reason: 'AccessDenied' }, MIN_KEEP)).toEqual({ decisions, stages: [] });
    expect(planWithdrawals(decisions, undefined, MIN_KEEP)).toEqual({ decisions, stages: [] });
  });
});
