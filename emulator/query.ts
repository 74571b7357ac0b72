/**
 * Reads an EC2 Query API request body (form-encoded, `Filter.1.Value.2=x`) into nested
 * objects and arrays, and offers typed accessors that answer EC2's own errors on bad input.
 */
import { ServiceError } from './error-response.ts';

export type QueryNode = string | QueryNode[] | { [key: string]: QueryNode };
export type Query = { [key: string]: QueryNode };

const isIndex = (segment: string): boolean => /^\d+$/.test(segment);

/** No EC2 list parameter this emulator serves takes more members than this; a larger index is refused, never allocated. */
const MAX_INDEX = 1000;
const malformed = (key: string, why: string) => new ServiceError('InvalidParameterValue', `The parameter ${key} is malformed: ${why}`);

/**
 * Objects without a prototype hold the request, so a key such as `__proto__.X` is an ordinary name;
 * an index is 1 to 1000, and a key is either a value or a list or a structure, as EC2 answers with a 400.
 */
export const parseQuery = (body: string): Query => {
  const root: Query = Object.create(null);
  for (const [key, value] of new URLSearchParams(body)) {
    const segments = key.split('.');
    let node: Record<string | number, QueryNode> = root;
    segments.forEach((segment, i) => {
      // No EC2 parameter has these names; EC2 answers a parameter it does not know with UnknownParameter.
      if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype')
        throw new ServiceError('UnknownParameter', `The parameter ${key} is not recognized`);
      if (isIndex(segment) && (Number(segment) < 1 || Number(segment) > MAX_INDEX))
        throw malformed(key, `index ${segment} is outside 1 to ${MAX_INDEX}`);
      if (isIndex(segment) !== Array.isArray(node)) throw malformed(key, `${segments.slice(0, i).join('.') || key} is used two ways`);
      const slot: string | number = isIndex(segment) ? Number(segment) - 1 : segment;
      const next = segments[i + 1];
      const existing = node[slot];
      if (next === undefined) {
        if (existing !== undefined) throw malformed(key, 'given twice, or as both a value and a list');
        node[slot] = value;
        return;
      }
      if (typeof existing === 'string') throw malformed(key, `${segments.slice(0, i + 1).join('.')} is used as both a value and a list`);
      node[slot] = existing ?? (isIndex(next) ? [] : Object.create(null));
      node = node[slot] as Record<string | number, QueryNode>;
    });
  }
  return root;
};

export const node = (q: QueryNode | undefined, key: string): QueryNode | undefined =>
  q !== undefined && typeof q === 'object' && !Array.isArray(q) ? q[key] : undefined;

export const str = (q: QueryNode | undefined, key: string): string | undefined => {
  const value = node(q, key);
  return typeof value === 'string' ? value : undefined;
};

export const required = (q: QueryNode | undefined, key: string): string => {
  const value = str(q, key);
  if (value === undefined || value === '') {
    throw new ServiceError('MissingParameter', `The request must contain the parameter ${key}`);
  }
  return value;
};

export const bool = (q: QueryNode | undefined, key: string): boolean => str(q, key) === 'true';

export const int = (q: QueryNode | undefined, key: string): number | undefined => {
  const value = str(q, key);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ServiceError('InvalidParameterValue', `Value (${value}) for parameter ${key} is invalid.`);
  return n;
};

/** A list parameter (`Key.1`, `Key.2`, ...), holes removed. */
export const list = (q: QueryNode | undefined, key: string): QueryNode[] => {
  const value = node(q, key);
  return Array.isArray(value) ? value.filter((item) => item !== undefined) : [];
};

export const strings = (q: QueryNode | undefined, key: string): string[] =>
  list(q, key).filter((item): item is string => typeof item === 'string');

export interface FilterSpec {
  name: string;
  values: string[];
}

export const filters = (q: Query): FilterSpec[] =>
  list(q, 'Filter').map((f) => ({ name: str(f, 'Name') ?? '', values: strings(f, 'Value') }));

export interface TagPair {
  key: string;
  value: string;
}

export const tagList = (q: QueryNode | undefined, key = 'Tag'): TagPair[] =>
  list(q, key).map((t) => ({ key: str(t, 'Key') ?? '', value: str(t, 'Value') ?? '' }));

/** `TagSpecification.N` as resource type → tags. */
export const tagSpecifications = (q: Query): Map<string, TagPair[]> => {
  const specs = new Map<string, TagPair[]>();
  for (const spec of list(q, 'TagSpecification')) {
    const type = str(spec, 'ResourceType') ?? '';
    specs.set(type, [...(specs.get(type) ?? []), ...tagList(spec)]);
  }
  return specs;
};
