/**
 * Channels (docs/channels.md): a family whose publishing names a `candidate` publishes each new image there first; the
 * stage's promotion state machine (statemachine/promote.asl.json), started by the AMI Rotated event of a candidate,
 * publishes it to the stable channel (the family's own parameter, launch templates and consumers) after a soak, or
 * when a person approves before the deadline. This module plans a promotion from what EC2 says of the candidate in
 * each region (pure once read), checks the candidate again before it is promoted, and tags how a promotion ended.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { fromEc2Error } from '../aws/ec2-errors.ts';
import type { DeploymentConfig } from '../config.ts';
import { InvalidInputError, PromotionRefusedError } from '../errors.ts';
import { listManagedImages, type ManagedImage } from '../retention/inventory.ts';
import { publishingOnly, stablePublish } from './channels.ts';
import { type ImageProgress, pendingImage } from './create-image.ts';
import type { ExecutionRef } from './naming.ts';
import type { Promotion, Publish } from './publish-request.ts';
import { parseRotationRequest, type RotationRequest } from './request.ts';
import { isSetAside, PROMOTION, REJECTED, setAsideReason, TAG } from './tags.ts';

/** What starts a promotion: the AMI Rotated event's detail (docs/events.md), of an image published to a candidate channel. */
const inputSchema = z.object({
  family: z.string({ error: 'expected the family (the AMI Rotated event names it)' }),
  imageId: z.string({ error: 'expected the candidate image id' }).check(z.regex(/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/, 'expected an image id')),
  executionArn: z.optional(z.string()),
  published: z.optional(z.object({ channel: z.optional(z.string()) })),
});

/** One region of a promotion: the candidate there (its copy, in a copy region) and the stable channel's request. */
export interface PromotionRegion {
  region: string;
  source: boolean;
  image: ImageProgress;
  /** The region's request: its stable publishing (and consumers), no boot test, nothing prepared or copied. */
  request: RotationRequest;
}

export interface PromotionPlan {
  /** Tells the alert a promotion's failure from a rollback's. */
  kind: 'promotion';
  family: string;
  stage: string;
  candidate: { imageId: string; name: string; rotation: string };
  regions: PromotionRegion[];
  /** Promoted after this soak (promoteAfterHours), unless set aside meanwhile. */
  soakSeconds?: number;
  /** Promoted when a person approves: the request on the alert topic, its deadline, and the deadline in seconds from now. */
  approval?: { subject: string; message: string; deadline: string; deadlineSeconds: number };
  /** What a promotion changes, a line each. */
  changes: string[];
  /**
   * Another execution already promotes this candidate (EventBridge delivers an event at least once: a repeated AMI
   * Rotated starts a second promotion): this one ends at once, changing nothing and sending nothing.
   */
  duplicateOf?: string;
}

export interface PromotionClients {
  ec2In: (region: string) => EC2Client;
}

const HOUR = 3600;

/** The stage a promotion runs in, from its state machine's name (serverless.yml: ami-rotator-<stage>-promote). */
export const stageOfStateMachine = (name: string): string => /^ami-rotator-(.+)-promote$/.exec(name)?.[1] ?? name;

const promotionOf = (publish: Publish | undefined): Promotion | undefined => publish?.promotion;

const targetsOf = (publish: Publish | undefined): string =>
  [
    ...(publish?.parameter ? [`parameter ${publish.parameter}`] : []),
    ...(publish?.launchTemplates ?? []).map((t) => `launch template ${t.name ?? t.id}`),
    ...(publish?.consumers ? [`consumers' ${publish.consumers.parameter}`] : []),
  ].join(', ') || 'nothing';

/** Why a candidate cannot be promoted, or undefined. */
export const candidateRefusal = (image: ManagedImage | undefined, id: string, family: string): string | undefined => {
  if (!image) return `${id} is gone: no image of family ${family} with that id in this account and region`;
  if (image.tags[TAG.family] !== family) return `${id} is not of family ${family}`;
  if (image.state !== 'available') return `${id} is ${image.state}, not available`;
  if (isSetAside(image.tags)) return `${id} is set aside (${setAsideReason(image.tags)}): it is never promoted`;
  return undefined;
};

/**
 * The promotion of a candidate: the stage's channels for its family (its settings, read with the rotation's own
 * contract), the candidate in the source region and its copy in every copy region, and when it is promoted. Refuses
 * (PromotionRefused, nothing changed) a family without a candidate channel and a candidate that is gone, not
 * available, set aside, or without a copy in a copy region. Tags the candidate and its copies as awaiting promotion:
 * retention keeps them until the promotion ends.
 */
export const planPromotion = async (
  clients: PromotionClients,
  rawInput: unknown,
  config: DeploymentConfig,
  execution: ExecutionRef & { stateMachine: string },
  now: Date,
): Promise<PromotionPlan> => {
  const parsed = inputSchema.safeParse(rawInput);
  if (!parsed.success) throw new InvalidInputError(parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`));
  const input = parsed.data;
  const request = parseRotationRequest({ family: input.family, instanceId: config.defaultInstanceId ?? 'i-00000000' }, config);
  const family = request.family;
  const promotion = promotionOf(request.publish);
  if (!request.publish || !promotion)
    throw new PromotionRefusedError(
      `family ${family} has no candidate channel in this stage's settings (publish.candidate): there is nothing to promote to`,
    );
  const source = execution.id.split(':')[3] || config.region || 'us-east-1';
  const images = await listManagedImages(clients.ec2In(source), family);
  const candidate = images.find((i) => i.imageId === input.imageId);
  const refusal = candidateRefusal(candidate, input.imageId, family);
  if (refusal) throw new PromotionRefusedError(refusal);
  const image = candidate as ManagedImage;
  const owner = image.tags[TAG.promotionBy];
  const instanceId = image.tags[TAG.sourceInstance] ?? '';
  const regions: PromotionRegion[] = [
    {
      region: source,
      source: true,
      image: { ...pendingImage(image.imageId, image.name, request), instanceId },
      request: publishingOnly(request, stablePublish(request.publish, promotion)),
    },
  ];
  for (const copyRegion of request.distribute?.regions ?? []) {
    const regional = promotionOf(copyRegion.publish);
    if (!copyRegion.publish || !regional) continue;
    const copies = await listManagedImages(clients.ec2In(copyRegion.region), family);
    const copy = copies.find((c) => c.tags[TAG.copiedFrom] === image.imageId && c.state === 'available');
    if (!copy) throw new PromotionRefusedError(`${image.imageId} has no available copy in ${copyRegion.region}: nothing to promote there`);
    regions.push({
      region: copyRegion.region,
      source: false,
      image: { ...pendingImage(copy.imageId, copy.name, request), instanceId },
      request: publishingOnly(request, stablePublish(copyRegion.publish, regional), copyRegion.retention),
    });
  }
  const stage = stageOfStateMachine(execution.stateMachine);
  const changes = regions.map(
    (r) => `${r.region}${r.source ? ' (source)' : ''}: publish ${r.image.imageId} to the stable channel: ${targetsOf(r.request.publish)}`,
  );
  const base = {
    kind: 'promotion' as const,
    family,
    stage,
    candidate: { imageId: image.imageId, name: image.name, rotation: input.executionArn ?? '' },
    regions,
    changes,
    ...(owner !== undefined && owner !== execution.id ? { duplicateOf: owner } : {}),
  };
  if (promotion.promoteAfterHours !== undefined) return { ...base, soakSeconds: promotion.promoteAfterHours * HOUR };
  const deadlineSeconds = (promotion.approval?.deadlineHours ?? 0) * HOUR;
  const deadline = new Date(now.getTime() + deadlineSeconds * 1000).toISOString();
  const command = (verb: string) => `npx ami-rotator ${verb} --stage ${stage} --family ${family}`;
  return {
    ...base,
    approval: {
      subject: `ami-rotator: approve ${family} candidate ${image.imageId}?`,
      deadline,
      deadlineSeconds,
      message: [
        `The candidate image of family ${family}, ${image.imageId} (${image.name}), is published to the candidate channel and awaits your approval.`,
        '',
        'Approving publishes it to the stable channel:',
        ...changes.map((c) => `  ${c}`),
        '',
        `Approve or reject it before ${deadline} (${promotion.approval?.deadlineHours} hours):`,
        `  ${command('approve')}`,
        `  ${command('reject')} --reason "what is wrong"`,
        'Nobody answers by then: the candidate is neither promoted nor pruned, and one alert says so.',
        '',
        `Execution: ${execution.id}`,
      ].join('\n'),
    },
  };
};

/** Whether the candidate may still be promoted once its soak or approval is over: not set aside (rolled back) nor gone. */
export const checkCandidate = async (clients: PromotionClients, plan: PromotionPlan): Promise<{ promote: boolean; reason: string }> => {
  const source = plan.regions[0] as PromotionRegion;
  const images = await listManagedImages(clients.ec2In(source.region), plan.family);
  const refusal = candidateRefusal(
    images.find((i) => i.imageId === plan.candidate.imageId),
    plan.candidate.imageId,
    plan.family,
  );
  return refusal === undefined
    ? { promote: true, reason: `${plan.candidate.imageId} is still good: promoted` }
    : { promote: false, reason: `not promoted: ${refusal}` };
};

/** How a promotion ended, on the candidate and its copies: promoted, expired (nobody answered) or rejected (set aside). */
export type PromotionOutcome = 'promoted' | 'expired' | 'rejected';

export const markPromotion = async (
  clients: PromotionClients,
  plan: PromotionPlan,
  outcome: PromotionOutcome | 'awaiting',
  execution?: ExecutionRef,
): Promise<string[]> => {
  const marked: string[] = [];
  const tags = [
    { Key: TAG.promotion, Value: outcome === 'awaiting' ? PROMOTION.awaiting : PROMOTION[outcome] },
    // The promotion that owns the candidate, from its start on.
    ...(outcome === 'awaiting' && execution ? [{ Key: TAG.promotionBy, Value: execution.id }] : []),
    ...(outcome === 'rejected' ? [{ Key: TAG.status, Value: REJECTED }] : []),
  ];
  for (const region of plan.regions) {
    try {
      await clients.ec2In(region.region).send(new CreateTagsCommand({ Resources: [region.image.imageId], Tags: tags }));
    } catch (error) {
      throw fromEc2Error(error, `tag ${region.image.imageId} ${TAG.promotion}=${tags[0]?.Value} in ${region.region}`);
    }
    marked.push(`${region.region}: ${region.image.imageId}`);
  }
  return marked;
};
