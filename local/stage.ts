/**
 * `npm run stage`: a local stage to try the operator's commands offline. It serves the EC2 emulator (the demo account,
 * every call evaluated as the stack's roles) and a Step Functions endpoint whose state machine `ami-rotator-local` runs
 * the real state machine files with the real handlers when StartExecution is called, then prints the environment to
 * paste: `ami-rotator run`, `history`, `status` and `plan` then work exactly as against AWS. Ctrl-C stops it.
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/server.ts';
import * as amiEventRule from './ami-event-rule.ts';
import { localDocuments, localIam } from './clients.ts';
import { DEMO_FAMILY, DEMO_PARAMETER, demoAccount } from './demo-account.ts';
import { startLocalStepFunctions } from './sfn-endpoint.ts';
import { startLocalWaitTable } from './wait-table.ts';
import {
  LOCAL_ACCOUNT_ID,
  type LocalRunOptions,
  type LocalRunResult,
  runPromotionLocally,
  runRollbackLocally,
  runRotationLocally,
} from './workflow.ts';

const { values } = parseArgs({ options: { help: { type: 'boolean', default: false } } });
if (values.help) {
  console.log(`usage: npm run stage

Starts the EC2 emulator and a local Step Functions endpoint (stage "local"), seeded with the demo account, and
prints the environment that points ami-rotator's commands at them. Leave it running; in another terminal paste
the export lines, then try: npx ami-rotator run --stage local --input '{}'. Ctrl-C stops the stage.`);
  process.exit(0);
}

const REGION = 'us-east-1';
const MACHINE = `arn:aws:states:${REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:ami-rotator-local`;
const account = demoAccount(new Date());
const iam = localIam(LOCAL_ACCOUNT_ID, REGION);
// The stage's deployment settings, as its functions get them (serverless.yml, provider.environment): `run` checks an
// input against them, `plan --stage local` plans with them, `status` names a run started with {} by its default family.
const settings = {
  ROTATOR_DEFAULT_FAMILY: DEMO_FAMILY,
  ROTATOR_DEFAULT_INSTANCE_ID: account.instances?.[0]?.instanceId ?? '',
  // The family's parameter and launch template, as the demo publishes them: what a rollback publishes again.
  ROTATOR_PUBLISH: JSON.stringify({ parameter: DEMO_PARAMETER, launchTemplates: [{ name: 'web-prod', setDefault: true }] }),
  // The release the stage runs, as every function's environment says it (serverless.yml, package.json's version).
  ROTATOR_VERSION: (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
};
const emulator = await startEmulator({
  fixture: {
    ...account,
    // The stage's nightly schedule, as infra/schedules.cjs makes it: status shows its next run.
    // The stage's ValidateInput function, whose configuration is where the operator's commands read those settings.
    functions: [{ name: 'ami-rotator-local-validateInput', environment: settings }],
    schedules: [
      {
        name: `ami-rotator-local-${DEMO_FAMILY}`,
        expression: 'cron(0 2 * * ? *)',
        timezone: 'UTC',
        target: {
          arn: MACHINE,
          roleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/SchedulerRole`,
          input: JSON.stringify({ family: DEMO_FAMILY }),
        },
      },
    ],
  },
  pendingPolls: 2,
  iam,
  documents: localDocuments(),
});
const stepFunctions = await startLocalStepFunctions();
// The stage's wait table and its rule on EC2's AMI state changes: waits end on the image's event, as deployed. Both
// evaluate the roles' calls, as the emulator does.
const waitTable = await startLocalWaitTable(iam);
stepFunctions.enforce(iam);
emulator.onEvent(amiEventRule.deliver);
const environment = {
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL_EC2: emulator.url,
  AWS_ENDPOINT_URL_SSM: emulator.url,
  AWS_ENDPOINT_URL_AUTO_SCALING: emulator.url,
  AWS_ENDPOINT_URL_RBIN: emulator.url,
  AWS_ENDPOINT_URL_SCHEDULER: emulator.url,
  AWS_ENDPOINT_URL_CLOUDWATCH: emulator.url,
  AWS_ENDPOINT_URL_LAMBDA: emulator.url,
  AWS_ENDPOINT_URL_SFN: stepFunctions.url,
  AWS_ENDPOINT_URL_DYNAMODB: waitTable.url,
  ROTATOR_WAIT_TABLE: waitTable.tableName,
};
// This process's own functions reach the same endpoints (their clients follow the standard settings), with the stage's settings.
Object.assign(process.env, environment, settings, { ROTATOR_LOG_LEVEL: process.env.ROTATOR_LOG_LEVEL ?? 'silent' });
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

// An execution StartExecution registered runs here, as Step Functions would run it: the rotation's, the rollback's and
// the promotion's.
const serveLocally = (arn: string, run: (options: LocalRunOptions) => Promise<LocalRunResult>) =>
  stepFunctions.serve(arn, (execution) => {
    console.log(`started ${execution.name}`);
    void run({
      input: JSON.parse(execution.input),
      executionName: execution.name,
      stepFunctions,
      accountId: LOCAL_ACCOUNT_ID,
      region: REGION,
    }).then(
      (result) => console.log(`${execution.name}: ${result.status}${result.error ? ` (${result.error})` : ''}`),
      (error: unknown) => console.error(`${execution.name}: the local run failed: ${(error as Error).message}`),
    );
  });
serveLocally(MACHINE, runRotationLocally);
serveLocally(`${MACHINE}-rollback`, runRollbackLocally);
serveLocally(`${MACHINE}-promote`, runPromotionLocally);

console.log(`ami-rotator: local stage "local" (the demo account, family ${DEMO_FAMILY}); Ctrl-C stops it.

Paste in another terminal:

${Object.entries(environment)
  .map(([name, value]) => `export ${name}=${value}`)
  .join('\n')}

Then, for example:
  npx ami-rotator run --stage local --input '{}'
  npx ami-rotator history --stage local
  npx ami-rotator status --stage local
  npx ami-rotator plan --stage local
  npx ami-rotator rollback --stage local --dry-run
`);

process.once('SIGINT', () => {
  void Promise.all([emulator.close(), stepFunctions.close(), waitTable.close()]).then(() => process.exit(0));
});
