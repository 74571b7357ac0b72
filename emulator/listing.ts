/** Filters and pagination, as EC2's Describe* calls apply them. */
import { ServiceError } from './error-response.ts';
import { checkFilters } from './limits.ts';
import type { FilterSpec, TagPair } from './query.ts';

/** AWS's wildcards: `*` any run of characters, `?` any one (EC2's filter values, IAM's actions and resources). */
export const wildcard = (pattern: string, flags = 's'): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    flags,
  );

/** How to read each filter a Describe* call supports from a resource; `tag:K`, `tag-key` and `tag-value` come from its tags. */
export interface FilterSupport<T> {
  fields: Readonly<Record<string, (resource: T) => readonly string[]>>;
  tags: (resource: T) => readonly TagPair[];
}

const valuesFor = <T>(support: FilterSupport<T>, name: string): ((resource: T) => readonly string[]) => {
  const field = support.fields[name];
  if (field) return field;
  if (name === 'tag-key') return (r) => support.tags(r).map((t) => t.key);
  if (name === 'tag-value') return (r) => support.tags(r).map((t) => t.value);
  if (name.startsWith('tag:'))
    return (r) =>
      support
        .tags(r)
        .filter((t) => t.key === name.slice(4))
        .map((t) => t.value);
  throw new ServiceError('InvalidParameterValue', `The filter '${name}' is invalid`);
};

/** Every Describe's `Filter.N`, checked against EC2's limits (emulator/limits.ts), then applied. */
export const applyFilters = <T>(resources: readonly T[], specs: readonly FilterSpec[], support: FilterSupport<T>): T[] => {
  checkFilters(specs);
  const compiled = specs.map((spec) => ({ values: valuesFor(support, spec.name), patterns: spec.values.map((v) => wildcard(v)) }));
  return resources.filter((resource) =>
    compiled.every(({ values, patterns }) => values(resource).some((value) => patterns.some((p) => p.test(value)))),
  );
};

export interface Page<T> {
  items: T[];
  nextToken: string | undefined;
}

/** One page from `MaxResults` and an opaque `NextToken`; all items when `MaxResults` is absent. */
export const paginate = <T>(
  all: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  limits = { min: 5, max: 1000 },
): Page<T> => {
  if (maxResults !== undefined && (maxResults < limits.min || maxResults > limits.max)) {
    throw new ServiceError(
      'InvalidParameterValue',
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${limits.min} and ${limits.max}.`,
    );
  }
  let start = 0;
  if (nextToken !== undefined) {
    start = Number(Buffer.from(nextToken, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0)
      throw new ServiceError('InvalidParameterValue', `Invalid value '${nextToken}' for nextToken`);
  }
  if (maxResults === undefined) return { items: all.slice(start), nextToken: undefined };
  const end = start + maxResults;
  return {
    items: all.slice(start, end),
    nextToken: end < all.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
};
