/**
 * IAM as AWS applies it to a call: the caller is told by the access key the request is signed with; a key
 * that names a role of `settings.principals` has every call evaluated against that role's policies with an
 * IAM policy evaluator (@cloud-copilot/iam-simulate); any other key (a test's own client, an operator) is
 * not checked. What each action is authorized against, and with which condition keys, follows the Service
 * Authorization Reference (Amazon EC2, AWS Systems Manager, Amazon EC2 Auto Scaling, Recycle Bin); the
 * permissions a service checks on the caller's behalf are in `dependentChecks` (emulator/README.md, "IAM").
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Check } from './dependent-checks.ts';
import { wildcard } from './listing.ts';
import type { Organization } from './organization.ts';
import { asAwsChecks, awsChecksFor } from './request-checks.ts';
import type { Store } from './store.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Principal {
  arn: string;
  policies: { name: string; policy: { Version: string; Statement: Json[] } }[];
  /** The principal's account: the settings' own when absent. */
  account?: string;
}
export interface IamSettings {
  /** Access key id → the role it stands for. */
  principals: Readonly<Record<string, Principal>>;
  accountId: string;
  /** A session AssumeRole issued, by its access key id: the role in its own account. */
  sessionOf?: (accessKeyId: string) => Principal | undefined;
}

/** The access key id of a SigV4-signed request (Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/...). */
export const accessKeyOf = (authorization: string | undefined): string | undefined =>
  /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];

/** Decisions already made, per principal: policies do not change while an emulator runs, and runs repeat their calls. */
const decided = new WeakMap<Principal, Map<string, boolean>>();

const asList = (value: Json | undefined): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];

/**
 * A resource AWS owns has no account in its ARN (`arn:aws:ssm:us-east-1::document/AWS-RunPatchBaseline`), which the
 * simulator cannot type (its SSM document pattern needs an account). Such a request is decided here the way IAM decides it
 * for identity policies: allowed when a statement without conditions allows the action on a matching resource and no
 * statement denies it. Conditions on such a statement are not evaluated: it is not taken as allowing.
 */
const allowsOwnedByAws = (principal: Principal, check: Check): boolean => {
  const statements = principal.policies.flatMap((p) => p.policy.Statement) as Record<string, Json | undefined>[];
  const applies = (st: Record<string, Json | undefined>) =>
    // Actions match without regard to case, resources with (IAM User Guide, "IAM JSON policy elements: Action", "Resource").
    asList(st.Action).some((a) => wildcard(a, 'si').test(check.action)) &&
    asList(st.Resource).some((r) => wildcard(r).test(check.resource));
  // A Deny written with NotAction or NotResource is not matched here: it is taken as denying (the stricter reading).
  if (statements.some((st) => st.Effect === 'Deny' && (applies(st) || st.NotAction !== undefined || st.NotResource !== undefined)))
    return false;
  return statements.some((st) => st.Effect === 'Allow' && st.Condition === undefined && applies(st));
};

const allows = async (principal: Principal, check: Check, account: string, region: string): Promise<boolean> => {
  const memo = decided.get(principal) ?? new Map<string, boolean>();
  decided.set(principal, memo);
  const key = JSON.stringify([check, region]);
  const known = memo.get(key);
  if (known !== undefined) return known;
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: check.action,
        resource: { resource: check.resource, accountId: check.resource.split(':')[4] || account },
        // Keys of the principal that AWS puts in every request's context (IAM User Guide, "AWS global condition context keys").
        contextVariables: {
          'aws:RequestedRegion': region,
          'aws:PrincipalArn': principal.arn,
          'aws:PrincipalAccount': principal.account ?? account,
          ...check.context,
        },
      },
      ...(check.resourcePolicy ? { resourcePolicy: check.resourcePolicy } : {}),
      identityPolicies: principal.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  // An ARN without an account whose type the simulator's patterns cannot match (an AWS-owned SSM document).
  const untyped = result.resultType === 'error' && JSON.stringify(result.errors).includes('no.resource.types');
  if (untyped && check.resource.split(':')[4] === '') {
    const allowed = allowsOwnedByAws(principal, check);
    memo.set(key, allowed);
    return allowed;
  }
  if (result.resultType === 'error')
    throw new Error(`IAM evaluation failed for ${JSON.stringify(check)}: ${JSON.stringify(result.errors)}`);
  const allowed = result.overallResult === 'Allowed';
  memo.set(key, allowed);
  return allowed;
};

/** The first check the principal's policies do not allow, or undefined when every one is allowed. */
const firstDenied = async (principal: Principal, checks: readonly Check[], account: string, region: string): Promise<Check | undefined> => {
  for (const check of checks) if (!(await allows(principal, check, account, region))) return check;
  return undefined;
};

/** AWS's words for a refusal, naming the role, the action and the resource. */
const deniedMessage = (principal: Principal, check: Check): string =>
  `User: ${principal.arn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/local is not authorized to perform: ${check.action} on resource: ${check.resource} because no identity-based policy allows the ${check.action} action`;

export type Authorization =
  | { allowed: true; callerMayDescribeImages?: boolean }
  | { allowed: false; status: number; code: string; message: string };

/**
 * One request's authorization: allowed when the caller is none of the stack's roles; otherwise every check of the
 * action and of what the service checks on the caller's behalf. For SSM's asynchronous validation of an
 * aws:ec2:image value, whether the caller may describe images (Systems Manager User Guide, "Native parameter
 * support for Amazon Machine Image IDs"): without it, the value is dropped, not refused.
 */
export const authorize = async (
  settings: IamSettings | undefined,
  authorizationHeader: string | undefined,
  request: {
    service: 'ec2' | 'ssm' | 'autoscaling' | 'rbin' | 'sts' | 'organizations';
    status: number;
    code: string;
    action: string;
    params: Record<string, unknown>;
    store: Store;
    region: string;
    /** The account in another region (a copy's source). */
    storeIn?: ((region: string) => Store) | undefined;
    /** The organization's accounts: a role's trust policy for AssumeRole. */
    organization?: Organization | undefined;
  },
): Promise<Authorization> => {
  const key = accessKeyOf(authorizationHeader);
  const principal = key === undefined ? undefined : (settings?.principals[key] ?? settings?.sessionOf?.(key));
  if (!settings || !principal) return { allowed: true };
  const { service, action, params, store, region, storeIn, organization } = request;
  const account = principal.account ?? settings.accountId;
  const checks = await awsChecksFor({ service, action, params, store, region, account, storeIn, organization });
  const denied = await firstDenied(principal, checks, account, region);
  if (denied) return { allowed: false, status: request.status, code: request.code, message: deniedMessage(principal, denied) };
  if (service !== 'ssm' || action !== 'PutParameter' || params.DataType !== 'aws:ec2:image') return { allowed: true };
  const describe = [{ action: 'ec2:DescribeImages', resource: '*', context: {} }];
  return { allowed: true, callerMayDescribeImages: (await firstDenied(principal, describe, account, region)) === undefined };
};

/**
 * A call to another service the local run serves (the wait table's DynamoDB, the local Step Functions endpoint), by
 * the checks the caller names: allowed when the key is none of the stack's roles, else each check evaluated as for EC2.
 */
export const authorizeChecks = async (
  settings: IamSettings | undefined,
  authorizationHeader: string | undefined,
  checks: readonly Check[],
  region: string,
): Promise<{ allowed: true } | { allowed: false; message: string }> => {
  const key = accessKeyOf(authorizationHeader);
  const principal = key === undefined ? undefined : settings?.principals[key];
  if (!settings || !principal || checks.length === 0) return { allowed: true };
  const strict = await asAwsChecks(checks[0]?.action ?? '', checks, { region, account: settings.accountId });
  const denied = await firstDenied(principal, strict, settings.accountId, region);
  return denied ? { allowed: false, message: deniedMessage(principal, denied) } : { allowed: true };
};

/**
 * The first of these calls `principal` may not make, in AWS's words, or undefined when it may make them all: each
 * evaluated as AWS authorizes it (the reference's resource types and condition keys). For the calls a state machine
 * makes with its role (local/state-machine-iam.ts).
 */
export const refusalOf = async (
  principal: Principal,
  named: readonly Check[],
  account: string,
  region: string,
): Promise<string | undefined> => {
  const first = named[0];
  if (!first) return undefined;
  const denied = await firstDenied(principal, await asAwsChecks(first.action, named, { region, account }), account, region);
  return denied && deniedMessage(principal, denied);
};

/** The region a SigV4-signed request is signed for (its credential scope: AKID/date/region/service/aws4_request). */
export const signedRegionOf = (authorization: string | undefined): string | undefined =>
  /Credential=[^/,\s]+\/\d{8}\/([^/]+)\//.exec(authorization ?? '')?.[1];
