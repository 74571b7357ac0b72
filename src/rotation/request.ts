/**
 * The execution input: one contract for the schedule and for a person pasting JSON into the
 * Step Functions console. Validation names every bad field and what was expected.
 */
import * as z from 'zod/mini';
import type { DeploymentConfig } from '../config.ts';
import { ConfigurationError, InvalidInputError } from '../errors.ts';
import type { RetentionPolicy } from '../retention/policy.ts';
import { closestName } from '../suggest.ts';
import type { WaitPolicy } from './backoff.ts';
import { type BootTest, bootTestSchema, toBootTest } from './boot-test-request.ts';
import { checkDistribute, type Distribution, distributeSchema } from './distribute-request.ts';
import { FAMILY_PATTERN, FAMILY_RULE } from './family.ts';
import { type Prepare, prepareSchema, toPrepare } from './prepare-request.ts';
import { type Publish, publishSchema, type Share, toPublish, toShare } from './publish-request.ts';
import { mergeRetention, retentionSchema } from './retention-request.ts';
import { RESERVED_TAG_PREFIX } from './tags.ts';

// zod/mini: the same validation as zod, tree-shaken to what the contract uses (a fifth of the bundle).

/** Larger inputs are refused before parsing: nothing legitimate comes close. */
const MAX_INPUT_BYTES = 32 * 1024;
const MAX_USER_TAGS = 30;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
/** No control characters and no lone UTF-16 surrogate (which no AWS API can encode). */
const noControl = (s: string) => !CONTROL_CHARS.test(s) && s.isWellFormed();
/**
 * The deepest field is a region's launch template (`distribute.regions[0].publish.launchTemplates[0].name`: six deep);
 * anything deeper is refused before it is walked.
 */
const MAX_DEPTH = 7;

/** An EC2 instance id (the input contract's rule; the release template's InstanceId Parameter too). */
export const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
const text = (error: string) => z.string({ error });

const tagKey = z.string().check(
  z.minLength(1, 'expected a tag key of 1 to 128 characters'),
  z.maxLength(128, 'expected a tag key of at most 128 characters'),
  z.refine(noControl, 'expected no control characters or unpaired surrogates in a tag key'),
  z.refine((k) => !k.toLowerCase().startsWith('aws:'), 'the "aws:" prefix is reserved by AWS'),
  z.refine((k) => !k.startsWith(RESERVED_TAG_PREFIX), `the "${RESERVED_TAG_PREFIX}" prefix is reserved for ami-rotator's own tags`),
  z.refine((k) => k !== 'Name', 'Name is the image name, which ami-rotator sets; choose another key'),
);
const tagValue = text('expected a string tag value').check(
  z.maxLength(256, 'expected a tag value of at most 256 characters'),
  z.refine(noControl, 'expected no control characters or unpaired surrogates in a tag value'),
);

export const executionInputSchema = z.strictObject({
  family: z.optional(text('expected a string').check(z.regex(FAMILY_PATTERN, FAMILY_RULE))),
  instanceId: z.optional(text('expected a string').check(z.regex(INSTANCE_ID, 'expected an EC2 instance id such as i-0123456789abcdef0'))),
  noReboot: z.optional(z.boolean({ error: 'expected true (live snapshot, no reboot) or false (reboot for a consistent filesystem)' })),
  description: z.optional(
    text('expected a string').check(
      // EC2 counts a description's characters as UTF-16 code units (the stricter reading): an emoji counts two.
      z.refine((d) => d.length <= 255, 'expected at most 255 characters, counted as EC2 does (UTF-16 units: an emoji counts 2)'),
      z.refine(noControl, 'expected no control characters or unpaired surrogates'),
    ),
  ),
  tags: z.optional(
    z
      .record(tagKey, tagValue, { error: 'expected an object of tag keys to string values' })
      .check(z.refine((t) => Object.keys(t).length <= MAX_USER_TAGS, `expected at most ${MAX_USER_TAGS} tags`)),
  ),
  retention: z.optional(retentionSchema),
  publish: z.optional(z.nullable(publishSchema)),
  bootTest: z.optional(z.nullable(bootTestSchema)),
  prepare: z.optional(z.nullable(prepareSchema)),
  distribute: z.optional(z.nullable(distributeSchema)),
  dryRun: z.optional(z.boolean({ error: 'expected true or false' })),
  onConflict: z.optional(
    z.enum(['fail', 'skip'], {
      error:
        'expected "fail" (another rotation of the family running: RotationInProgress and an alert) or "skip" (end successfully, no alert)',
    }),
  ),
  // The Step Functions console's default input is {"Comment": "Insert your JSON here"}: a note, accepted and ignored.
  Comment: z.optional(
    text('expected a string').check(
      z.maxLength(1000, 'expected at most 1000 characters'),
      z.refine((c) => c.isWellFormed(), 'expected no unpaired surrogates'),
    ),
  ),
});

export type { Publish } from './publish-request.ts';

/** The validated request that every later step receives. */
export interface RotationRequest {
  family: string;
  instanceId: string;
  noReboot: boolean;
  description: string | undefined;
  tags: Record<string, string>;
  retention: RetentionPolicy;
  dryRun: boolean;
  /** When another execution is rotating the family: `fail` (RotationInProgress, one alert) or `skip` (succeed, nothing made). */
  onConflict: 'fail' | 'skip';
  wait: WaitPolicy;
  /** Where the new image is handed on once tagged; absent when nothing is published. */
  publish?: Publish;
  /** Launch the new image and judge its boot before publishing it; absent when not tested. */
  bootTest?: BootTest;
  /** Systems Manager documents run on the instance before it is imaged; absent when it is imaged as it is. */
  prepare?: Prepare;
  /** The other regions the new image is copied to, each with its own publishing and retention; absent when none. */
  distribute?: Distribution;
}

/** A deployment setting given as JSON (ROTATOR_PUBLISH, ROTATOR_BOOT_TEST), checked with the input's own rules. */
const jsonSetting = <T>(name: string, raw: string | undefined, schema: z.ZodMiniType<T>, example: string): T | undefined => {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigurationError(`${name}: expected JSON such as ${example}, got "${raw.slice(0, 100)}"`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConfigurationError(`${name}: ${parsed.error.issues.flatMap(describeIssue).join('; ')}`);
  return parsed.data;
};
const publishSetting = (raw: string | undefined) =>
  jsonSetting('ROTATOR_PUBLISH', raw, publishSchema, '{"parameter": "/golden/web-prod/latest"}');
const bootTestSetting = (raw: string | undefined): BootTest | undefined => {
  const value = jsonSetting(
    'ROTATOR_BOOT_TEST',
    raw,
    bootTestSchema,
    '{"instanceTypes": ["t3.micro"], "subnetIds": ["subnet-0123456789abcdef0"]}',
  );
  return value === undefined ? undefined : toBootTest(value);
};

/**
 * The documents to run before imaging, from the input or (`fromDeployment`) the deployment's setting: one-word
 * defaults resolved, and any other document only if the deployment lists it (its role may send no other).
 */
const prepareOf = (value: z.infer<typeof prepareSchema> | null | undefined, config: DeploymentConfig, fromDeployment: boolean) => {
  if (value == null) return undefined;
  const prepare = toPrepare(value, config.cleanUpDocument);
  const refused = prepare.documents
    .map((d, i) => ({ d, i }))
    // A built-in is the one-word item, never a document that happens to be named `patch` or `clean`.
    .filter(({ i, d }) => typeof value.documents[i] !== 'string' && !config.prepareDocuments.includes(d.document))
    .map(
      ({ d, i }) =>
        `prepare.documents[${i}].document: expected "patch", "clean" or one of this deployment's prepareDocuments (${config.prepareDocuments.join(', ') || 'none listed'}), got ${d.document}: the prepare role may run no other`,
    );
  if (refused.length > 0) {
    if (fromDeployment) throw new ConfigurationError(`ROTATOR_PREPARE: ${refused.join('; ')}; list the document in prepareDocuments`);
    throw new InvalidInputError(refused);
  }
  return prepare;
};
const prepareSetting = (raw: string | undefined) => jsonSetting('ROTATOR_PREPARE', raw, prepareSchema, '{"documents": ["patch", "clean"]}');

const distributeSetting = (raw: string | undefined) =>
  jsonSetting('ROTATOR_DISTRIBUTE', raw, distributeSchema, '{"regions": [{"region": "eu-west-1"}]}');

/** Publishing with sharing: an image shared with no parameter or template to publish is still handed on (shared). */
const sharedPublish = (publish: Publish | undefined, share: Share | undefined, field: string): Publish | undefined => {
  // Consumers are the accounts the image is shared with, by id: each gets the parameter through its own role.
  if (publish?.consumers && (share?.accounts.length ?? 0) + (share?.organizationalUnits.length ?? 0) === 0)
    throw new InvalidInputError([
      `${field}.consumers: expected distribute.share.accounts or organizationalUnits to name the consumer accounts (each gets ${publish.consumers.parameter} in its own account)`,
    ]);
  return share === undefined ? publish : { ...(publish ?? { launchTemplates: [] }), share };
};

/**
 * The regions to copy to, from the input or (`fromDeployment`) the deployment's setting, each with its publishing
 * (its own, or else the source's parameter under the same name, null for none), its sharing (its own, or else
 * `distribute.share`; null for none) and its retention over the family's. Undefined when it copies nowhere.
 */
const distributeOf = (
  value: z.infer<typeof distributeSchema> | null | undefined,
  config: DeploymentConfig,
  fromDeployment: boolean,
  family: { retention: RetentionPolicy; publish: Publish | undefined },
): Distribution | undefined => {
  if (value == null) return undefined;
  checkDistribute(value, distributeSetting(config.distribute), config.region, fromDeployment);
  if (!value.regions) return undefined;
  return {
    regions: value.regions.map((r, i) => {
      const at = { field: `distribute.regions.${i}.publish`, setting: 'ROTATOR_DISTRIBUTE', inSetting: `regions.${i}.publish.` };
      // A region without its own publishing gets the source's parameter and consumers under the same names (a
      // candidate channel's too, and the promotion to the stable parameter and consumers).
      const promotion = family.publish?.promotion;
      const inherited = family.publish && {
        ...(family.publish.parameter === undefined ? {} : { parameter: family.publish.parameter }),
        launchTemplates: [],
        ...(family.publish.consumers ? { consumers: family.publish.consumers } : {}),
        ...(promotion
          ? {
              promotion: {
                ...promotion,
                stable: {
                  ...(promotion.stable.parameter === undefined ? {} : { parameter: promotion.stable.parameter }),
                  launchTemplates: [],
                  ...(promotion.stable.consumers ? { consumers: promotion.stable.consumers } : {}),
                },
              },
            }
          : {}),
      };
      const publish =
        r.publish === undefined
          ? inherited?.parameter === undefined && inherited?.consumers === undefined
            ? undefined
            : inherited
          : toPublish(r.publish, config.publishPath, fromDeployment, at);
      return {
        region: r.region,
        ...(r.kmsKeyId === undefined ? {} : { kmsKeyId: r.kmsKeyId }),
        ...withPublish(sharedPublish(publish, r.share === undefined ? toShare(value.share) : toShare(r.share), at.field)),
        retention: mergeRetention(family.retention, r.retention),
      };
    }),
  };
};

const withPublish = (publish: Publish | undefined) => (publish ? { publish } : {});
const withPrepare = (prepare: Prepare | undefined) => (prepare ? { prepare } : {});
const withBootTest = (bootTest: BootTest | undefined) => (bootTest ? { bootTest } : {});

/** The fields an object of the input takes at `path` (the schema's own shape), for "did you mean". */
const knownFieldsAt = (path: readonly PropertyKey[]): string[] => {
  let schema: unknown = executionInputSchema;
  const def = (s: unknown) => (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def ?? {};
  const unwrap = (s: unknown): unknown => {
    let current = s;
    for (let d = def(current); d.type === 'optional' || d.type === 'nullable' || d.type === 'default'; d = def(current))
      current = d.innerType;
    return current;
  };
  for (const key of path) {
    const d = def(unwrap(schema));
    schema = d.type === 'object' ? (d.shape as Record<string, unknown>)[String(key)] : d.type === 'array' ? d.element : undefined;
  }
  const d = def(unwrap(schema));
  return d.type === 'object' ? Object.keys(d.shape as Record<string, unknown>) : [];
};

const describeIssue = (issue: z.core.$ZodIssue): string[] => {
  const path = issue.path.map(String).join('.') || 'input';
  if (issue.code === 'unrecognized_keys') {
    const known = knownFieldsAt(issue.path);
    // A field one level too high (`keeplast` for retention.keepLast) is named where it belongs.
    const below = known.flatMap((field) => knownFieldsAt([...issue.path, field]).map((sub) => [sub, `${field}.${sub}`] as const));
    return issue.keys.map((key) => {
      const nested = below.find(
        ([sub]) =>
          sub ===
          closestName(
            key,
            below.map(([name]) => name),
          ),
      )?.[1];
      const closest = closestName(key, known) ?? nested;
      const hint = closest ? `did you mean ${closest}?` : known.length ? `expected one of ${known.join(', ')}` : '';
      return `${issue.path.length ? `${path}.` : ''}${key}: unknown field${hint ? `; ${hint}` : ''}`;
    });
  }
  // A tag key that breaks a rule: the rule's own message, not the record's.
  if (issue.code === 'invalid_key') return issue.issues.map((inner) => `${path}: ${inner.message}`);
  // One of several shapes (prepare's "patch" or {document, ...}): when one shape's issues lie deeper than the
  // value itself, the value has that shape and those issues say what is wrong in it.
  if (issue.code === 'invalid_union') {
    const deeper = issue.errors.find((option) => option.some((inner) => inner.path.length > 0));
    if (deeper) return deeper.flatMap((inner) => describeIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue));
  }
  return [`${path}: ${issue.message}`];
};

const KNOWN_FIELDS = Object.keys(executionInputSchema.shape).join(', ');

/** How deep the input nests, counted without recursion, stopping as soon as it passes `limit`. */
export const depthExceeds = (input: unknown, limit: number): boolean => {
  const stack: [unknown, number][] = [[input, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, depth] = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
};

/** Where the input has an own `__proto__` key, which a JavaScript object cannot hold as data: refused, never dropped. */
const protoKeys = (value: unknown, path: string): string[] => {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).flatMap((key) => {
    const at = path ? `${path}.${key}` : key;
    return key === '__proto__' ? [at] : protoKeys((value as Record<string, unknown>)[key], at);
  });
};

/** Validates an execution input against the contract and fills in the deployment's defaults. */
export const parseRotationRequest = (input: unknown, config: DeploymentConfig): RotationRequest => {
  if (depthExceeds(input, MAX_DEPTH))
    throw new InvalidInputError([`input: nested more than ${MAX_DEPTH} levels deep; no field takes that`]);
  const reserved = protoKeys(input, '');
  if (reserved.length > 0) throw new InvalidInputError(reserved.map((at) => `${at}: "__proto__" is not accepted as a key; choose another`));
  const size = Buffer.byteLength(JSON.stringify(input ?? null));
  if (size > MAX_INPUT_BYTES) throw new InvalidInputError([`input: ${size} bytes, expected at most ${MAX_INPUT_BYTES}`]);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError([`input: expected a JSON object with the fields ${KNOWN_FIELDS}`]);
  }
  const parsed = executionInputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap(describeIssue);
    throw new InvalidInputError(problems);
  }
  const value = parsed.data;
  const family = value.family ?? config.defaultFamily;
  const instanceId = value.instanceId ?? config.defaultInstanceId;
  const missing = [
    family === undefined ? 'family: required (this deployment has no default family)' : undefined,
    instanceId === undefined ? 'instanceId: required (this deployment has no default instance)' : undefined,
  ].filter((p): p is string => p !== undefined);
  if (family === undefined || instanceId === undefined) throw new InvalidInputError(missing);
  const retention = mergeRetention(config.retention, value.retention);
  // The input's publish replaces the deployment's; null publishes nothing.
  const publish =
    value.publish === undefined
      ? toPublish(publishSetting(config.publish), config.publishPath, true)
      : toPublish(value.publish, config.publishPath, false);
  // The input's distribute replaces the deployment's (among its regions and keys); null copies and shares nowhere.
  const distributeValue = value.distribute === undefined ? distributeSetting(config.distribute) : value.distribute;
  const distribute = distributeOf(distributeValue, config, value.distribute === undefined, { retention, publish });
  // The source region's image is shared as `distribute.share` says, before it is published.
  const sourcePublish = sharedPublish(publish, toShare(distributeValue?.share), 'publish');
  return {
    family,
    instanceId,
    noReboot: value.noReboot ?? config.noReboot,
    description: value.description,
    tags: value.tags ?? {},
    retention,
    dryRun: value.dryRun ?? false,
    onConflict: value.onConflict ?? 'fail',
    wait: config.wait,
    ...withPublish(sourcePublish),
    // The input's bootTest replaces the deployment's; null tests nothing.
    ...withBootTest(
      value.bootTest === undefined ? bootTestSetting(config.bootTest) : value.bootTest === null ? undefined : toBootTest(value.bootTest),
    ),
    // The input's prepare replaces the deployment's; null images the instance as it is.
    ...withPrepare(
      value.prepare === undefined ? prepareOf(prepareSetting(config.prepare), config, true) : prepareOf(value.prepare, config, false),
    ),
    ...(distribute ? { distribute } : {}),
  };
};
