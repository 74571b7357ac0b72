/**
 * The reliability suite for an organization: nightly rotations that share with an OU and write each consumer's own
 * parameter, in two regions, while consumers lose and regain their role, SSM and STS throttle, and accounts join and
 * leave the OU between nights. After every night: each consumer in the OU either resolves the newest published image
 * in each region or is named in that night's one alert, and can launch what it resolves (never a deregistered image,
 * nor one made private while it still resolves it); at most one alert a night.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../emulator/faults.ts';
import { localIam } from '../../local/clients.ts';
import { consumerRole } from '../../local/consumer-role.ts';
import { LOCAL_ACCOUNT_ID, runRotationLocally } from '../../local/workflow.ts';
import { roleClientsFor, useEmulator } from '../support/emulator.ts';
import { input, nextSecond, seedInstance } from '../support/workflow.ts';

const ORG = 'o-a1b2c3d4e5';
const OU = 'ou-ab12-cd34ef56';
const ELSEWHERE = 'ou-ab12-99999999';
const OU_ARN = `arn:aws:organizations::999999999999:ou/${ORG}/${OU}`;
const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'];
const REGIONS = ['us-east-1', 'eu-west-1'];
/** Each region keeps its newest image only: a prune that ran while a consumer still resolved the one before would show. */
const KEEP_NEWEST = { keepLast: 1, maxAgeDays: null, minKeep: 1 };
const DISTRIBUTE = { regions: [{ region: 'eu-west-1', retention: KEEP_NEWEST }] };
const PARAMETER = '/golden/web-prod/latest';
const role = (account: string) => consumerRole(account, { ImageAccountId: LOCAL_ACCOUNT_ID });

const emulator = useEmulator({
  iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { distribute: JSON.stringify(DISTRIBUTE) }),
  organization: {
    id: ORG,
    managementAccount: '999999999999',
    delegatedAdministrators: [LOCAL_ACCOUNT_ID],
    // The last account starts outside the OU.
    accounts: ACCOUNTS.map((id, n) => ({ id, ou: n < 4 ? OU : ELSEWHERE, roles: [role(id)] })),
  },
});
beforeAll(() => {
  process.env.ROTATOR_DISTRIBUTE = JSON.stringify(DISTRIBUTE);
});
afterAll(() => {
  delete process.env.ROTATOR_DISTRIBUTE;
});

/** What changes before each night, and the faults of that night. */
interface Night {
  about: string;
  before?: () => void;
  faults?: FaultPlan;
}
const org = () => {
  const found = emulator().organization;
  if (!found) throw new Error('the emulator has an organization');
  return found;
};
const NIGHTS: Night[] = [
  { about: 'every consumer reachable' },
  { about: 'one consumer loses its role', before: () => org().deleteRole('222222222222', 'ami-rotator-consumer') },
  {
    about: 'it regains it; one account joins the OU, one leaves',
    before: () => {
      org().putRole('222222222222', role('222222222222'));
      org().moveAccount('555555555555', OU);
      org().moveAccount('111111111111', ELSEWHERE);
    },
  },
  {
    about: 'SSM and STS throttle 30% of calls',
    faults: { seed: 11, rules: [{ code: 'ThrottlingException', rate: 0.3, actions: ['PutParameter', 'AssumeRole'] }] },
  },
  { about: 'every consumer reachable again' },
];

describe('an organization over five nights', () => {
  it('keeps every consumer in the OU on the newest published image or names it, and each able to launch what it resolves', async () => {
    seedInstance(emulator());
    const summary: string[] = [];
    for (const [n, night] of NIGHTS.entries()) {
      await nextSecond();
      night.before?.();
      emulator().injectFaults(night.faults ?? {});
      const run = await runRotationLocally({
        input: input({
          publish: { parameter: PARAMETER, consumers: { parameter: PARAMETER } },
          distribute: { ...DISTRIBUTE, share: { organizationalUnits: [OU_ARN] } },
          retention: KEEP_NEWEST,
        }),
        clients: roleClientsFor(emulator(), { AWS_RETRY_MODE: 'standard', AWS_MAX_ATTEMPTS: '3' }),
        executionName: `night-${n + 1}`,
      });
      emulator().injectFaults({});

      const inOu = ACCOUNTS.filter((a) => org().accountsUnder(OU)?.includes(a));
      const alert = run.alerts[0]?.message ?? '';
      expect([night.about, run.alerts.length <= 1]).toEqual([night.about, true]);
      for (const region of REGIONS) {
        const newest = emulator().storeIn(region).parameters.get(PARAMETER)?.value;
        const images = emulator().storeIn(region).images;
        for (const account of ACCOUNTS) {
          const resolved = emulator().storeOf(account, region).parameters.get(PARAMETER)?.value;
          // Never an image it could not launch: deregistered, or no longer shared with it (its account or its OU).
          if (resolved !== undefined) {
            const ou = org().ouArnOf(account);
            const launchable = images
              .get(resolved)
              ?.launchPermissions.some((p) => p.userId === account || (ou !== undefined && p.organizationalUnitArn === ou));
            expect([night.about, account, region, launchable ?? false]).toEqual([night.about, account, region, inOu.includes(account)]);
          }
          // In the OU: the newest published image, or named in the night's alert.
          if (inOu.includes(account) && resolved !== newest)
            expect([night.about, account, region, alert.includes(`${account} in ${region}`)]).toEqual([night.about, account, region, true]);
        }
      }
      summary.push(`${night.about}: ${run.status}`);
    }
    console.log(`reliability (organization): ${summary.join('; ')}`);
    // The night without its role names it; the reachable nights end as they should.
    expect(summary[0]).toMatch(/SUCCEEDED$/);
    expect(summary[1]).toMatch(/FAILED$/);
    expect(summary[4]).toMatch(/SUCCEEDED$/);
  });
});
