/**
 * A family's retention policy. An image expires when it is not among the newest `keepLast` AND is
 * older than `maxAgeDays` (when only one is set, that one decides); at least `minKeep` available
 * images always remain, whatever their age.
 */
export interface RetentionPolicy {
  keepLast?: number;
  maxAgeDays?: number;
  minKeep: number;
  /** Deprecate each image this many days after its creation, once it is no longer the newest; off when absent. */
  deprecateAfterDays?: number;
  /** Disable an expired image first, and delete it only once it has been disabled this many days and is still unused. */
  disableBeforeDeleteDays?: number;
  /**
   * A shared image (tagged ami-rotator:shared=true) launched anywhere within this many days (DescribeImages'
   * LastLaunchedTime) is kept, whatever its usage report says; off when absent.
   */
  keepLaunchedWithinDays?: number;
}

/** A week of nightly images, kept at least a week, and never fewer than two to roll back to. */
export const DEFAULT_RETENTION: Required<
  Omit<RetentionPolicy, 'deprecateAfterDays' | 'disableBeforeDeleteDays' | 'keepLaunchedWithinDays'>
> = {
  keepLast: 7,
  maxAgeDays: 7,
  minKeep: 2,
};

/** A shared image launched within a week is kept (the deployment's default; LastLaunchedTime lags a day). */
export const DEFAULT_KEEP_LAUNCHED_WITHIN_DAYS = 7;

export const describePolicy = (p: RetentionPolicy): string =>
  [
    p.keepLast === undefined ? undefined : `keep the newest ${p.keepLast}`,
    p.maxAgeDays === undefined ? undefined : `keep anything younger than ${p.maxAgeDays} days`,
    `never fewer than ${p.minKeep} available`,
    p.deprecateAfterDays === undefined ? undefined : `deprecate ${p.deprecateAfterDays} days after creation once not the newest`,
    p.disableBeforeDeleteDays === undefined ? undefined : `disable expired images ${p.disableBeforeDeleteDays} days before deleting them`,
    p.keepLaunchedWithinDays === undefined ? undefined : `keep a shared image launched within ${p.keepLaunchedWithinDays} days`,
  ]
    .filter(Boolean)
    .join(', ');

export const DAY_MS = 86_400_000;
