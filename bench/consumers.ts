/**
 * An organization of 100 consumer accounts in one OU, on the emulator: the rotation publishes in its own region and
 * two copy regions, and writes each consumer's parameter in each (300 writes, each through an assumed role, each read
 * back). The time to update them is the planned waits of each region's publishing (WaitForParameter, on the
 * emulator's clock, from PublishImage to ImagePublished); every consumer must then resolve its region's image.
 */
import { startEmulator } from '../emulator/server.ts';
import { emulatorClients, localIam } from '../local/clients.ts';
import { consumerRole } from '../local/consumer-role.ts';
import { DEMO_FAMILY, DEMO_INSTANCE_ID, demoAccount } from '../local/demo-account.ts';
import { type EventLog, LOCAL_ACCOUNT_ID, runRotationLocally } from '../local/workflow.ts';
import { round } from './stats.ts';

const SOURCE = 'us-east-1';
const COPY_REGIONS = ['eu-west-1', 'sa-east-1'];
const ORG = 'o-a1b2c3d4e5';
const OU = 'ou-ab12-cd34ef56';
const CONSUMERS = Array.from({ length: 100 }, (_, n) => String(100_000_000_000 + n));
const PARAMETER = '/golden/web-prod/latest';

export interface ConsumersCost {
  consumers: number;
  regions: number;
  /** Per region, the minutes from PublishImage until every consumer there was confirmed, on the emulator's clock. */
  minutesByRegion: Record<string, number>;
  slowestMinutes: number;
  /** Consumers that resolve their region's published image after the run, of consumers × regions. */
  resolved: number;
  assumeRoleCalls: number;
  wallSeconds: number;
}

type Entered = EventLog & { state: { name: string; input: Record<string, unknown> } };
const regionOf = (event: Entered): string => {
  const input = event.state.input ?? {};
  const target = input.target as { region?: string } | undefined;
  return target?.region ?? (typeof input.region === 'string' ? input.region : SOURCE);
};

export const measureConsumers = async (): Promise<ConsumersCost> => {
  const distribute = { regions: COPY_REGIONS.map((region) => ({ region })) };
  const emulator = await startEmulator({
    iam: localIam(LOCAL_ACCOUNT_ID, SOURCE, { distribute: JSON.stringify(distribute) }),
    organization: {
      id: ORG,
      managementAccount: '999999999999',
      delegatedAdministrators: [LOCAL_ACCOUNT_ID],
      accounts: CONSUMERS.map((id) => ({ id, ou: OU, roles: [consumerRole(id, { ImageAccountId: LOCAL_ACCOUNT_ID })] })),
    },
  });
  const before = process.env.ROTATOR_DISTRIBUTE;
  process.env.ROTATOR_DISTRIBUTE = JSON.stringify(distribute);
  const started = performance.now();
  try {
    emulator.seed(demoAccount(new Date()));
    const run = await runRotationLocally({
      input: {
        family: DEMO_FAMILY,
        instanceId: DEMO_INSTANCE_ID,
        publish: { parameter: PARAMETER, consumers: { parameter: PARAMETER } },
        distribute: { ...distribute, share: { organizationalUnits: [`arn:aws:organizations::999999999999:ou/${ORG}/${OU}`] } },
      },
      clients: (role, region) => emulatorClients(emulator.url, region ? { AWS_REGION: region } : {}, role),
    });
    if (run.status !== 'SUCCEEDED') throw new Error(`the consumers benchmark failed: ${run.error} ${run.cause}`);
    const entered = run.events.filter((e): e is Entered => e.type === 'StateEntered');
    const regions = [SOURCE, ...COPY_REGIONS];
    const minutesByRegion = Object.fromEntries(
      regions.map((region) => {
        const waits = entered
          .filter((e) => regionOf(e) === region && e.state.name === 'WaitForParameter')
          .map((e) => Number((e.state.input.published as { nextWaitSeconds?: number }).nextWaitSeconds ?? 0));
        return [region, round(waits.reduce((a, b) => a + b, 0) / 60, 2)];
      }),
    );
    const resolved = regions.flatMap((region) => {
      const published = emulator.storeIn(region).parameters.get(PARAMETER)?.value;
      return CONSUMERS.filter(
        (account) => published !== undefined && emulator.storeOf(account, region).parameters.get(PARAMETER)?.value === published,
      );
    }).length;
    return {
      consumers: CONSUMERS.length,
      regions: regions.length,
      minutesByRegion,
      slowestMinutes: Math.max(...Object.values(minutesByRegion)),
      resolved,
      assumeRoleCalls: emulator.requests.filter((r) => r.action === 'AssumeRole').length,
      wallSeconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    if (before === undefined) delete process.env.ROTATOR_DISTRIBUTE;
    else process.env.ROTATOR_DISTRIBUTE = before;
    await emulator.close();
  }
};
