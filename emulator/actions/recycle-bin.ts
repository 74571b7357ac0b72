/**
 * Recycle Bin, as much as the prune reads: ListRules and GetRule over REST JSON (`POST /list-rules`,
 * `GET /rules/{Identifier}`), with the limits the Recycle Bin API reference states. Rules come from the
 * fixture; the emulator does not keep deleted resources in a bin (nothing here restores).
 */
import { ServiceError } from '../error-response.ts';
import type { RecycleBinRule } from '../model.ts';
import { type Action, type Actions, reads } from './context.ts';

type Body = Record<string, unknown>;
const invalid = (message: string) => new ServiceError('ValidationException', message, 400, { reason: 'INVALID_PARAMETER_VALUE' });

// ListRules (Recycle Bin API Reference, ListRules): ResourceType required, one of EBS_SNAPSHOT | EC2_IMAGE |
// EBS_VOLUME; MaxResults 1 to 1000; ResourceTags at most 50, ExcludeResourceTags at most 5; LockState locked |
// pending_unlock | unlocked.
const RESOURCE_TYPES = new Set(['EBS_SNAPSHOT', 'EC2_IMAGE', 'EBS_VOLUME']);
const LOCK_STATES = new Set(['locked', 'pending_unlock', 'unlocked']);
const DEFAULT_PAGE = 100;
// GetRule: Identifier matches [0-9a-zA-Z]{11}.
const IDENTIFIER = /^[0-9a-zA-Z]{11}$/;

const tagList = (body: Body, field: string, most: number): { ResourceTagKey: string; ResourceTagValue?: string }[] | undefined => {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > most) throw invalid(`${field}: expected a list of at most ${most} tags`);
  return value as { ResourceTagKey: string; ResourceTagValue?: string }[];
};

const sameTags = (rule: RecycleBinRule['resourceTags'], wanted: { ResourceTagKey: string; ResourceTagValue?: string }[]) =>
  wanted.every((w) => rule.some((t) => t.key === w.ResourceTagKey && (w.ResourceTagValue === undefined || t.value === w.ResourceTagValue)));

const tagsOut = (tags: RecycleBinRule['resourceTags']) => tags.map((t) => ({ ResourceTagKey: t.key, ResourceTagValue: t.value }));

const listRules: Action<Body> = (body, { store }) => {
  const type = body.ResourceType;
  if (typeof type !== 'string' || !RESOURCE_TYPES.has(type)) throw invalid('ResourceType: expected EBS_SNAPSHOT, EC2_IMAGE or EBS_VOLUME');
  const max = body.MaxResults ?? DEFAULT_PAGE;
  if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 1000) throw invalid('MaxResults: expected 1 to 1000');
  if (body.LockState !== undefined && !LOCK_STATES.has(String(body.LockState)))
    throw invalid('LockState: expected locked, pending_unlock or unlocked');
  const tags = tagList(body, 'ResourceTags', 50);
  const excluded = tagList(body, 'ExcludeResourceTags', 5);
  const matching = [...store.recycleBinRules.values()]
    .filter((r) => r.resourceType === type)
    .filter((r) => body.LockState === undefined || r.lockState === body.LockState)
    .filter((r) => tags === undefined || sameTags(r.resourceTags, tags))
    .filter((r) => excluded === undefined || sameTags(r.excludeResourceTags, excluded));
  const start = body.NextToken === undefined ? 0 : Number.parseInt(String(body.NextToken), 10);
  if (!Number.isInteger(start) || start < 0 || start > matching.length)
    throw new ServiceError('ValidationException', 'The page token is not valid.', 400, { reason: 'INVALID_PAGE_TOKEN' });
  const end = start + (max as number);
  return {
    Rules: matching.slice(start, end).map((r) => ({
      Identifier: r.identifier,
      Description: r.description,
      RetentionPeriod: { RetentionPeriodValue: r.retentionDays, RetentionPeriodUnit: 'DAYS' },
      LockState: r.lockState,
      RuleArn: r.ruleArn,
      ...(r.excludeResourceTags.length ? { ExcludeResourceTags: tagsOut(r.excludeResourceTags) } : {}),
    })),
    ...(end < matching.length ? { NextToken: String(end) } : {}),
  };
};

const getRule: Action<Body> = (body, { store }) => {
  const id = String(body.Identifier ?? '');
  if (!IDENTIFIER.test(id)) throw invalid(`Identifier: expected 11 letters or digits, got "${id}"`);
  const rule = store.recycleBinRules.get(id);
  if (!rule) throw new ServiceError('ResourceNotFoundException', `Rule ${id} not found.`, 404, { reason: 'RULE_NOT_FOUND' });
  return {
    Identifier: rule.identifier,
    Description: rule.description,
    ResourceType: rule.resourceType,
    RetentionPeriod: { RetentionPeriodValue: rule.retentionDays, RetentionPeriodUnit: 'DAYS' },
    ResourceTags: tagsOut(rule.resourceTags),
    ExcludeResourceTags: tagsOut(rule.excludeResourceTags),
    Status: rule.status,
    LockState: rule.lockState,
    RuleArn: rule.ruleArn,
  };
};

/** Recycle Bin's actions; their routes (method and path) are in emulator/protocols/rest-json.ts. */
export const rbinActions: Actions = { ListRules: reads(listRules), GetRule: reads(getRule) };
