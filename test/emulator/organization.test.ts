import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, type Credentials, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { failureOf, useEmulator } from '../support/emulator.ts';

const IMAGE_ACCOUNT = '123456789012';
const ORG = 'o-a1b2c3d4e5';
const OU = 'ou-ab12-cd34ef56';
const PUBLISHER = `arn:aws:iam::${IMAGE_ACCOUNT}:role/Publisher`;
const consumerRole = (externalId: string) => ({
  name: 'ami-rotator-consumer',
  trust: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: PUBLISHER },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  },
  policies: [
    {
      name: 'golden-parameters',
      policy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['ssm:PutParameter', 'ssm:GetParameter'], Resource: 'arn:aws:ssm:*:*:parameter/golden/*' },
          { Effect: 'Allow', Action: 'ec2:DescribeImages', Resource: '*' },
        ],
      },
    },
  ],
});
const emulator = useEmulator({
  iam: {
    accountId: IMAGE_ACCOUNT,
    principals: {
      Publisher: {
        arn: PUBLISHER,
        policies: [
          {
            name: 'assume',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/ami-rotator-consumer' }],
            },
          },
        ],
      },
    },
  },
  organization: {
    id: ORG,
    managementAccount: '999999999999',
    accounts: [
      { id: '111111111111', ou: OU, roles: [consumerRole('night-shift')] },
      { id: '222222222222', ou: OU },
    ],
  },
  parameterValidationReads: 0,
});
const publisher = () =>
  new STSClient({
    endpoint: emulator().url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'Publisher', secretAccessKey: 'x' },
  });
const assume = (account: string, ExternalId = 'night-shift') =>
  publisher().send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/ami-rotator-consumer`, RoleSessionName: 'ami-rotator', ExternalId }),
  );
const ssmAs = (credentials: Credentials | undefined) =>
  new SSMClient({
    endpoint: emulator().url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: {
      accessKeyId: credentials?.AccessKeyId ?? '',
      secretAccessKey: credentials?.SecretAccessKey ?? '',
      sessionToken: credentials?.SessionToken ?? '',
    },
  });
const sharedImage = (launchPermissions: Record<string, string>[]) =>
  emulator().seed({
    images: [{ imageId: 'ami-0aaaaaaaaaaaaaaa1', name: 'web-prod-1', creationDate: '2026-12-01T02:00:00.000Z', launchPermissions }],
  });

/** Writes the shared image as the consumer's golden parameter, as the publish step does. */
const putImage = (ssm: SSMClient) =>
  ssm.send(
    new PutParameterCommand({ Name: '/golden/web-prod/latest', Value: 'ami-0aaaaaaaaaaaaaaa1', Type: 'String', DataType: 'aws:ec2:image' }),
  );

describe('accounts of an organization, through STS AssumeRole', () => {
  it("writes a parameter in the consumer's own account, naming an image shared with its OU", async () => {
    sharedImage([{ organizationalUnitArn: `arn:aws:organizations::999999999999:ou/${ORG}/${OU}` }]);
    const { Credentials, AssumedRoleUser } = await assume('111111111111');
    const ssm = ssmAs(Credentials);

    await putImage(ssm);
    const read = await ssm.send(new GetParameterCommand({ Name: '/golden/web-prod/latest' }));

    expect(AssumedRoleUser?.Arn).toBe('arn:aws:sts::111111111111:assumed-role/ami-rotator-consumer/ami-rotator');
    expect(read.Parameter?.Value).toBe('ami-0aaaaaaaaaaaaaaa1');
    expect(emulator().storeOf('111111111111', 'us-east-1').parameters.has('/golden/web-prod/latest')).toBe(true);
    expect(emulator().store.parameters.has('/golden/web-prod/latest')).toBe(false);
  });

  it('refuses a role the account does not have, and a wrong external id, with AccessDenied', async () => {
    const missing = await failureOf(assume('222222222222'));
    const wrongId = await failureOf(assume('111111111111', 'day-shift'));

    expect(missing).toMatchObject({ name: 'AccessDenied' });
    expect(missing?.message).toMatch(/sts:AssumeRole on resource: arn:aws:iam::222222222222:role\/ami-rotator-consumer/);
    expect(wrongId).toMatchObject({ name: 'AccessDenied' });
  });

  it('lets a session do only what its role allows, in its own account', async () => {
    const { Credentials } = await assume('111111111111');

    const outside = await failureOf(ssmAs(Credentials).send(new PutParameterCommand({ Name: '/other/value', Value: 'x', Type: 'String' })));

    expect(outside).toMatchObject({ name: 'AccessDeniedException' });
    expect(outside?.message).toMatch(/arn:aws:sts::111111111111:assumed-role\/ami-rotator-consumer/);
  });

  it('drops an aws:ec2:image value the consumer account cannot use (not shared with it)', async () => {
    sharedImage([{ userId: '333333333333' }]);
    const { Credentials } = await assume('111111111111');
    const ssm = ssmAs(Credentials);

    await putImage(ssm);

    expect(await failureOf(ssm.send(new GetParameterCommand({ Name: '/golden/web-prod/latest' })))).toMatchObject({
      name: 'ParameterNotFound',
    });
  });

  it('refuses AssumeRole input outside the API reference limits', async () => {
    const short = await failureOf(
      publisher().send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::111111111111:role/ami-rotator-consumer',
          RoleSessionName: 'x',
          ExternalId: 'night-shift',
        }),
      ),
    );

    expect(short).toMatchObject({ name: 'ValidationError' });
  });

  it("drops the value when the consumer role may not describe images: SSM validates it with the writer's own ec2:DescribeImages", async () => {
    sharedImage([{ organizationalUnitArn: `arn:aws:organizations::999999999999:ou/${ORG}/${OU}` }]);
    const role = consumerRole('night-shift');
    const withoutDescribe = role.policies.map((p) => ({
      ...p,
      policy: { ...p.policy, Statement: p.policy.Statement.filter((st) => st.Action !== 'ec2:DescribeImages') },
    }));
    emulator().organization?.putRole('111111111111', { ...role, policies: withoutDescribe });
    const ssm = ssmAs((await assume('111111111111')).Credentials);

    await putImage(ssm);

    expect(await failureOf(ssm.send(new GetParameterCommand({ Name: '/golden/web-prod/latest' })))).toMatchObject({
      name: 'ParameterNotFound',
    });
  });
});
