/**
 * The functions' roles as the stack deploys them, for the local run: `infra/roles.yml` and
 * `infra/boot-test-role.cjs` resolved for one stage, account and region the way CloudFormation resolves
 * them, and which role each function runs as (`serverless.yml`). The emulator evaluates every call a
 * handler makes against its role's policies (emulator/iam.ts), so a permission missing from `infra/`
 * fails the local run the day it goes missing.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { functionFileOf } from './definitions.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type PolicyDocument = { Version: string; Statement: Json[] };
export interface StackRole {
  name: string;
  arn: string;
  policies: { name: string; policy: PolicyDocument }[];
}

export interface StackSettings {
  stage: string;
  accountId: string;
  region: string;
  /** The stage parameter `publishPath` (serverless.yml's default when absent). */
  publishPath?: string;
  /** The stage parameter `bootTestInstanceRole` ('' when absent: no PassRole). */
  bootTestInstanceRole?: string;
  /** The stage parameter `prepareDocuments` ('' when absent: patch and clean only). */
  prepareDocuments?: string;
  /** The stage parameter `distribute` ('' when absent: no region to copy to). */
  distribute?: string;
  /** The stage parameter `consumerRole` (serverless.yml's default when absent). */
  consumerRole?: string;
}

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** `${sls:stage}` and `${param:...}`: the Serverless variables the roles use, with the stage's values. */
const serverlessVariables = (text: string, values: Readonly<Record<string, string>>): string =>
  text.replace(/\$\{(sls:stage|param:[A-Za-z]+)\}/g, (whole, name: string) => values[name] ?? whole);

/** A resource's ARN by its logical id, where the local run serves it (the wait table); undefined for the others. */
type ArnOf = (logicalId: string) => string | undefined;

const resolveNode = (node: Json, settings: StackSettings, arnOf: ArnOf = () => undefined): Json => {
  if (Array.isArray(node)) return node.map((n) => resolveNode(n, settings, arnOf));
  if (node === null || typeof node !== 'object') return node;
  const pseudo = (name: string) =>
    ({ 'AWS::Partition': 'aws', 'AWS::Region': settings.region, 'AWS::AccountId': settings.accountId })[name];
  const sub = node['Fn::Sub'];
  if (typeof sub === 'string') return sub.replace(/\$\{(AWS::[A-Za-z]+)\}/g, (whole, name: string) => pseudo(name) ?? whole);
  if (typeof node.Ref === 'string') return pseudo(node.Ref) ?? arnOf(node.Ref) ?? `local:${node.Ref}`;
  const getAtt = node['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return (getAtt[1] === 'Arn' && arnOf(String(getAtt[0]))) || `local:${getAtt.join('.')}`;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveNode(v, settings, arnOf)]));
};

/** A stage parameter's default in serverless.yml (`params.default`). */
const defaultParam = (name: string, fallback: string): string =>
  (parse(read('serverless.yml')) as { params?: { default?: Record<string, string> } }).params?.default?.[name] ?? fallback;

const defaultPublishPath = (): string => {
  const stages = (parse(read('serverless.yml')) as { params?: { default?: { publishPath?: string } } }).params;
  return stages?.default?.publishPath ?? '/golden/';
};

/** Every IAM role of the stack's functions, with its inline policies resolved. */
export const stackRoles = (settings: StackSettings): StackRole[] => {
  const values = {
    'sls:stage': settings.stage,
    'param:publishPath': settings.publishPath ?? defaultPublishPath(),
    'param:bootTestInstanceRole': settings.bootTestInstanceRole ?? '',
    'param:consumerRole': settings.consumerRole ?? defaultParam('consumerRole', 'ami-rotator-consumer'),
  };
  const fromYaml = (parse(serverlessVariables(read('infra/roles.yml'), values)) as { Resources: Record<string, Json> }).Resources;
  const require = createRequire(import.meta.url);
  const { bootTestRole } = require('../infra/boot-test-role.cjs') as {
    bootTestRole: (stage: string, role: string) => Record<string, Json>;
  };
  const { prepareResources } = require('../infra/prepare.cjs') as {
    prepareResources: (stage: string, documents: string) => Record<string, Json>;
  };
  const { distributeResources } = require('../infra/distribute.cjs') as {
    distributeResources: (stage: string, distribute: string, roles: Record<string, Json>) => Record<string, Json>;
  };
  const resources = {
    ...fromYaml,
    ...bootTestRole(settings.stage, values['param:bootTestInstanceRole']),
    ...prepareResources(settings.stage, settings.prepareDocuments ?? ''),
    ...distributeResources(settings.stage, settings.distribute ?? '', fromYaml),
  };
  type Policy = { PolicyName: string; PolicyDocument: Json };
  type Resource = { Type?: string; Properties?: { Policies?: Policy[]; Roles?: { Ref: string }[] } & Partial<Policy> };
  const typed = Object.entries(resources as Record<string, Resource>);
  // A DynamoDB table's ARN, as the local run serves it (local/wait-table.ts): the stage's table in this account and region.
  // A function's and the alert topic's, as the local runner names them (local/definitions.ts, resolveIntrinsics).
  const arnOf: ArnOf = (id) => {
    const table = (resources as Record<string, { Type?: string; Properties?: { TableName?: unknown } }>)[id];
    const at = `${settings.region}:${settings.accountId}`;
    if (table?.Type === 'AWS::DynamoDB::Table' && typeof table.Properties?.TableName === 'string')
      return `arn:aws:dynamodb:${at}:table/${table.Properties.TableName}`;
    if (id.endsWith('LambdaFunction')) return `arn:aws:lambda:${at}:function:ami-rotator-${settings.stage}-${functionFileOf(id)}`;
    if (id === 'AlertTopic') return `arn:aws:sns:${at}:ami-rotator-${settings.stage}-${id}`;
    return undefined;
  };
  // A policy of its own (AWS::IAM::Policy) belongs to the roles it names, as CloudFormation attaches it.
  const attached = (role: string): Policy[] =>
    typed.flatMap(([, r]) =>
      r.Type === 'AWS::IAM::Policy' && r.Properties?.Roles?.some((ref) => ref.Ref === role) && r.Properties.PolicyName
        ? [{ PolicyName: r.Properties.PolicyName, PolicyDocument: r.Properties.PolicyDocument ?? null }]
        : [],
    );
  return typed.flatMap(([name, r]) => {
    if (r.Type !== 'AWS::IAM::Role') return [];
    return [
      {
        name,
        arn: `arn:aws:iam::${settings.accountId}:role/${name}`,
        policies: [...(r.Properties?.Policies ?? []), ...attached(name)].map((p) => ({
          name: p.PolicyName,
          policy: resolveNode(p.PolicyDocument, settings, arnOf) as PolicyDocument,
        })),
      },
    ];
  });
};

/** The role each function runs as, by its file in functions/ (`create-image` → `CreateImageRole`). */
export const functionRoles = (): Record<string, string> => {
  const { functions } = parse(read('serverless.yml')) as { functions: Record<string, { handler: string; role: string }> };
  return Object.fromEntries(Object.values(functions).map((f) => [f.handler.replace(/^functions\//, '').replace(/\.handler$/, ''), f.role]));
};
