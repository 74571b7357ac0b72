import type { Ec2Emulator } from '../../emulator/server.ts';
import { TAG } from '../../src/rotation/tags.ts';

export const INSTANCE = 'i-0a1b2c3d4e5f60001';
export const FAMILY = 'web-prod';
export const input = (extra: Record<string, unknown> = {}) => ({ family: FAMILY, instanceId: INSTANCE, ...extra });

/** The golden instance, with two EBS volumes, opted in to the family's rotation by its tag. */
export const seedInstance = (emulator: Ec2Emulator, extra: Record<string, unknown> = {}) =>
  emulator.seed({
    instances: [
      {
        instanceId: INSTANCE,
        tags: { [TAG.family]: FAMILY },
        volumes: [
          { deviceName: '/dev/xvda', sizeGiB: 16 },
          { deviceName: '/dev/xvdb', sizeGiB: 50 },
        ],
        ...extra,
      },
    ],
  });

/** Images and snapshots left in the account that a given execution made. */
export const leftBy = (emulator: Ec2Emulator, executionArn: string) => ({
  images: [...emulator.store.images.values()].filter((i) => i.tags.some((t) => t.key === TAG.execution && t.value === executionArn)),
  snapshots: [...emulator.store.snapshots.values()].filter((s) => s.tags.some((t) => t.key === TAG.execution && t.value === executionArn)),
});

export const statesEntered = (events: readonly { type: string; state?: { name: string } }[], name: string) =>
  events.filter((e) => e.type === 'StateEntered' && e.state?.name === name).length;

/** Waits for the next second: an image's name has the second its execution started in, so two nights need two seconds. */
export const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
