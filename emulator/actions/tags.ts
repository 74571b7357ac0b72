import { ServiceError } from '../error-response.ts';
import type { Query } from '../query.ts';
import { strings, tagList } from '../query.ts';
import { type Action, type Actions, changes } from './context.ts';

const MAX_TAGS = 50;

const resourcesOf = (q: Parameters<Action>[0]): string[] => {
  const ids = strings(q, 'ResourceId');
  if (ids.length === 0) throw new ServiceError('MissingParameter', 'The request must contain the parameter resourceIdSet');
  return ids;
};

const createTags: Action = (q, { store }) => {
  const tags = tagList(q);
  for (const { key, value } of tags) {
    if (key.length === 0 || key.length > 128 || key.toLowerCase().startsWith('aws:'))
      throw new ServiceError('InvalidParameterValue', `Tag key '${key}' is not valid`);
    if (value.length > 256) throw new ServiceError('InvalidParameterValue', `Tag value for '${key}' exceeds 256 characters`);
  }
  const resources = resourcesOf(q).map((id) => store.taggable(id));
  for (const resource of resources) {
    for (const tag of tags) {
      const existing = resource.tags.find((t) => t.key === tag.key);
      if (existing) existing.value = tag.value;
      else resource.tags.push({ ...tag });
    }
    if (resource.tags.length > MAX_TAGS) throw new ServiceError('TagLimitExceeded', `A resource can have at most ${MAX_TAGS} tags`);
  }
  return { return: true };
};

/** DeleteTags: "If you omit this parameter, we delete all user-defined tags for the specified resources" (API reference, Tag.N). */
const deleteTags: Action = (q, { store }) => {
  const tags = tagList(q);
  for (const resource of resourcesOf(q).map((id) => store.taggable(id))) {
    resource.tags =
      tags.length === 0
        ? resource.tags.filter((t) => t.key.startsWith('aws:'))
        : resource.tags.filter((t) => !tags.some((d) => d.key === t.key && (d.value === '' || d.value === t.value)));
  }
  return { return: true };
};

export const tagActions: Actions<Query> = { CreateTags: changes(createTags), DeleteTags: changes(deleteTags) };
