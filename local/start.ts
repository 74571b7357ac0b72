/**
 * The main job, offline: `npm start` runs a full rotation of the demo family on the embedded EC2
 * emulator through the real state machine file and the real handlers, printing each state as it is
 * entered and a summary. `--scenario` shows other paths; `--use-environment` targets whatever the
 * standard AWS settings point at (another endpoint, or a real account) instead of the emulator.
 */

import { parseArgs } from 'node:util';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { FaultPlan } from '../emulator/faults.ts';
import type { Fixture } from '../emulator/fixture.ts';
import type { OrganizationFixture } from '../emulator/organization.ts';
import { type Ec2Emulator, startEmulator } from '../emulator/server.ts';
import { setupFailureLine } from '../src/cli/setup-failure.ts';
import { depthExceeds } from '../src/rotation/request.ts';
import { TAG } from '../src/rotation/tags.ts';
import { sourcePruneOf } from '../src/workflow/contract.ts';
import * as amiEventRule from './ami-event-rule.ts';
import { localDocuments, localIam } from './clients.ts';
import { consumerRole } from './consumer-role.ts';
import { DEMO_DISTRIBUTE, DEMO_FAMILY, DEMO_INSTANCE_ID, DEMO_KEY_ARN, DEMO_PARAMETER, demoAccount, demoRegions } from './demo-account.ts';
import { eventPrinter, printSummary } from './report.ts';
import { type LocalWaitTable, useLocalWaitTable } from './wait-table.ts';
import { type EventLog, LOCAL_ACCOUNT_ID, localStepFunctions, runRollbackLocally, runRotationLocally } from './workflow.ts';

interface Scenario {
  about: string;
  input: Record<string, unknown>;
  faults?: FaultPlan;
  /** The demo account as this scenario changes it. */
  account?: (account: Fixture) => Fixture;
  /** The deployment copies to the demo's other regions (its distribute parameter), seeded with the family's copies. */
  distribute?: boolean;
  /** The organization's other accounts: consumers, with or without the consumer stack's role. */
  organization?: OrganizationFixture;
  /** After the rotation: another night (the bad image), `ami-rotator rollback`, and the night after it. */
  rollback?: boolean;
}

const baseInput = {
  family: DEMO_FAMILY,
  instanceId: DEMO_INSTANCE_ID,
  // The template by its name, as the README says it: its id means nothing to a reader.
  publish: { parameter: DEMO_PARAMETER, launchTemplates: [{ name: 'web-prod', setDefault: true }] },
};
/** Where the demo's boot test launches: any well-formed ids do on the emulator. */
const DEMO_BOOT_TEST = { instanceTypes: ['t3.micro', 't3a.micro'], subnetIds: ['subnet-0d000000000000001'] };
/** The demo stage's bootTestInstanceRole: the boot test may pass it (with Systems Manager on the test instance). */
const DEMO_BOOT_TEST_PROFILE = 'web-prod-boot-test';
const shareInput = {
  ...baseInput,
  distribute: {
    share: {
      accounts: ['111122223333', '444455556666'],
      organizationalUnits: ['arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56'],
    },
  },
};
/** An expired image of the demo family, shared with 111122223333 by an earlier rotation. */
const SHARED_EARLIER = 'ami-0d000000000000010';
const sharedEarlier = (account: Fixture, consumers: NonNullable<Fixture['consumers']>): Fixture => ({
  ...account,
  images: account.images?.map((i) =>
    i.imageId === SHARED_EARLIER ? { ...i, tags: { ...i.tags, [TAG.shared]: 'true' }, launchPermissions: [{ userId: '111122223333' }] } : i,
  ),
  consumers,
});
/** Three consumer accounts in one OU; the last has not deployed the consumer stack (infra/consumer-stack.yml). */
const DEMO_CONSUMERS = ['111111111111', '222222222222', '333333333333'];
const DEMO_ORGANIZATION: OrganizationFixture = {
  id: 'o-a1b2c3d4e5',
  managementAccount: '999999999999',
  accounts: DEMO_CONSUMERS.map((id, n) => ({
    id,
    ou: 'ou-ab12-cd34ef56',
    roles: n < 2 ? [consumerRole(id, { ImageAccountId: LOCAL_ACCOUNT_ID })] : [],
  })),
};
const SCENARIOS: Record<string, Scenario> = {
  rotation: { about: 'a full rotation: create, wait, tag, publish, prune', input: baseInput },
  'dry-run': { about: 'plan the prune with reasons and change nothing', input: { ...baseInput, dryRun: true } },
  'image-fails': {
    about: 'EC2 fails the new image: cleanup, then one alert',
    input: baseInput,
    faults: { imageFates: [{ nameContains: DEMO_FAMILY, fate: 'failed' }] },
  },
  'image-stuck': {
    about: 'the image stays pending past the wait cap: cleanup, then one alert',
    input: baseInput,
    faults: { imageFates: [{ nameContains: DEMO_FAMILY, fate: 'stuck' }] },
  },
  throttling: {
    about: 'EC2 throttles 40% of calls: retries absorb it (about 45 s: the SDK backs off for real between attempts)',
    input: baseInput,
    faults: { seed: 42, rules: [{ code: 'RequestLimitExceeded', rate: 0.4 }] },
  },
  'invalid-input': {
    about: 'a malformed input: rejected at once, no EC2 change, one alert',
    input: { family: 'web prod!', instanceId: 'i-123', retention: { keepLast: -1 } },
  },
  'publish-dropped': {
    about: 'SSM silently drops the parameter write: PublishNotConfirmed, one alert, nothing pruned',
    input: baseInput,
    faults: { dropParameterWrites: 1 },
  },
  'soft-delete': {
    about: 'disableBeforeDeleteDays 3: the expired images are disabled tonight, deleted by a night 3 days on if still unused',
    input: { ...baseInput, retention: { disableBeforeDeleteDays: 3 } },
  },
  'boot-test': {
    about: 'launch the new image, wait for both status checks, terminate the test instance, then publish and prune',
    input: { ...baseInput, bootTest: DEMO_BOOT_TEST },
  },
  'boot-fails': {
    about: 'the new image boots impaired: one alert, nothing published, nothing pruned, no test instance left running',
    input: { ...baseInput, bootTest: DEMO_BOOT_TEST },
    faults: { bootFates: [{ imageNameContains: DEMO_FAMILY, fate: 'impaired' }] },
  },
  'recycle-bin-gap': {
    about: 'the Recycle Bin keeps deleted AMIs but not their snapshots: the prune plan warns',
    input: baseInput,
    account: (account) => ({ ...account, recycleBinRules: account.recycleBinRules?.filter((r) => r.resourceType === 'EC2_IMAGE') }),
  },
  prepare: {
    about: 'patch (the instance reboots), clean, wait for its status checks, then image, publish and prune',
    input: { ...baseInput, prepare: { documents: ['patch', 'clean'] } },
    faults: {
      commandOutcomes: [
        { documentName: 'AWS-RunPatchBaseline', status: 'Success', reboots: true, output: 'Installed 12 packages; reboot required' },
      ],
    },
  },
  'prepare-fails': {
    about: 'patching fails on the instance: one alert with its output, no image, nothing published or pruned',
    input: { ...baseInput, prepare: { documents: ['patch', 'clean'] } },
    faults: {
      commandOutcomes: [
        { documentName: 'AWS-RunPatchBaseline', status: 'Failed', output: 'Error: Failed to download metadata for repo amzn2023-core' },
      ],
    },
  },
  'credentials-found': {
    about: 'the boot test finds /root/.aws/credentials on a copy of the new image: one alert naming it, nothing published or pruned',
    input: { ...baseInput, bootTest: { ...DEMO_BOOT_TEST, instanceProfile: DEMO_BOOT_TEST_PROFILE } },
    faults: { commandOutcomes: [{ documentName: 'AWS-RunShellScript', status: 'Success', output: 'FOUND /root/.aws/credentials' }] },
  },
  distribute: {
    about: 'copy to eu-west-1 and (encrypted) ap-southeast-2 at once: each copy waited for, tagged, published and pruned there',
    input: baseInput,
    distribute: true,
  },
  'copy-fails': {
    about: 'the copy to ap-southeast-2 fails (its key is disabled): that copy removed, eu-west-1 still published, one alert',
    input: baseInput,
    distribute: true,
    faults: { disabledKeys: [DEMO_KEY_ARN] },
  },
  share: {
    about:
      "share the new image with two accounts and an OU before publishing it; an expired image shared earlier that its usage report shows nobody uses is made private tonight, and deregistered on a later night once EC2's launch record covers it",
    input: shareInput,
    account: (account) => sharedEarlier(account, []),
  },
  organization: {
    about:
      'share with three accounts of an OU and write each one its own /golden/web-prod/latest, in us-east-1 and eu-west-1; the third has no consumer role yet: one alert names it, the others are done, nothing is pruned tonight',
    input: {
      ...baseInput,
      publish: { ...baseInput.publish, consumers: { parameter: DEMO_PARAMETER } },
      distribute: { regions: [{ region: 'eu-west-1' }], share: { accounts: DEMO_CONSUMERS } },
    },
    distribute: true,
    organization: DEMO_ORGANIZATION,
  },
  'shared-in-use': {
    about: 'an expired image shared earlier is still launched by account 111122223333: kept after its usage report, the plan says by whom',
    input: shareInput,
    account: (account) => sharedEarlier(account, [{ accountId: '111122223333', instances: [SHARED_EARLIER, SHARED_EARLIER] }]),
  },
  'usage-unknown': {
    about: 'EC2 refuses the usage report of an expired shared image: kept, never deleted on a guess, one alert',
    input: shareInput,
    account: (account) => sharedEarlier(account, []),
    faults: { rules: [{ code: 'UnauthorizedOperation', actions: ['CreateImageUsageReport'] }] },
  },
  rollback: {
    about:
      "tonight's image (published in us-east-1 and its copy regions) is bad: one rollback publishes the previous image again in both, sets the bad one aside, and the next night neither publishes nor counts it",
    input: baseInput,
    distribute: true,
    rollback: true,
  },
  'not-opted-in': {
    about: 'an instance without the tag ami-rotator:family=web-prod: refused before any change, one alert',
    input: { ...baseInput, instanceId: 'i-0a1b2c3d4e5f60002' },
  },
};

/**
 * The rollback scenario after its first night: a second night publishes the image that turns out bad, `ami-rotator
 * rollback` (the stage's rollback state machine, as the command starts it) publishes the first night's again in both
 * regions, and a third night publishes a new one, neither publishing nor counting the bad one. True when all did so.
 */
const rollbackAfterwards = async (emulator: Ec2Emulator, nightly: unknown, print: (event: EventLog, elapsedMs: number) => void) => {
  const regions = ['us-east-1', ...DEMO_DISTRIBUTE.regions.map((r) => r.region)];
  const published = () => regions.map((r) => `${r} ${emulator.storeIn(r).parameters.get(DEMO_PARAMETER)?.value ?? '(nothing)'}`).join(', ');
  const template = () => {
    const t = [...emulator.store.launchTemplates.values()].find((l) => l.launchTemplateName === 'web-prod');
    return t
      ? `web-prod default version ${t.defaultVersion} (${t.versions.find((v) => v.versionNumber === t.defaultVersion)?.imageId})`
      : '(none)';
  };
  // The stage's settings, as its rollback function reads them: its publishing, its default family.
  process.env.ROTATOR_PUBLISH = JSON.stringify(baseInput.publish);
  process.env.ROTATOR_DEFAULT_FAMILY = DEMO_FAMILY;
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  const bad = await runRotationLocally({ input: nightly });
  console.log(`\nThe next night: ${bad.status}; ${DEMO_PARAMETER}: ${published()}; launch template ${template()}`);
  console.log('It turns out bad. On call: npx ami-rotator rollback --stage prod --family web-prod\n');
  const rollback = await runRollbackLocally({ input: { family: DEMO_FAMILY }, onEvent: print });
  const plan = (rollback.output as { plan?: { changes?: string[]; withdrawn?: { imageId: string } } } | undefined)?.plan;
  console.log(`\nRollback: ${rollback.status}${rollback.error ? ` (${rollback.error})` : ''}`);
  for (const change of plan?.changes ?? []) console.log(`  ${change}`);
  console.log(`  ${DEMO_PARAMETER}: ${published()}; launch template ${template()}`);
  for (const event of rollback.busEvents) console.log(`  event       ${event.detailType}: ${JSON.stringify(event.detail).slice(0, 300)}`);
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  const next = await runRotationLocally({ input: nightly });
  const decisions = (sourcePruneOf(next.output)?.plan as { imageId: string; reason: string }[] | undefined) ?? [];
  const withdrawn = plan?.withdrawn?.imageId ?? '';
  const previous = next.busEvents.find((e) => e.detailType === 'AMI Rotated')?.detail.previousImageId;
  console.log(`\nThe night after: ${next.status}; ${DEMO_PARAMETER}: ${published()}`);
  console.log(`  its previous image: ${previous} (not the bad one: ${previous !== withdrawn})`);
  console.log(`  the bad image ${withdrawn}: ${decisions.find((d) => d.imageId === withdrawn)?.reason ?? '(not in the plan)'}`);
  return bad.status === 'SUCCEEDED' && rollback.status === 'SUCCEEDED' && next.status === 'SUCCEEDED' && previous !== withdrawn;
};

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
const afterwards = scenario.rollback && emulator ? await rollbackAfterwards(emulator, input, printEvent) : true;
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
