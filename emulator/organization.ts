/**
 * The other accounts of the model: an AWS Organization's member accounts, each in an organizational unit, with the IAM
 * roles it holds (a consumer's role the image account assumes). The image account is the emulator's own.
 */
import { z } from 'zod';

const policy = z.object({ Version: z.string(), Statement: z.array(z.record(z.string(), z.unknown())) });
const role = z.object({
  name: z.string().regex(/^[\w+=,.@-]{1,64}$/),
  /** The trust policy (AssumeRolePolicyDocument): who may assume it. */
  trust: policy,
  policies: z.array(z.object({ name: z.string(), policy })).default([]),
});
const account = z.object({
  id: z.string().regex(/^\d{12}$/),
  /** Its organizational unit's id (`ou-...`); absent: directly under the root. */
  ou: z
    .string()
    .regex(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/)
    .optional(),
  roles: z.array(role).default([]),
});
export const organizationSchema = z.object({
  id: z.string().regex(/^o-[a-z0-9]{10,32}$/),
  /** The management account (Organizations' own account ids are 12 digits). */
  managementAccount: z.string().regex(/^\d{12}$/),
  accounts: z.array(account).default([]),
});
export type OrganizationFixture = z.input<typeof organizationSchema>;
export type MemberRole = z.infer<typeof role>;

/** A session AssumeRole issued: its access key stands for the role, in the role's account. */
export interface Session {
  accessKeyId: string;
  roleArn: string;
  sessionName: string;
  account: string;
  expiration: Date;
}

export class Organization {
  readonly id: string;
  readonly managementAccount: string;
  private readonly accounts: Map<string, { ou: string | undefined; roles: Map<string, MemberRole> }>;

  constructor(fixture: OrganizationFixture) {
    const parsed = organizationSchema.parse(fixture);
    this.id = parsed.id;
    this.managementAccount = parsed.managementAccount;
    this.accounts = new Map(parsed.accounts.map((a) => [a.id, { ou: a.ou, roles: new Map(a.roles.map((r) => [r.name, r])) }]));
  }

  isMember(accountId: string): boolean {
    return this.accounts.has(accountId) || accountId === this.managementAccount;
  }

  /** The account's OU as launch permissions name it (`arn:aws:organizations::<management>:ou/<org>/<ou>`). */
  ouArnOf(accountId: string): string | undefined {
    const ou = this.accounts.get(accountId)?.ou;
    return ou && `arn:aws:organizations::${this.managementAccount}:ou/${this.id}/${ou}`;
  }

  get arn(): string {
    return `arn:aws:organizations::${this.managementAccount}:organization/${this.id}`;
  }

  /** A role by its ARN (`arn:aws:iam::<account>:role/<name>`), or undefined when the account has none of that name. */
  roleOf(roleArn: string): (MemberRole & { account: string }) | undefined {
    const match = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/.exec(roleArn);
    const found = match && this.accounts.get(match[1] ?? '')?.roles.get(match[2] ?? '');
    return found ? { ...found, account: match?.[1] ?? '' } : undefined;
  }

  /** Adds (or replaces) a role in a member account: the consumer side deployed there. */
  putRole(accountId: string, member: z.input<typeof role>): void {
    const found = this.accounts.get(accountId);
    if (!found) throw new Error(`${accountId} is not an account of organization ${this.id}`);
    const parsed = role.parse(member);
    found.roles.set(parsed.name, parsed);
  }

  deleteRole(accountId: string, name: string): void {
    this.accounts.get(accountId)?.roles.delete(name);
  }
}
