/**
 * A family's channels (docs/channels.md): the stable one (its own parameter, launch templates and consumers) and, when
 * its publishing names a candidate, the candidate one. What the day-two workflows (promotion, rollback) publish where.
 */
import type { Promotion, Publish } from './publish-request.ts';
import type { RotationRequest } from './request.ts';

/** A region's request for the image workflow: as a copy region's (copy-image.ts), with the family's publishing there. */
export const publishingOnly = (
  request: RotationRequest,
  publish: RotationRequest['publish'],
  retention = request.retention,
): RotationRequest => {
  const { publish: _publish, bootTest: _bootTest, prepare: _prepare, distribute: _distribute, ...rest } = request;
  return { ...rest, retention, ...(publish ? { publish } : {}) };
};

/** The stable channel's publishing in a region: the family's own targets, shared as the candidate was. */
export const stablePublish = (publish: Publish, promotion: Promotion): Publish => ({
  ...(promotion.stable.parameter === undefined ? {} : { parameter: promotion.stable.parameter }),
  launchTemplates: promotion.stable.launchTemplates,
  ...(promotion.stable.consumers === undefined ? {} : { consumers: promotion.stable.consumers }),
  ...(publish.share === undefined ? {} : { share: publish.share }),
});

/**
 * Each channel a region publishes (a rollback publishes its image to all of them): the family's own (stable), and the
 * candidate channel when it has one.
 */
export const channelsOf = (publish: Publish | undefined): { channel: 'stable' | 'candidate'; publish: Publish | undefined }[] => {
  if (!publish?.promotion) return [{ channel: 'stable', publish }];
  const { promotion, ...candidate } = publish;
  return [
    { channel: 'stable', publish: stablePublish(publish, promotion) },
    { channel: 'candidate', publish: candidate },
  ];
};
