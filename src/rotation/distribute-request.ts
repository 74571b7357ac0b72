/**
 * Distribution's part of the execution input (`distribute`) and of the deployment (`ROTATOR_DISTRIBUTE`): the
 * other regions each new image is copied to, per region an optional KMS key (an encrypted copy), what to publish
 * there, and a retention that overrides the family's. The deployment's setting is also the list of regions and
 * keys its roles may use (infra/distribute.cjs): an input may choose among them, never add one.
 * Limits: EC2 CopyImage (EC2 API Reference: KmsKeyId is a key id, alias or ARN; the stack takes key ARNs only, which
 * IAM can name) and Region names as the AWS General Reference has them (`eu-west-1`, `us-gov-west-1`).
 */
import * as z from 'zod/mini';
import { ConfigurationError, InvalidInputError } from '../errors.ts';
import type { RetentionPolicy } from '../retention/policy.ts';
import { type Publish, publishSchema, shareSchema } from './publish-request.ts';
import { retentionSchema } from './retention-request.ts';

/** How many regions one image is copied to at most: the Map state runs them all at once. */
const MAX_REGIONS = 10;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
// arn:aws:kms:<region>:<account>:key/<key id> (AWS KMS Developer Guide, "Key identifiers (KeyId)": key ARN).
const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[a-zA-Z0-9-]{1,128}$/;

const regionSchema = z
  .strictObject(
    {
      region: z
        .string({ error: 'expected a region name such as eu-west-1' })
        .check(z.regex(REGION, 'expected a region name such as eu-west-1')),
      kmsKeyId: z.optional(
        z
          .string({ error: 'expected a KMS key ARN' })
          .check(
            z.regex(
              KEY_ARN,
              'expected a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (a key id or alias cannot be named in IAM)',
            ),
          ),
      ),
      publish: z.optional(z.nullable(publishSchema)),
      retention: z.optional(retentionSchema),
      share: z.optional(z.nullable(shareSchema)),
    },
    { error: 'expected {region, kmsKeyId?, publish?, retention?, share?}' },
  )
  .check(
    z.refine(
      (r) => r.kmsKeyId === undefined || KEY_ARN.exec(r.kmsKeyId)?.[1] === r.region,
      'kmsKeyId: expected a key in the region itself (a copy is encrypted with a key of its own region)',
    ),
  );

export const distributeSchema = z.strictObject(
  {
    regions: z.optional(
      z.array(regionSchema, { error: 'expected a list of regions such as [{"region": "eu-west-1"}]' }).check(
        z.minLength(1, 'expected at least one region (null copies nowhere)'),
        z.maxLength(MAX_REGIONS, `expected at most ${MAX_REGIONS} regions`),
        z.refine((rs) => new Set(rs.map((r) => r.region)).size === rs.length, 'expected each region once'),
      ),
    ),
    /** With whom every region's image is shared (a region's own `share` overrides it there); `null`: with no one. */
    share: z.optional(z.nullable(shareSchema)),
  },
  { error: 'expected an object with regions and/or share, such as {"regions": [{"region": "eu-west-1"}]}' },
);

/** One region the new image is copied to, as every later step receives it. */
export interface RegionTarget {
  region: string;
  /** The key of an encrypted copy; absent: encrypted as the source is (or with EBS's default key if the account encrypts by default). */
  kmsKeyId?: string;
  publish?: Publish;
  retention: RetentionPolicy;
}

export interface Distribution {
  regions: RegionTarget[];
}

type DistributeValue = z.infer<typeof distributeSchema>;

/**
 * What the deployment allows: its own setting's regions and keys, or none. An input's region must be one of them
 * and its key the one set for that region (the copy role may use no other); a source region is refused (the image
 * is made there).
 */
export const checkDistribute = (
  value: DistributeValue,
  allowed: DistributeValue | undefined,
  sourceRegion: string | undefined,
  fromDeployment: boolean,
): void => {
  const problems = (value.regions ?? []).flatMap((r, i) => {
    // A deployment's setting is named from its own top (`regions.0`), as its schema's problems are.
    const at = fromDeployment ? `regions.${i}` : `distribute.regions.${i}`;
    if (r.region === sourceRegion) return [`${at}.region: ${r.region} is the source region, where the image is made; list other regions`];
    if (fromDeployment) return [];
    const deployed = allowed?.regions?.find((d) => d.region === r.region);
    if (!deployed)
      return [
        `${at}.region: expected one of this deployment's regions (${allowed?.regions?.map((d) => d.region).join(', ') || 'none: set the distribute parameter'}), got ${r.region}: its roles may copy to no other`,
      ];
    if (r.kmsKeyId !== undefined && r.kmsKeyId !== deployed.kmsKeyId)
      return [`${at}.kmsKeyId: expected this deployment's key for ${r.region} (${deployed.kmsKeyId ?? 'none'}): its role may use no other`];
    return [];
  });
  if (problems.length === 0) return;
  if (fromDeployment) throw new ConfigurationError(`ROTATOR_DISTRIBUTE: ${problems.join('; ')}`);
  throw new InvalidInputError(problems);
};
