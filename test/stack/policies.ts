/**
 * The packaged template's policies, resolved for one made-up account as CloudFormation would resolve
 * them, and run through an IAM policy evaluator (@cloud-copilot/iam-simulate): what AWS would decide,
 * not what the YAML looks like.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { actionReference, keysSent, NotInReferenceError, resourceTypeOf } from '../../emulator/authorization-reference.ts';
import type { Template } from './package.ts';

export const ACCOUNT = '123456789012';
export const OTHER_ACCOUNT = '210987654321';
export const REGION = 'us-east-1';
export const STAGE = 'ci';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Policy = { Version: string; Statement: Json[] };

const PSEUDO: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT };

/** The release template's Parameters as the tests deploy it (infra/release-template.ts): the 'ci' stage's values. */
export const RELEASE_VALUES: Record<string, string> = {
  Stage: STAGE,
  AssetsBucket: 'ci-assets',
  Family: 'web-prod',
  InstanceId: 'i-0a1b2c3d4e5f60001',
  AlertEmail: 'oncall@example.com',
  Timezone: 'Europe/Paris',
};

/** What `Ref` and `Fn::GetAtt` of this stack's resources (and a release's Parameters) resolve to in the made-up account. */
const refOf = (template: Template, id: string): string => {
  const pseudo = PSEUDO[id];
  if (pseudo) return pseudo;
  const parameter = template.Parameters?.[id];
  if (parameter) return RELEASE_VALUES[id] ?? String(parameter.Default ?? '');
  const type = template.Resources[id]?.Type;
  if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${REGION}:${ACCOUNT}:ami-rotator-${STAGE}-alerts`;
  // Each state machine by its own name (the rotation's, the rollback's, the promotion's).
  if (type === 'AWS::StepFunctions::StateMachine')
    return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${String(resolve(template, (template.Resources[id]?.Properties?.StateMachineName as Json) ?? `ami-rotator-${STAGE}`))}`;
  throw new Error(`no Ref value for ${id} (${type})`);
};
const attOf = (template: Template, id: string, attribute: string): string => {
  const resource = template.Resources[id];
  if (attribute === 'TopicName') return `ami-rotator-${STAGE}-alerts`;
  if (resource?.Type === 'AWS::Lambda::Function')
    return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${String(resolve(template, resource.Properties.FunctionName as Json))}`;
  if (resource?.Type === 'AWS::KMS::Key') return `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  if (resource?.Type === 'AWS::SQS::Queue') return `arn:aws:sqs:${REGION}:${ACCOUNT}:ami-rotator-${STAGE}-schedule-dlq`;
  if (resource?.Type === 'AWS::IAM::Role') return `arn:aws:iam::${ACCOUNT}:role/${id}`;
  if (resource?.Type === 'AWS::DynamoDB::Table') return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ami-rotator-${STAGE}-waits`;
  throw new Error(`no Fn::GetAtt value for ${id}.${attribute}`);
};

export const resolve = (template: Template, node: Json): Json => {
  if (Array.isArray(node)) return node.map((n) => resolve(template, n));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.Ref === 'string') return refOf(template, node.Ref);
  const getAtt = node['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return attOf(template, String(getAtt[0]), String(getAtt[1]));
  const sub = node['Fn::Sub'];
  if (typeof sub === 'string') {
    return sub.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const [id, attribute] = name.split('.');
      return attribute ? attOf(template, id ?? '', attribute) : refOf(template, name);
    });
  }
  if (Object.keys(node).some((k) => k.startsWith('Fn::'))) throw new Error(`unresolved intrinsic ${JSON.stringify(node)}`);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(template, v)]));
};

/** A role's inline policies, resolved. */
export const identityPolicies = (template: Template, role: string) => {
  const policies = template.Resources[role]?.Properties.Policies as { PolicyName: string; PolicyDocument: Json }[] | undefined;
  if (!policies) throw new Error(`no role ${role} in the template`);
  // Policies of their own (AWS::IAM::Policy) that attach to the role, as CloudFormation attaches them.
  const attached = Object.values(template.Resources).flatMap((r) => {
    const props = r.Properties as { Roles?: { Ref?: string }[]; PolicyName?: string; PolicyDocument?: Json };
    return r.Type === 'AWS::IAM::Policy' && props.Roles?.some((ref) => ref.Ref === role) && props.PolicyName
      ? [{ PolicyName: props.PolicyName, PolicyDocument: props.PolicyDocument ?? null }]
      : [];
  });
  return [...policies, ...attached].map((p) => ({ name: p.PolicyName, policy: resolve(template, p.PolicyDocument) as Policy }));
};

export const resourcePolicy = (template: Template, id: string, property: 'PolicyDocument' | 'KeyPolicy'): Policy =>
  resolve(template, template.Resources[id]?.Properties[property] as Json) as Policy;

export type Decision = 'Allowed' | 'Denied';

export interface Request {
  /** A role of the template (its identity policies apply), or a service principal / ARN from outside. */
  principal: string;
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** The resource's policy, for topics and keys. */
  resourcePolicy?: Policy;
}

/** What IAM decides; a request the simulator cannot read (unknown action, bad key) fails the test. */
export const decide = async (template: Template, request: Request): Promise<Decision> => {
  const isRole = template.Resources[request.principal]?.Type === 'AWS::IAM::Role';
  // The request context as AWS makes it: only the keys the Service Authorization Reference lists for the action on
  // that resource type (a row naming a resource the action is not authorized against is the matrix's own mistake).
  const reference = await actionReference(request.action);
  const resourceType = request.resource === '*' ? undefined : resourceTypeOf(reference, request.resource);
  if (request.resource !== '*' && reference.resourceTypes.length > 0 && !resourceType)
    throw new NotInReferenceError(`${request.action} is not authorized against ${request.resource}`);
  const arnAccount = request.resource.split(':')[4];
  const result = await runSimulation(
    {
      request: {
        principal: isRole ? `arn:aws:iam::${ACCOUNT}:role/${request.principal}` : request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: arnAccount || ACCOUNT },
        contextVariables: keysSent(reference, resourceType, request.context ?? {}),
      },
      identityPolicies: isRole ? identityPolicies(template, request.principal) : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`the simulator refused ${JSON.stringify(request)}: ${JSON.stringify(result.errors)}`);
  return result.overallResult === 'Allowed' ? 'Allowed' : 'Denied';
};
