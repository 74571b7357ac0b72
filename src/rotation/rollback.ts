/**
 * `ami-rotator rollback`: publish the previous good image (or the one named) everywhere the family's newest was
 * published, and set the withdrawn image aside (docs/operator.md, "Roll back"). This module plans it from what EC2
 * says of the family's images in each region (pure once read) and tags the withdrawn image; the stage's rollback state
 * machine publishes through the same image workflow a rotation uses, so parameters, launch templates and consumers
 * are written and read back as on any night.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { fromEc2Error } from '../aws/ec2-errors.ts';
import type { DeploymentConfig } from '../config.ts';
import { InvalidInputError, RollbackRefusedError } from '../errors.ts';
import { listManagedImages, type ManagedImage } from '../retention/inventory.ts';
import { newestFirst } from '../retention/plan.ts';
import { channelsOf, publishingOnly } from './channels.ts';
import { type ImageProgress, pendingImage } from './create-image.ts';
import type { ExecutionRef } from './naming.ts';
import { parseRotationRequest, type RotationRequest } from './request.ts';
import { isSetAside, ROLLED_BACK, setAsideReason, TAG } from './tags.ts';

/** The input of the stage's rollback state machine. */
export interface RollbackInput {
  family?: string | undefined;
  /** The image to publish; absent: the newest good image older than the one withdrawn. */
  to?: string | undefined;
  dryRun?: boolean | undefined;
}

const inputSchema = z.strictObject({
  family: z.optional(z.string()),
  to: z.optional(z.string().check(z.regex(/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/, 'expected an image id such as ami-0123456789abcdef0'))),
  dryRun: z.optional(z.boolean()),
});

/** One region of a rollback: the image published there from now on, and the one withdrawn there. */
export interface RollbackRegion {
  region: string;
  source: boolean;
  /** Which of the family's channels this item publishes (a family with a candidate channel has two items per region). */
  channel?: 'stable' | 'candidate';
  /** The target (its copy, in a copy region), as the image workflow takes a new image. */
  image: ImageProgress;
  withdrawn: string | undefined;
  /** The region's request: its publishing (and consumers), no boot test, nothing prepared or copied. */
  request: RotationRequest;
}

export interface RollbackPlan {
  family: string;
  dryRun: boolean;
  target: { imageId: string; name: string };
  withdrawn: { imageId: string; name: string };
  regions: RollbackRegion[];
  /** What the rollback changes, a line each (what `--dry-run` shows). */
  changes: string[];
}

/** The family's images in a region, and the regions' clients. */
export interface RollbackClients {
  ec2In: (region: string) => EC2Client;
}

const good = (i: ManagedImage) => i.state === 'available' && !isSetAside(i.tags);

/** Why an image cannot be published again, or undefined. */
const refusalOf = (image: ManagedImage | undefined, id: string, family: string, request: RotationRequest): string | undefined => {
  if (!image) return `${id} is gone: no image of family ${family} with that id in this account and region`;
  if (image.tags[TAG.family] !== family) return `${id} is not of family ${family} (it is of ${image.tags[TAG.family] ?? 'no family'})`;
  if (image.state !== 'available') return `${id} is ${image.state}, not available`;
  if (isSetAside(image.tags)) return `${id} is set aside (${setAsideReason(image.tags)}): it is never published again`;
  const shares = (request.publish?.share?.accounts?.length ?? 0) + (request.publish?.share?.organizationalUnits?.length ?? 0) > 0;
  if (shares && image.tags[TAG.withdrawnAt] !== undefined)
    return `${id} is unshared (made private on ${image.tags[TAG.withdrawnAt]}): the accounts it is published to could not launch it`;
  return undefined;
};

/** The rollback's input by the workflow's own rules: the command line checks it with these before it starts anything. */
export const parseRollbackInput = (input: unknown): RollbackInput => {
  const parsed = inputSchema.safeParse(input ?? {});
  if (!parsed.success)
    throw new InvalidInputError(
      parsed.error.issues.map(
        (i) =>
          `${i.path.join('.') || 'input'}: ${i.code === 'unrecognized_keys' ? `unknown field(s) ${(i as { keys?: string[] }).keys?.join(', ')}; expected family, to, dryRun` : i.message}`,
      ),
    );
  return parsed.data;
};

/**
 * The rollback of a family: the image withdrawn (the family's newest good image in the source region) and the one
 * published instead, in the source region and, as its copies there, in every copy region. Refuses (RollbackRefused,
 * one line, nothing changed) a target that is gone, not available, of another family, set aside, unshared, the very
 * image withdrawn, or without a copy in a copy region.
 */
export const planRollback = async (
  clients: RollbackClients,
  rawInput: unknown,
  config: DeploymentConfig,
  execution: ExecutionRef,
): Promise<RollbackPlan> => {
  const input = parseRollbackInput(rawInput);
  // The deployment's publishing, sharing and copy regions, read with the rotation's own contract.
  const request = parseRotationRequest({ family: input.family, instanceId: config.defaultInstanceId ?? 'i-00000000' }, config);
  const source = execution.id.split(':')[3] || config.region || 'us-east-1';
  const family = request.family;
  if (!request.publish && !request.distribute?.regions.some((r) => r.publish))
    throw new RollbackRefusedError([`family ${family} publishes nothing (no publish setting): there is nothing to roll back`]);
  const images = (await listManagedImages(clients.ec2In(source), family)).filter((i) => i.tags[TAG.copiedFrom] === undefined);
  // A re-run of this execution (a redrive, the same name again) finds the image it set aside: it withdraws that one
  // again and publishes what it published, never one more step back.
  const [newest] = newestFirst(images.filter((i) => i.tags[TAG.rolledBackBy] === execution.id || good(i)));
  if (!newest) throw new RollbackRefusedError([`family ${family} has no available image to withdraw in ${source}`]);
  // The previous good image: the newest older one that could be published again (an unshared one is passed over).
  const older = newestFirst(images.filter(good)).filter((i) => i.imageId !== newest.imageId && i.creationDate <= newest.creationDate);
  const targetImage = input.to
    ? images.find((i) => i.imageId === input.to)
    : older.find((i) => refusalOf(i, i.imageId, family, request) === undefined);
  if (!input.to && !targetImage)
    throw new RollbackRefusedError([
      `family ${family} has no good image older than ${newest.imageId} to roll back to${older.length ? ` (${older.map((i) => refusalOf(i, i.imageId, family, request)).join('; ')})` : ''}`,
    ]);
  const refusal = refusalOf(targetImage, input.to ?? targetImage?.imageId ?? '', family, request);
  if (refusal) throw new RollbackRefusedError([refusal]);
  const target = targetImage as ManagedImage;
  if (target.imageId === newest.imageId)
    throw new RollbackRefusedError([`${target.imageId} is the family's newest image, the one a rollback withdraws: name an older one`]);
  // Every channel the family publishes to gets the target: the stable one and, with channels, the candidate one.
  const regions: RollbackRegion[] = channelsOf(request.publish).map(({ channel, publish }) => ({
    region: source,
    source: true,
    ...(request.publish?.promotion ? { channel } : {}),
    image: { ...pendingImage(target.imageId, target.name, request), instanceId: target.tags[TAG.sourceInstance] ?? '' },
    withdrawn: newest.imageId,
    request: publishingOnly(request, publish),
  }));
  for (const copyRegion of request.distribute?.regions ?? []) {
    const copies = await listManagedImages(clients.ec2In(copyRegion.region), family);
    const copyOf = (id: string) => copies.find((c) => c.tags[TAG.copiedFrom] === id && c.state === 'available');
    const copy = copyOf(target.imageId);
    if (!copy)
      throw new RollbackRefusedError([
        `${target.imageId} has no available copy in ${copyRegion.region} (pruned there?): name another image`,
      ]);
    for (const { channel, publish } of channelsOf(copyRegion.publish))
      regions.push({
        region: copyRegion.region,
        source: false,
        ...(copyRegion.publish?.promotion ? { channel } : {}),
        image: { ...pendingImage(copy.imageId, copy.name, request), instanceId: target.tags[TAG.sourceInstance] ?? '' },
        withdrawn: copyOf(newest.imageId)?.imageId,
        request: publishingOnly(request, publish, copyRegion.retention),
      });
  }
  const published = (r: RollbackRegion) =>
    [
      ...(r.request.publish?.parameter ? [`parameter ${r.request.publish.parameter}`] : []),
      ...(r.request.publish?.launchTemplates ?? []).map((t) => `launch template ${t.name ?? t.id}`),
      ...(r.request.publish?.consumers ? [`consumers' ${r.request.publish.consumers.parameter}`] : []),
    ].join(', ') || 'nothing published there';
  return {
    family,
    dryRun: input.dryRun === true,
    target: { imageId: target.imageId, name: target.name },
    withdrawn: { imageId: newest.imageId, name: newest.name },
    regions,
    changes: [
      ...regions.map(
        (r) =>
          `${r.region}${r.source ? ' (source)' : ''}${r.channel ? `, ${r.channel} channel` : ''}: publish ${r.image.imageId} instead of ${r.withdrawn ?? 'its copy of the withdrawn image (none there)'}: ${published(r)}`,
      ),
      `set aside ${newest.imageId} (${newest.name})${regions.some((r) => !r.source && r.withdrawn) ? ' and its copies' : ''}: tagged ${TAG.status}=${ROLLED_BACK}, never published again, counted by no rule, pruned by age`,
    ],
  };
};

/** Sets the withdrawn image (and its copies) aside, before anything is published: a rotation meanwhile never republishes it. */
export const markRolledBack = async (clients: RollbackClients, plan: RollbackPlan, execution: ExecutionRef): Promise<string[]> => {
  const marked: string[] = [];
  for (const region of plan.regions) {
    if (!region.withdrawn) continue;
    try {
      await clients.ec2In(region.region).send(
        new CreateTagsCommand({
          Resources: [region.withdrawn],
          Tags: [
            { Key: TAG.status, Value: ROLLED_BACK },
            { Key: TAG.rolledBackBy, Value: execution.id },
          ],
        }),
      );
    } catch (error) {
      throw fromEc2Error(error, `set ${region.withdrawn} aside in ${region.region}`);
    }
    marked.push(`${region.region}: ${region.withdrawn}`);
  }
  return marked;
};
