/**
 * A retention policy as the input gives it (`retention`, and each region's under `distribute`), and how it overrides
 * the deployment's.
 */
import * as z from 'zod/mini';
import type { RetentionPolicy } from '../retention/policy.ts';

const whole = (min: number, max: number, what: string) => {
  const expected = `expected a whole number of ${what} from ${min} to ${max}`;
  return z.optional(z.int({ error: expected }).check(z.minimum(min, expected), z.maximum(max, expected)));
};
/** A retention rule: a whole number, or null to switch the rule off. */
const rule = (min: number, max: number, what: string) => {
  const expected = `expected a whole number of ${what} from ${min} to ${max}, or null to switch the rule off`;
  return z.optional(z.nullable(z.int({ error: expected }).check(z.minimum(min, expected), z.maximum(max, expected))));
};
export const retentionSchema = z.strictObject(
  {
    keepLast: rule(1, 1000, 'images'),
    maxAgeDays: rule(1, 3650, 'days'),
    minKeep: whole(1, 1000, 'images'),
    deprecateAfterDays: rule(1, 3650, 'days'),
    disableBeforeDeleteDays: rule(1, 3650, 'days'),
    keepLaunchedWithinDays: rule(1, 3650, 'days'),
  },
  {
    error:
      'expected an object with keepLast, maxAgeDays, minKeep, deprecateAfterDays, disableBeforeDeleteDays and/or keepLaunchedWithinDays',
  },
);

/**
 * The input's rules replace the deployment's as a pair: an input that names keepLast or maxAgeDays
 * states the whole expiry rule (the one it leaves out, or sets to null, is off), so `{keepLast: 3}`
 * means the newest 3, as the README's examples say. minKeep, the floor, overrides on its own.
 */
export const mergeRetention = (base: RetentionPolicy, override: z.infer<typeof retentionSchema> | undefined): RetentionPolicy => {
  const ownRules = override !== undefined && ('keepLast' in override || 'maxAgeDays' in override);
  const keepLast = ownRules ? override.keepLast : base.keepLast;
  const maxAgeDays = ownRules ? override.maxAgeDays : base.maxAgeDays;
  // The stages of retirement, like minKeep, override on their own; null switches one off.
  const own = <K extends 'deprecateAfterDays' | 'disableBeforeDeleteDays' | 'keepLaunchedWithinDays'>(key: K) =>
    override !== undefined && key in override ? override[key] : base[key];
  const deprecateAfterDays = own('deprecateAfterDays');
  const disableBeforeDeleteDays = own('disableBeforeDeleteDays');
  const keepLaunchedWithinDays = own('keepLaunchedWithinDays');
  return {
    ...(keepLast == null ? {} : { keepLast }),
    ...(maxAgeDays == null ? {} : { maxAgeDays }),
    minKeep: override?.minKeep ?? base.minKeep,
    ...(deprecateAfterDays == null ? {} : { deprecateAfterDays }),
    ...(disableBeforeDeleteDays == null ? {} : { disableBeforeDeleteDays }),
    ...(keepLaunchedWithinDays == null ? {} : { keepLaunchedWithinDays }),
  };
};
