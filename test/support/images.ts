import type { ManagedImage } from '../../src/retention/inventory.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { TAG } from '../../src/rotation/tags.ts';

export const ACCOUNT = '123456789012';
export const FAMILY = 'web-prod';
export const NOW = new Date('2026-11-23T12:00:00.000Z');

let counter = 0;
/** An available, managed image of the family, `days` old, with one snapshot. */
export const image = (days: number, overrides: Partial<ManagedImage> & { extraTags?: Record<string, string> } = {}): ManagedImage => {
  counter += 1;
  const id = overrides.imageId ?? `ami-${counter.toString(16).padStart(17, '0')}`;
  const { extraTags, ...rest } = overrides;
  return {
    imageId: id,
    name: `${FAMILY}-${counter}`,
    state: 'available',
    ownerId: ACCOUNT,
    creationDate: new Date(NOW.getTime() - days * DAY_MS).toISOString(),
    tags: { [TAG.managed]: 'true', [TAG.family]: FAMILY, ...extraTags },
    deregistrationProtected: false,
    snapshotIds: [`snap-${counter.toString(16).padStart(17, '0')}`],
    ...rest,
  };
};
