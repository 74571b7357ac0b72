/**
 * The consumer side's role (infra/consumer-stack.yml) as CloudFormation makes it in one consumer account, for the
 * emulator's organization: the template's own trust and permissions policies, resolved with the stack's parameters.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { MemberRole } from '../emulator/organization.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Template = {
  Parameters: Record<string, { Default?: string }>;
  Conditions: Record<string, Json>;
  Resources: {
    ConsumerRole: {
      Properties: { RoleName: Json; AssumeRolePolicyDocument: Json; Policies: { PolicyName: string; PolicyDocument: Json }[] };
    };
  };
};

export interface ConsumerStackParameters {
  ImageAccountId: string;
  PublisherRoleNamePattern?: string;
  ExternalId?: string;
  ParameterPath?: string;
  RoleName?: string;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** The consumer role of `account`, as the stack with these parameters makes it. */
export const consumerRole = (account: string, parameters: ConsumerStackParameters): MemberRole => {
  const template = parse(readFileSync(new URL('../infra/consumer-stack.yml', import.meta.url), 'utf8')) as Template;
  const values: Record<string, string> = {
    ...Object.fromEntries(Object.entries(template.Parameters).map(([name, p]) => [name, p.Default ?? ''])),
    ...Object.fromEntries(Object.entries(parameters).filter(([, v]) => v !== undefined)),
    'AWS::Partition': 'aws',
    'AWS::AccountId': account,
  };
  const conditions: Record<string, boolean> = {};
  const resolve = (node: Json): Json | typeof NO_VALUE => {
    if (Array.isArray(node)) return node.map(resolve).filter((n): n is Json => n !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    if (typeof node.Ref === 'string') return node.Ref === 'AWS::NoValue' ? NO_VALUE : (values[node.Ref] ?? '');
    if (typeof node['Fn::Sub'] === 'string') return node['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) => values[name] ?? '');
    if (Array.isArray(node['Fn::Equals'])) {
      const [a, b] = node['Fn::Equals'].map(resolve);
      return a === b;
    }
    if (Array.isArray(node['Fn::Not'])) return !resolve(node['Fn::Not'][0] ?? null);
    if (Array.isArray(node['Fn::If'])) {
      const [name, yes, no] = node['Fn::If'];
      return resolve((conditions[String(name)] ? yes : no) ?? null);
    }
    const entries = Object.entries(node)
      .map(([k, v]) => [k, resolve(v)] as const)
      .filter(([, v]) => v !== NO_VALUE);
    return Object.fromEntries(entries) as Json;
  };
  for (const [name, condition] of Object.entries(template.Conditions)) conditions[name] = resolve(condition) === true;
  const role = template.Resources.ConsumerRole.Properties;
  return {
    name: String(resolve(role.RoleName)),
    trust: resolve(role.AssumeRolePolicyDocument) as MemberRole['trust'],
    policies: role.Policies.map((p) => ({
      name: p.PolicyName,
      policy: resolve(p.PolicyDocument) as MemberRole['policies'][number]['policy'],
    })),
  };
};
