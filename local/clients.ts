/** AWS clients for the local runner's handlers, built as production builds its own but signed as a function's role. */

import { createRequire } from 'node:module';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { RbinClient } from '@aws-sdk/client-rbin';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { IamSettings } from '../emulator/iam.ts';
import type { SsmDocument } from '../emulator/model.ts';
import { ACCOUNT_ID } from '../emulator/store.ts';
import { clientSettings } from '../src/aws/client-settings.ts';
import { accountsUnderOu, consumerRoleOf, consumerSsmClients } from '../src/aws/consumer-clients.ts';
import { countThrottles } from '../src/aws/throttles.ts';
import { stackRoles } from './stack-roles.ts';

/**
 * Credentials that name a role: the emulator evaluates every call signed with them against that role's
 * policies (`localIam`). Any other key, such as `local`, is not checked: a test's or an operator's own calls.
 */
export const roleCredentials = (role: string) => ({ accessKeyId: role, secretAccessKey: 'local' });

/** EC2, Auto Scaling, SSM and Recycle Bin clients for an emulator at `endpoint`, with the shared settings read from `env`. */
export const emulatorClients = (endpoint: string, env: Readonly<Record<string, string | undefined>> = {}, accessKeyId = 'local') => {
  const settings = {
    ...clientSettings(env),
    endpoint,
    // The region the calls are signed for, which the emulator answers as (us-east-1 unless env says).
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'local' },
  };
  const { endpoint: _, ...rest } = settings;
  return {
    ec2: countThrottles(new EC2Client(settings)),
    autoScaling: new AutoScalingClient(settings),
    ssm: new SSMClient(settings),
    recycleBin: new RbinClient({ endpoint, region: rest.region, credentials: rest.credentials, maxAttempts: rest.maxAttempts }),
    consumers: {
      ssmOf: consumerSsmClients(new STSClient(settings), consumerRoleOf(env), settings.region, endpoint),
      region: settings.region,
      accountsUnder: accountsUnderOu(new OrganizationsClient({ ...settings, region: 'us-east-1' })),
    },
  };
};

/** Clients as production builds them from the standard AWS settings (endpoints, region, retries), signed as `role`. */
export const environmentClientsAs = (role: string, region?: string) => {
  const settings = { ...clientSettings(), credentials: roleCredentials(role), ...(region ? { region } : {}) };
  return {
    ec2: countThrottles(new EC2Client(settings)),
    autoScaling: new AutoScalingClient(settings),
    sfn: new SFNClient(settings),
    ssm: new SSMClient(settings),
    recycleBin: new RbinClient({ credentials: settings.credentials, maxAttempts: settings.maxAttempts, ...(region ? { region } : {}) }),
    consumers: {
      ssmOf: consumerSsmClients(new STSClient(settings), consumerRoleOf(process.env), region),
      region: region ?? process.env.AWS_REGION ?? 'us-east-1',
      accountsUnder: accountsUnderOu(new OrganizationsClient({ ...settings, region: 'us-east-1' })),
    },
  };
};

/** The Systems Manager documents the stack makes (infra/prepare.cjs: the clean-up document), as the emulator holds them. */
export const localDocuments = (stage = 'local'): SsmDocument[] => {
  const require = createRequire(import.meta.url);
  const { prepareResources } = require('../infra/prepare.cjs') as {
    prepareResources: (stage: string, listed: string) => Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  return Object.values(prepareResources(stage, ''))
    .filter((r) => r.Type === 'AWS::SSM::Document')
    .map((r) => {
      const declared = ((r.Properties.Content as { parameters?: Record<string, { default?: unknown }> }).parameters ?? {}) as Record<
        string,
        { default?: unknown }
      >;
      return {
        name: String(r.Properties.Name),
        owner: ACCOUNT_ID,
        parameters: Object.entries(declared).map(([name, p]) => ({
          name,
          ...(p.default === undefined ? {} : { defaultValue: String(p.default) }),
        })),
      };
    });
};

/** The stack's function roles as the emulator evaluates them: stage `local`, this account and region. */
export const localIam = (
  accountId: string,
  region = 'us-east-1',
  params: { publishPath?: string; bootTestInstanceRole?: string; prepareDocuments?: string; distribute?: string } = {},
): IamSettings => ({
  accountId,
  principals: Object.fromEntries(
    stackRoles({ stage: 'local', accountId, region, ...params }).map((role) => [role.name, { arn: role.arn, policies: role.policies }]),
  ),
});

/**
 * The wait table's DynamoDB and the Step Functions endpoint as a function reaches them in a local run (the standard
 * settings: the local endpoints), signed as its role, so that their IAM is evaluated too (local/wait-table.ts,
 * local/sfn-endpoint.ts). Both are the function's own region's, whichever region it acts in.
 */
export const servedLocallyAs = (role: string) => {
  const settings = { ...clientSettings(), credentials: roleCredentials(role) };
  return { dynamodb: new DynamoDBClient(settings), sfn: new SFNClient(settings) };
};
