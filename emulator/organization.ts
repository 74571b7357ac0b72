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
  /** The root's id (`r-...`): accounts without an OU are directly under it. */
  rootId: z
    .string()
    .regex(/^r-[0-9a-z]{4,32}$/)
    .default('r-a1b2'),
  /** Accounts the management account delegated Organizations' read actions to (a delegation policy). */
  delegatedAdministrators: z.array(z.string().regex(/^\d{12}$/)).default([]),
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
  private readonly rootId: string;
  private readonly fixture: z.infer<typeof organizationSchema>;
  private delegated = new Set<string>();
  private accounts = new Map<string, { ou: string | undefined; roles: Map<string, MemberRole> }>();

  constructor(fixture: OrganizationFixture) {
    this.fixture = organizationSchema.parse(fixture);
    this.id = this.fixture.id;
    this.managementAccount = this.fixture.managementAccount;
    this.rootId = this.fixture.rootId;
    this.restore();
  }

  /** Back to the fixture: its accounts, OUs, roles and delegated administrators (the emulator's `reset`). */
  restore(): void {
    this.delegated = new Set(this.fixture.delegatedAdministrators);
    this.accounts = new Map(this.fixture.accounts.map((a) => [a.id, { ou: a.ou, roles: new Map(a.roles.map((r) => [r.name, r])) }]));
  }

  /**
   * The organization's resource-based delegation policy: what the management account lets each delegated administrator
   * read (AWS Organizations User Guide, "Delegated administrator for AWS Organizations"). Another account's call is
   * evaluated against it, as any cross-account access.
   */
  delegationPolicy(): { Version: string; Statement: Record<string, unknown>[] } {
    return {
      Version: '2012-10-17',
      Statement: [...this.delegated].map((account) => ({
        Sid: `Delegate${account}`,
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ['organizations:Describe*', 'organizations:List*'],
        Resource: '*',
      })),
    };
  }

  /** Delegates Organizations' read actions to an account, or takes them back. */
  setDelegated(accountId: string, delegated: boolean): void {
    if (delegated) this.delegated.add(accountId);
    else this.delegated.delete(accountId);
  }

  /** Whether the account may list the organization's accounts: the management account or a delegated administrator. */
  mayList(accountId: string): boolean {
    return accountId === this.managementAccount || this.delegated.has(accountId);
  }

  /** The accounts directly under an OU or the root, in the order they joined; undefined for a parent that does not exist. */
  accountsUnder(parentId: string): string[] | undefined {
    const ous = new Set([...this.accounts.values()].map((a) => a.ou));
    if (parentId !== this.rootId && !ous.has(parentId)) return undefined;
    return [...this.accounts.entries()].filter(([, a]) => (a.ou ?? this.rootId) === parentId).map(([id]) => id);
  }

  /** Moves an account into an OU, or out of every OU (`undefined`: under the root), as between two nights. */
  moveAccount(accountId: string, ou: string | undefined): void {
    const found = this.accounts.get(accountId);
    if (!found) throw new Error(`${accountId} is not an account of organization ${this.id}`);
    found.ou = ou;
  }

  isMember(accountId: string): boolean {
    return this.accounts.has(accountId) || accountId === this.managementAccount || this.delegated.has(accountId);
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
