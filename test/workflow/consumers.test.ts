/**
 * Consumers in other accounts of the organization: each gets the new image as a parameter of its own, through the
 * role its consumer stack makes (infra/consumer-stack.yml); one without the role does not stop the others.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { localIam } from '../../local/clients.ts';
import { consumerRole } from '../../local/consumer-role.ts';
import { LOCAL_ACCOUNT_ID, runRollbackLocally, runRotationLocally } from '../../local/workflow.ts';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { sfnClient } from '../../src/aws/sfn-client.ts';
import { runStatusCommand } from '../../src/cli/status-command.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { roleClientsFor, serviceClientFor, useEmulator } from '../support/emulator.ts';
import { FAMILY, input, nextSecond, seedInstance } from '../support/workflow.ts';

const CONSUMERS = ['111111111111', '222222222222', '333333333333'];
const ORG = 'o-a1b2c3d4e5';
const role = (account: string) => consumerRole(account, { ImageAccountId: LOCAL_ACCOUNT_ID });
const OU = 'ou-ab12-cd34ef56';
const OTHER_OU = 'ou-ab12-99999999';
const OU_ARN = `arn:aws:organizations::999999999999:ou/${ORG}/${OU}`;
const emulator = useEmulator({
  iam: localIam(LOCAL_ACCOUNT_ID),
  organization: {
    id: ORG,
    managementAccount: '999999999999',
    // The image account may list the organization's accounts (a delegated administrator).
    delegatedAdministrators: [LOCAL_ACCOUNT_ID],
    // The third account has not deployed the consumer stack yet; the fourth is in another OU.
    accounts: [
      ...CONSUMERS.map((id, n) => ({ id, ou: OU, roles: n < 2 ? [role(id)] : [] })),
      { id: '444444444444', ou: OTHER_OU, roles: [role('444444444444')] },
    ],
  },
});
const PARAMETER = '/golden/web-prod/latest';
const MACHINE = `arn:aws:states:us-east-1:${LOCAL_ACCOUNT_ID}:stateMachine:ami-rotator-local`;
const night = (executionName: string) =>
  runRotationLocally({
    input: input({
      publish: { parameter: PARAMETER, consumers: { parameter: PARAMETER } },
      distribute: { share: { accounts: CONSUMERS } },
      retention: { keepLast: 1, maxAgeDays: 1, minKeep: 1 },
    }),
    clients: roleClientsFor(emulator()),
    executionName,
  });
/** What `ami-rotator status --family` prints of the family's consumers, as an operator in the image account reads it. */
const consumersShown = async () => {
  const text = await runStatusCommand(['--state-machine-arn', MACHINE, '--family', FAMILY], {
    sfn: sfnClient(),
    ec2: ec2Client(),
    scheduler: serviceClientFor(SchedulerClient, emulator().url),
    cloudWatch: serviceClientFor(CloudWatchClient, emulator().url),
  });
  return text.split('\n').filter((l) => /^ {2}consumers|^ {4}\d{12} in /.test(l));
};
const resolves = (account: string) => emulator().storeOf(account, 'us-east-1').parameters.get(PARAMETER)?.value;
const seedOld = () =>
  emulator().seed({
    images: [1, 2].map((n) => ({
      imageId: `ami-0${String(n).padStart(16, '0')}`,
      name: `${FAMILY}-old-${n}`,
      creationDate: new Date(Date.now() - (10 + n) * DAY_MS).toISOString(),
      tags: { [TAG.managed]: 'true', [TAG.family]: FAMILY },
    })),
  });

describe('consumers in other accounts', () => {
  it('gives each consumer the new image; one without the role is named in one alert, nothing is pruned, and it catches up once its role exists', async () => {
    seedInstance(emulator());
    seedOld();

    const first = await night('night-1');
    const afterFirst = CONSUMERS.map(resolves);
    const firstImage = emulator().store.parameters.get(PARAMETER)?.value;
    const shownFirst = await consumersShown();
    const oldKept = [...emulator().store.images.keys()].filter((id) => id.startsWith('ami-00')).length;
    emulator().organization?.putRole('333333333333', role('333333333333'));
    await nextSecond();
    const second = await night('night-2');

    expect(first.status).toBe('FAILED');
    expect(first.error).toBe('ConsumersNotUpdated');
    expect(first.alerts).toHaveLength(1);
    expect(first.alerts[0]?.subject).toBe('ami-rotator: web-prod rotated, 1 consumer account(s) not updated');
    expect(first.alerts[0]?.message).toMatch(/333333333333 in us-east-1: .*deploy the consumer stack there/);
    expect(first.alerts[0]?.message).not.toMatch(/111111111111 in/);
    expect(afterFirst).toEqual([firstImage, firstImage, undefined]);
    expect(firstImage).toMatch(/^ami-/);
    expect(oldKept).toBe(2);
    expect(second.status).toBe('SUCCEEDED');
    const secondImage = emulator().store.parameters.get(PARAMETER)?.value;
    expect(secondImage).not.toBe(firstImage);
    expect(CONSUMERS.map(resolves)).toEqual([secondImage, secondImage, secondImage]);
    // status reads a failed night's consumers from its history, a good night's from its output.
    expect(shownFirst).toEqual([
      expect.stringMatching(/^ {2}consumers {6}2 of 3 account-region\(s\) name the image published there \(by night-1, .* UTC, FAILED\)$/),
      `    111111111111 in us-east-1: ${PARAMETER} = ${firstImage}`,
      `    222222222222 in us-east-1: ${PARAMETER} = ${firstImage}`,
      expect.stringMatching(
        /^ {4}333333333333 in us-east-1: NOT UPDATED \(.*deploy the consumer stack there.*\): .* still names an earlier image, if any$/,
      ),
    ]);
    expect(await consumersShown()).toEqual([
      expect.stringMatching(/^ {2}consumers {6}3 of 3 account-region\(s\) .*\(by night-2, .*, SUCCEEDED\)$/),
      ...CONSUMERS.map((account) => `    ${account} in us-east-1: ${PARAMETER} = ${secondImage}`),
    ]);
  });

  it('rolls the consumers back too: each resolves the earlier image again; one whose role is gone is named in one alert', async () => {
    seedInstance(emulator());
    emulator().organization?.putRole('333333333333', role('333333333333'));
    await night('good-night');
    const good = emulator().store.parameters.get(PARAMETER)?.value;
    await nextSecond();
    await night('bad-night');
    const bad = emulator().store.parameters.get(PARAMETER)?.value;
    emulator().organization?.deleteRole('222222222222', 'ami-rotator-consumer');
    // The stage's settings, as the rollback's function reads them: its publishing with consumers, its sharing.
    const settings = {
      ROTATOR_PUBLISH: JSON.stringify({ parameter: PARAMETER, consumers: { parameter: PARAMETER } }),
      ROTATOR_DISTRIBUTE: JSON.stringify({ share: { accounts: CONSUMERS } }),
    };
    Object.assign(process.env, settings);

    const rollback = await runRollbackLocally({ input: { family: FAMILY }, clients: roleClientsFor(emulator()) }).finally(() => {
      for (const name of Object.keys(settings)) delete process.env[name];
    });

    expect(bad).not.toBe(good);
    expect(emulator().store.parameters.get(PARAMETER)?.value).toBe(good);
    expect(CONSUMERS.map(resolves)).toEqual([good, bad, good]);
    expect(rollback).toMatchObject({ status: 'FAILED', error: 'ConsumersNotUpdated' });
    expect(rollback.alerts.map((a) => a.subject)).toEqual([`ami-rotator: ${FAMILY} rolled back, 1 consumer account(s) not updated`]);
    expect(rollback.alerts[0]?.message).toMatch(
      /^ami-rotator rolled back family web-prod, but some consumer accounts did not get the earlier image\./,
    );
    expect(rollback.alerts[0]?.message).toMatch(/222222222222 in us-east-1: /);
  });

  it('refuses consumers without the accounts to write them in, before anything is made', async () => {
    seedInstance(emulator());

    const run = await runRotationLocally({
      input: input({ publish: { parameter: PARAMETER, consumers: { parameter: PARAMETER } } }),
      clients: roleClientsFor(emulator()),
    });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(run.cause).toMatch(/publish\.consumers: expected distribute\.share\.accounts/);
    expect(emulator().mutatingRequests()).toEqual([]);
  });

  it('follows the OU: an account that joins gets the next image, one that leaves is no longer written', async () => {
    seedInstance(emulator());
    emulator().organization?.putRole('333333333333', role('333333333333'));
    const byOu = (executionName: string) =>
      runRotationLocally({
        input: input({
          publish: { parameter: PARAMETER, consumers: { parameter: PARAMETER } },
          distribute: { share: { organizationalUnits: [OU_ARN] } },
        }),
        clients: roleClientsFor(emulator()),
        executionName,
      });

    const first = await byOu('ou-night-1');
    const firstImage = emulator().store.parameters.get(PARAMETER)?.value;
    emulator().organization?.moveAccount('444444444444', OU);
    emulator().organization?.moveAccount('111111111111', OTHER_OU);
    await nextSecond();
    const second = await byOu('ou-night-2');
    const secondImage = emulator().store.parameters.get(PARAMETER)?.value;

    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(['111111111111', '222222222222', '333333333333', '444444444444'].map(resolves)).toEqual([
      firstImage,
      secondImage,
      secondImage,
      secondImage,
    ]);
  });

  it('names an OU the image account may not list, and why, in the one alert; the account named by id still gets the image', async () => {
    seedInstance(emulator());
    emulator().organization?.setDelegated(LOCAL_ACCOUNT_ID, false);

    const run = await runRotationLocally({
      input: input({
        publish: { parameter: PARAMETER, consumers: { parameter: PARAMETER } },
        distribute: { share: { accounts: ['111111111111'], organizationalUnits: [OU_ARN] } },
      }),
      clients: roleClientsFor(emulator()),
    });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ConsumersNotUpdated' });
    expect(run.alerts[0]?.message).toMatch(
      /ou-ab12-cd34ef56 in us-east-1: list the accounts of ou-ab12-cd34ef56: .*delegated administrator/,
    );
    expect(resolves('111111111111')).toBe(emulator().store.parameters.get(PARAMETER)?.value);
  });
});
