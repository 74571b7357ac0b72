import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { autoScalingActions } from '../../emulator/actions/auto-scaling.ts';
import { cloudWatchActions } from '../../emulator/actions/cloudwatch.ts';
import type { ActionDef } from '../../emulator/actions/context.ts';
import { rbinActions } from '../../emulator/actions/recycle-bin.ts';
import { schedulerActions } from '../../emulator/actions/scheduler.ts';
import { ssmActions } from '../../emulator/actions/ssm.ts';
import { EC2_ACTIONS } from '../../emulator/protocols/query.ts';
import { emulatorClients } from '../../local/clients.ts';
import { useEmulator } from '../support/emulator.ts';

const SERVICES: Record<string, Record<string, ActionDef<never>>> = {
  ec2: EC2_ACTIONS,
  autoscaling: autoScalingActions,
  ssm: ssmActions,
  cloudwatch: cloudWatchActions,
  rbin: rbinActions,
  scheduler: schedulerActions,
};
/** What an AWS action's verb says it does (AWS API naming): these change the account, the rest read it. */
const CHANGES = /^(Create|Copy|Delete|Deregister|Put|Modify|Reset|Run|Terminate|Stop|Start|Send|Enable|Disable|Cancel)/;

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

describe('regions', () => {
  const emulator = useEmulator();

  it('keeps each region apart and answers as the region a request is signed for', async () => {
    emulator().seed({ images: [{ imageId: 'ami-0e00000000000eu01', name: 'eu-only', creationDate: '2026-11-01T00:00:00Z' }] }, 'eu-west-1');
    emulator().seed({ images: [{ imageId: 'ami-0e00000000000us01', name: 'us-only', creationDate: '2026-11-01T00:00:00Z' }] });
    const names = async (region: string) =>
      (await emulatorClients(emulator().url, { AWS_REGION: region }).ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images?.map(
        (i) => i.Name,
      );

    expect(await names('eu-west-1')).toEqual(['eu-only']);
    expect(await names('us-east-1')).toEqual(['us-only']);
    expect(await names('ap-southeast-2')).toEqual([]);
    expect(emulator().requests.map((r) => r.region)).toEqual(['eu-west-1', 'us-east-1', 'ap-southeast-2']);
    expect([...emulator().storeIn('eu-west-1').images.keys()]).toEqual(['ami-0e00000000000eu01']);
  });
});
