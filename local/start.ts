/**
 * The main job, offline: `npm start` runs a full rotation of the demo family on the embedded EC2
 * emulator through the real state machine file and the real handlers, printing each state as it is
 * entered and a summary. `--scenario` shows other paths; `--use-environment` targets whatever the
 * standard AWS settings point at (another endpoint, or a real account) instead of the emulator.
 */

import { parseArgs } from 'node:util';
import type { Ec2Emulator } from '../emulator/server.ts';
import { depthExceeds } from '../src/rotation/request.ts';
import { DEMO_DISTRIBUTE, DEMO_PARAMETER, demoAccount, demoRegions } from './demo-account.ts';
import { DEMO_BOOT_TEST_PROFILE, promoteAfterwards, rollbackAfterwards, SCENARIOS } from './scenarios.ts';
import type { LocalWaitTable } from './wait-table.ts';

const options = {
  scenario: { type: 'string', default: 'rotation' },
  input: { type: 'string' },
  'use-environment': { type: 'boolean', default: false },
  'account-id': { type: 'string' },
  'wait-ms': { type: 'string', default: '0' },
  help: { type: 'boolean', default: false },
} as const;
const parsed = (() => {
  try {
    return parseArgs({ options });
  } catch (error) {
    console.error(`${(error as Error).message}\nnpm start -- --help lists the scenarios and flags.`);
    return process.exit(2);
  }
})();
const { values } = parsed;

if (values.help) {
  console.log(`usage: npm start -- [--scenario NAME] [--input JSON] [--use-environment --account-id ID] [--wait-ms N]

scenarios (on the embedded EC2 emulator):
${Object.entries(SCENARIOS)
  .map(([name, s]) => `  ${name.padEnd(14)} ${s.about}`)
  .join('\n')}

--input JSON        the execution input, as pasted into the Step Functions console
--use-environment   do not start the emulator: use AWS_PROFILE / AWS_REGION / AWS_ENDPOINT_URL_EC2 as set,
                    with real waits (a real image takes minutes); give --input and --account-id
--wait-ms N         really wait N ms in each Wait state (default 0: waits are reported, not slept)`);
  process.exit(0);
}

const scenario = SCENARIOS[values.scenario];
if (!scenario) {
  console.error(`--scenario: expected one of ${Object.keys(SCENARIOS).join(', ')}, got "${values.scenario}"`);
  process.exit(2);
}
const waitMs = Number(values['wait-ms']);
if (!Number.isInteger(waitMs) || waitMs < 0) {
  console.error(`--wait-ms: expected a whole number of milliseconds, 0 or more, got "${values['wait-ms']}"`);
  process.exit(2);
}
// The local Step Functions and the runner copy the input recursively; real inputs nest a few levels.
const MAX_LOCAL_NESTING = 100;
let input: unknown = scenario.input;
if (values.input !== undefined) {
  try {
    input = JSON.parse(values.input);
  } catch (error) {
    console.error(`--input: expected JSON, ${(error as Error).message}`);
    process.exit(2);
  }
  if (depthExceeds(input, MAX_LOCAL_NESTING)) {
    console.error(
      `--input: nested more than ${MAX_LOCAL_NESTING} levels deep, which the local run cannot carry (the execution input takes 6: docs/input.md, "Execution input")`,
    );
    process.exit(2);
  }
}

if (values['use-environment'] && (values.input === undefined || values['account-id'] === undefined)) {
  // Against a real account the demo's instance and account id mean nothing: say what this run would act on.
  console.error(
    `--use-environment: also give ${[values.input === undefined ? '--input JSON' : '', values['account-id'] === undefined ? '--account-id ID' : ''].filter(Boolean).join(' and ')} (the rotation to run and the account it runs in)`,
  );
  process.exit(2);
}

// What a run needs, loaded once the flags are known to be good: a usage error answers at once.
const { EC2Client } = await import('@aws-sdk/client-ec2');
const { startEmulator } = await import('../emulator/server.ts');
const { setupFailureLine } = await import('../src/cli/setup-failure.ts');
const amiEventRule = await import('./ami-event-rule.ts');
const { localDocuments, localIam } = await import('./clients.ts');
const { eventPrinter, printSummary } = await import('./report.ts');
const { useLocalWaitTable } = await import('./wait-table.ts');
const { LOCAL_ACCOUNT_ID, localStepFunctions, runRotationLocally } = await import('./workflow.ts');

if (values['use-environment']) {
  // Against a real account: a missing region or profile said in one line, before anything runs.
  try {
    const probe = new EC2Client({});
    await probe.config.region();
    await probe.config.credentials();
  } catch (error) {
    console.error(`--use-environment: ${setupFailureLine(error, process.env) ?? (error as Error).message}`);
    process.exit(2);
  }
}

let emulator: Ec2Emulator | undefined;
let waitTable: LocalWaitTable | undefined;
const now = new Date();
if (!values['use-environment']) {
  const account = demoAccount(now);
  // Every call a function makes is evaluated against the IAM role the stack gives it (infra/roles.yml).
  const iam = localIam(values['account-id'] ?? LOCAL_ACCOUNT_ID, undefined, {
    bootTestInstanceRole: DEMO_BOOT_TEST_PROFILE,
    ...(scenario.distribute ? { distribute: JSON.stringify(DEMO_DISTRIBUTE) } : {}),
  });
  emulator = await startEmulator({
    fixture: scenario.account ? scenario.account(account) : account,
    pendingPolls: 2,
    iam,
    documents: localDocuments(),
    ...(scenario.organization ? { organization: scenario.organization } : {}),
  });
  if (scenario.faults) emulator.injectFaults(scenario.faults);
  // EC2's AMI state changes reach CompleteWait through the stack's rule; the waits are kept in a local DynamoDB table.
  emulator.onEvent(amiEventRule.deliver);
  // The table and the Step Functions endpoint evaluate the roles' calls too, as EC2 does.
  waitTable = await useLocalWaitTable(iam);
  (await localStepFunctions()).enforce(iam);
  if (scenario.distribute) {
    for (const [region, fixture] of Object.entries(demoRegions(now))) emulator.seed(fixture, region);
    process.env.ROTATOR_DISTRIBUTE = JSON.stringify(DEMO_DISTRIBUTE);
  }
  process.env.AWS_ENDPOINT_URL_EC2 = emulator.url;
  process.env.AWS_ENDPOINT_URL_AUTO_SCALING = emulator.url;
  process.env.AWS_ENDPOINT_URL_SSM = emulator.url;
  process.env.AWS_ENDPOINT_URL_RBIN = emulator.url;
  process.env.AWS_ENDPOINT_URL_STS = emulator.url;
  process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = emulator.url;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
}
process.env.ROTATOR_LOG_LEVEL ??= 'silent';
// The functions' metric lines (EMF) belong in CloudWatch, not in the report; POWERTOOLS_METRICS_DISABLED=false shows them.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const where = emulator
  ? `the embedded EC2 emulator (${emulator.url})`
  : `the AWS settings of this environment (${process.env.AWS_ENDPOINT_URL_EC2 ?? process.env.AWS_PROFILE ?? 'default credentials'})`;
console.log(`ami-rotator: ${values.input ? 'custom input' : `scenario "${values.scenario}": ${scenario.about}`}`);
console.log(`on ${where}`);
// As given: an input may nest deeper than JSON.stringify can walk (the workflow refuses it, with InvalidInput).
const shown = values.input ?? JSON.stringify(input);
console.log(`input: ${shown.length > 500 ? `${shown.slice(0, 500)}... (${shown.length} characters)` : shown}\n`);

const printEvent = eventPrinter(values['use-environment'], waitMs);
let madeImage: string | undefined;
// Ctrl-C stops this process, not what AWS was asked to do: an image already started stays, and is named with how to remove it.
process.once('SIGINT', () => {
  console.error(
    madeImage
      ? `\nStopped. Image ${madeImage} was started and is left as it is (pending or available) in ${process.env.AWS_REGION}: a local run cannot clean up after it is stopped. Remove it with: aws ec2 deregister-image --image-id ${madeImage} --delete-associated-snapshots`
      : '\nStopped before any image was made: nothing to clean up.',
  );
  process.exit(130);
});
const result = await runRotationLocally({
  input,
  accountId: values['account-id'] ?? LOCAL_ACCOUNT_ID,
  waitMs,
  realTime: values['use-environment'],
  identity: values['use-environment'] ? 'environment' : 'roles',
  onEvent: (event, elapsedMs) => {
    printEvent(event, elapsedMs);
    // What the run has made so far, for the word on a stop before its end.
    const made =
      event.type === 'StateExited' && event.state.name === 'CreateImage'
        ? (event.state.output as { image?: { imageId?: string } })?.image
        : undefined;
    if (made?.imageId) madeImage = made.imageId;
  },
});
printSummary(result, emulator);
const afterwards =
  scenario.rollback && emulator
    ? await rollbackAfterwards(emulator, input, printEvent)
    : scenario.promote && emulator
      ? await promoteAfterwards(emulator, result, input as Record<string, unknown>, printEvent)
      : true;
// What each consumer account resolves now, in each region the family is published in.
for (const consumer of scenario.organization?.accounts ?? []) {
  const regions = ['us-east-1', ...(scenario.distribute ? ['eu-west-1'] : [])];
  const resolved = regions.map((r) => `${r} ${emulator?.storeOf(consumer.id, r).parameters.get(DEMO_PARAMETER)?.value ?? '(nothing)'}`);
  console.log(`  consumer ${consumer.id} resolves ${DEMO_PARAMETER}: ${resolved.join(', ')}`);
}
await amiEventRule.idle();
await waitTable?.close();
await emulator?.close();
process.exit(result.status === 'SUCCEEDED' && afterwards ? 0 : 1);
