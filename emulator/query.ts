/**
 * Reads an EC2 Query API request body (form-encoded, `Filter.1.Value.2=x`) into nested
 * objects and arrays, and offers typed accessors that answer EC2's own errors on bad input.
 */
import { Ec2ErrorResponse } from './error-response.ts';

export type QueryNode = string | QueryNode[] | { [key: string]: QueryNode };
export type Query = { [key: string]: QueryNode };

const isIndex = (segment: string): boolean => /^\d+$/.test(segment);

export const parseQuery = (body: string): Query => {
  const root: Query = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const segments = key.split('.');
    let node: Record<string | number, QueryNode> = root;
    segments.forEach((segment, i) => {
      const slot: string | number = isIndex(segment) ? Number(segment) - 1 : segment;
      const next = segments[i + 1];
      if (next === undefined) {
        node[slot] = value;
        return;
      }
      node[slot] ??= isIndex(next) ? [] : {};
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
    throw new Ec2ErrorResponse('MissingParameter', `The request must contain the parameter ${key}`);
  }
  return value;
};

export const bool = (q: QueryNode | undefined, key: string): boolean => str(q, key) === 'true';

export const int = (q: QueryNode | undefined, key: string): number | undefined => {
  const value = str(q, key);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Ec2ErrorResponse('InvalidParameterValue', `Value (${value}) for parameter ${key} is invalid.`);
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
