/**
 * The first stage of retirement: an image that is no longer the family's newest gets a deprecation time
 * (`deprecateAfterDays` after its creation), so EC2 stops offering it to new launches by default while
 * it stays usable by id. Pure: it plans, with a reason for each image; the prune applies the plan.
 */

import { isKeepTagged, isSetAside, TAG } from '../rotation/tags.ts';
import type { ManagedImage } from './inventory.ts';
import { newestFirst } from './plan.ts';
import { DAY_MS, type RetentionPolicy } from './policy.ts';

export interface DeprecationDecision {
  imageId: string;
  name: string;
  /** ISO time, to the minute (EC2 rounds seconds). */
  deprecateAt: string;
  reason: string;
}

export interface DeprecationContext {
  family: string;
  policy: RetentionPolicy;
  now: Date;
  accountId?: string | undefined;
  /** Tonight's image (the newest, whatever the listing says), among any others never to touch. */
  protectedImageIds?: readonly string[];
}

const MINUTE_MS = 60_000;
/** EnableImageDeprecation refuses a time in the past and one more than 10 years ahead (API reference). */
const MAX_AHEAD_YEARS = 10;

const toMinute = (ms: number) => new Date(Math.ceil(ms / MINUTE_MS) * MINUTE_MS).toISOString().replace('.000Z', 'Z');

/**
 * `retiring`: the images deleted or disabled tonight. They get no deprecation time: a deleted image is gone, and a
 * disabled one launches nothing (enabled again, it is the next night's to deprecate).
 */
export const planDeprecations = (
  images: readonly ManagedImage[],
  retiring: ReadonlySet<string>,
  ctx: DeprecationContext,
): DeprecationDecision[] => {
  const days = ctx.policy.deprecateAfterDays;
  if (days === undefined) return [];
  const ours = images.filter(
    (i) =>
      i.state === 'available' &&
      i.tags[TAG.managed] === 'true' &&
      i.tags[TAG.family] === ctx.family &&
      (ctx.accountId === undefined || i.ownerId === ctx.accountId),
  );
  // The newest image a consumer should move to: never one set aside (a failed boot test, a rollback).
  const newest = newestFirst(ours.filter((i) => !isSetAside(i.tags)))[0];
  // Never before the next whole minute (EC2 refuses the past), never past its ten-year limit.
  const earliest = ctx.now.getTime() + MINUTE_MS;
  const latest = new Date(ctx.now);
  latest.setUTCFullYear(latest.getUTCFullYear() + MAX_AHEAD_YEARS);
  return ours
    .filter(
      (i) =>
        i.imageId !== newest?.imageId &&
        !(ctx.protectedImageIds ?? []).includes(i.imageId) &&
        i.deprecationTime === undefined &&
        !isKeepTagged(i.tags) &&
        !retiring.has(i.imageId),
    )
    .map((i) => {
      const due = Date.parse(i.creationDate) + days * DAY_MS;
      const at = Math.min(Math.max(due, earliest), latest.getTime() - MINUTE_MS);
      const deprecateAt = toMinute(at);
      const when = due < earliest ? 'now: that time has passed' : `at ${deprecateAt}`;
      return {
        imageId: i.imageId,
        name: i.name,
        deprecateAt,
        reason: `deprecate: no longer the newest, ${days} day${days === 1 ? '' : 's'} after creation (${when})`,
      };
    });
};
