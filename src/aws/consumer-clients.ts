/**
 * SSM clients of consumer accounts, each signed as the role the consumer side provides (infra/consumer-stack.yml):
 * credentials from STS AssumeRole into `arn:aws:iam::<account>:role/<ROTATOR_CONSUMER_ROLE>`, with the external id
 * the consumer stack requires, renewed by the SDK before they expire. One client per account, region and container.
 */
import { ListAccountsForParentCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ConfigurationError } from '../errors.ts';
import type { AccountsUnder, ConsumerSsm } from '../rotation/consumers.ts';
import { clientSettings, perRegion } from './client-settings.ts';

/** The role name each consumer account's stack makes, unless the deployment names another. */
export const DEFAULT_CONSUMER_ROLE = 'ami-rotator-consumer';
// IAM role names: 1 to 64 of [\w+=,.@-]; STS AssumeRole ExternalId: 2 to 1224 of [\w+=,.@:/-] (STS API Reference).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export interface ConsumerRole {
  roleName: string;
  externalId?: string;
}

/** `ROTATOR_CONSUMER_ROLE` and `ROTATOR_CONSUMER_EXTERNAL_ID`, checked. */
export const consumerRoleOf = (env: Readonly<Record<string, string | undefined>>): ConsumerRole => {
  const roleName = env.ROTATOR_CONSUMER_ROLE || DEFAULT_CONSUMER_ROLE;
  const externalId = env.ROTATOR_CONSUMER_EXTERNAL_ID || undefined;
  const problems = [
    ROLE_NAME.test(roleName)
      ? undefined
      : `ROTATOR_CONSUMER_ROLE: expected an IAM role name (1 to 64 of letters, digits, +=,.@_-), got "${roleName}"`,
    externalId === undefined || EXTERNAL_ID.test(externalId)
      ? undefined
      : 'ROTATOR_CONSUMER_EXTERNAL_ID: expected 2 to 1224 of letters, digits, +=,.@:/_-',
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new ConfigurationError(`Invalid deployment settings: ${problems.join('; ')}`);
  return { roleName, ...(externalId === undefined ? {} : { externalId }) };
};

/** The STS client of a container, by region (`AWS_ENDPOINT_URL_STS` reaches another endpoint). */
export const stsClient = perRegion((region) => new STSClient({ ...clientSettings(), ...region }));

/** SSM of each consumer account in `region` (the function's own when undefined), as its consumer role. */
export const consumerSsmClients = (
  sts: STSClient,
  role: ConsumerRole,
  region: string | undefined,
  /** Another endpoint than the standard settings say (a test's emulator). */
  endpoint?: string,
): ConsumerSsm => {
  const clients = new Map<string, SSMClient>();
  return (account) => {
    const found = clients.get(account);
    if (found) return found;
    const client = new SSMClient({
      ...clientSettings(),
      ...(region === undefined ? {} : { region }),
      ...(endpoint === undefined ? {} : { endpoint }),
      credentials: async () => {
        const { Credentials } = await sts.send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${account}:role/${role.roleName}`,
            RoleSessionName: 'ami-rotator-publish',
            ...(role.externalId === undefined ? {} : { ExternalId: role.externalId }),
            DurationSeconds: 900,
          }),
        );
        return {
          accessKeyId: Credentials?.AccessKeyId ?? '',
          secretAccessKey: Credentials?.SecretAccessKey ?? '',
          sessionToken: Credentials?.SessionToken ?? '',
          ...(Credentials?.Expiration ? { expiration: Credentials.Expiration } : {}),
        };
      },
    });
    clients.set(account, client);
    return client;
  };
};

/**
 * Organizations is global: its endpoint is in us-east-1 for the aws partition (AWS General Reference, "AWS Organizations
 * endpoints"). One client per container.
 */
let organizations: OrganizationsClient | undefined;
export const organizationsClient = (): OrganizationsClient => {
  organizations ??= new OrganizationsClient({ ...clientSettings(), region: 'us-east-1' });
  return organizations;
};

/** The accounts directly under an OU, every page of ListAccountsForParent (at most 20 a page). */
export const accountsUnderOu =
  (client: OrganizationsClient): AccountsUnder =>
  async (ouId) => {
    const accounts: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await client.send(
        new ListAccountsForParentCommand({ ParentId: ouId, MaxResults: 20, ...(NextToken ? { NextToken } : {}) }),
      );
      accounts.push(...(page.Accounts ?? []).filter((a) => a.State !== 'SUSPENDED' && a.Id).map((a) => a.Id ?? ''));
      NextToken = page.NextToken;
    } while (NextToken);
    return accounts;
  };
