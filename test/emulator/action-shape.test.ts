import { describe, expect, it } from 'vitest';
import { autoScalingActions } from '../../emulator/actions/auto-scaling.ts';
import { cloudWatchActions } from '../../emulator/actions/cloudwatch.ts';
import type { ActionDef } from '../../emulator/actions/context.ts';
import { rbinActions } from '../../emulator/actions/recycle-bin.ts';
import { schedulerActions } from '../../emulator/actions/scheduler.ts';
import { ssmActions } from '../../emulator/actions/ssm.ts';
import { EC2_ACTIONS } from '../../emulator/protocols/query.ts';

const SERVICES: Record<string, Record<string, ActionDef<never>>> = {
  ec2: EC2_ACTIONS,
  autoscaling: autoScalingActions,
  ssm: ssmActions,
  cloudwatch: cloudWatchActions,
  rbin: rbinActions,
  scheduler: schedulerActions,
};
/** What an AWS action's verb says it does (AWS API naming): these change the account, the rest read it. */
const CHANGES = /^(Create|Delete|Deregister|Put|Modify|Run|Terminate|Stop|Start|Send|Enable|Disable)/;

describe('the emulator actions, one shape', () => {
  const all = Object.entries(SERVICES).flatMap(([service, actions]) =>
    Object.entries(actions).map(([name, def]) => ({ service, name, def })),
  );

  it('declares with each action whether it changes the account, as its verb says', () => {
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter((a) => a.def.mutating !== CHANGES.test(a.name)).map((a) => `${a.service}:${a.name}`)).toEqual([]);
    expect(all.filter((a) => a.def.mutating).map((a) => a.name)).toContain('SendCommand');
  });

  it('runs every action with the one signature, (params, context)', () => {
    expect(all.filter((a) => typeof a.def.run !== 'function' || a.def.run.length > 2).map((a) => a.name)).toEqual([]);
  });
});
