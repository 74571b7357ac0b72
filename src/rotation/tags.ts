/** The tags ami-rotator writes. They are how it recognises what it owns: changing a key orphans existing images. */
export const TAG = {
  managed: 'ami-rotator:managed',
  family: 'ami-rotator:family',
  sourceInstance: 'ami-rotator:source-instance',
  execution: 'ami-rotator:execution',
  createdAt: 'ami-rotator:created-at',
  status: 'ami-rotator:status',
  completedAt: 'ami-rotator:completed-at',
  imageId: 'ami-rotator:image-id',
  device: 'ami-rotator:device',
  /** When the prune disabled the image (disableBeforeDeleteDays): it is deleted that many days later if still unused. */
  disabledAt: 'ami-rotator:disabled-at',
  /** When the prune enabled an image again (it was disabled, and found in use): the night's alert says so, even after a crash. */
  enabledAt: 'ami-rotator:enabled-at',
  /**
   * When the prune made a shared image private (its launch permissions withdrawn, the first night of its retirement):
   * written before the withdrawal, so a pass whose answer was lost is found and finished by the next one.
   */
  withdrawnAt: 'ami-rotator:withdrawn-at',
  /** On a boot test's instance and volumes: the execution that launched it (its role may terminate only these). */
  bootTest: 'ami-rotator:boot-test',
  /** On a copy in another region (distribute): the image it was copied from, and that image's region. */
  copiedFrom: 'ami-rotator:copied-from',
  sourceRegion: 'ami-rotator:source-region',
  /**
   * On an image shared with other accounts (set before it is shared, by the publish step; by a person for an image
   * shared by hand): their use of it cannot be seen by DescribeImageReferences, so it counts as in use.
   */
  shared: 'ami-rotator:shared',
  /** Set by a person to keep an image whatever the policy says. */
  keep: 'ami-rotator:keep',
  /** On an image a rollback withdrew (status rolled-back): the rollback's execution. */
  rolledBackBy: 'ami-rotator:rolled-back-by',
  /** On a candidate channel's image (docs/channels.md): where its promotion to the stable channel stands. */
  promotion: 'ami-rotator:promotion',
  /** On a candidate: the promotion execution that owns it (a second start of its promotion, from a repeated event, stops). */
  promotionBy: 'ami-rotator:promotion-by',
} as const;

/** The values of `ami-rotator:promotion`: awaiting (kept by retention until it ends), then how it ended. */
export const PROMOTION = { awaiting: 'awaiting', promoted: 'promoted', expired: 'expired', rejected: 'rejected' } as const;

export const RESERVED_TAG_PREFIX = 'ami-rotator:';

/** `ami-rotator:status` of an image once it is complete. */
export const AVAILABLE = 'available';

/**
 * Tag keys a release renamed: images an earlier release made carry `formerly`, read as `key` (test/upgrade/
 * tag-contract.json records each, and its test fails on a key changed without one). None so far. A migration of
 * `managed` or `family` must also widen the server-side filters of listManagedImages (src/retention/inventory.ts),
 * which ask EC2 for today's keys only.
 */
export const TAG_MIGRATIONS: readonly { formerly: string; key: string; since: string }[] = [];

/** The `ami-rotator:status` of an image that failed its boot test and was kept for inspection (bootTest.keepFailedImage). */
export const BOOT_TEST_FAILED = 'boot-test-failed';
/** The `ami-rotator:status` of an image a rollback withdrew (`ami-rotator rollback`): kept for inspection. */
export const ROLLED_BACK = 'rolled-back';
/** The `ami-rotator:status` of a candidate a person rejected (`ami-rotator reject`): never promoted, kept for inspection. */
export const REJECTED = 'rejected';
/**
 * The one reading of all three: an image set aside for inspection is never published, never a rollback target, never the
 * newest nor a rotation's previous image, counts towards no retention rule, and is pruned by age.
 */
export const isSetAside = (tags: Readonly<Record<string, string>>): boolean =>
  tags[TAG.status] === BOOT_TEST_FAILED || tags[TAG.status] === ROLLED_BACK || tags[TAG.status] === REJECTED;
/** Why an image is set aside, in a few words (a plan's reason, a refusal). */
export const setAsideReason = (tags: Readonly<Record<string, string>>): string =>
  tags[TAG.status] === ROLLED_BACK
    ? `rolled back${tags[TAG.rolledBackBy] ? ` by ${tags[TAG.rolledBackBy]}` : ''}`
    : tags[TAG.status] === REJECTED
      ? 'rejected as a candidate'
      : 'failed its boot test';

/** The one reading of a person's keep tag, for images and snapshots alike: `true` in any case. */
export const isKeepTagged = (tags: Readonly<Record<string, string>>): boolean => tags[TAG.keep]?.toLowerCase() === 'true';
/** How a plan names the keep tag in its reasons. */
export const KEEP_REASON = `kept: tagged ${TAG.keep}=true`;

export type TagMap = Readonly<Record<string, string>>;

export const toEc2Tags = (tags: TagMap): { Key: string; Value: string }[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export const fromEc2Tags = (
  tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
  migrations: typeof TAG_MIGRATIONS = TAG_MIGRATIONS,
): Record<string, string> => {
  const read: Record<string, string> = Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  // An earlier release's key, read under today's (today's wins when both are there).
  for (const { formerly, key } of migrations) if (read[formerly] !== undefined && read[key] === undefined) read[key] = read[formerly];
  return read;
};
