#!/usr/bin/env node
/**
 * The operator's command line: `ami-rotator plan`, `run`, `rollback`, `approve`, `reject`, `history` and `status`, each
 * with `--help`. Only the command asked for is loaded (its AWS clients included): `--help` and a usage error answer at
 * once.
 */
import { UsageError } from '../src/cli/flags.ts';
import { setupFailureLine } from '../src/cli/setup-failure.ts';

/** Each command's usage, from its own module, loaded when that command is asked for. */
const USAGE: Record<string, () => Promise<string>> = {
  plan: async () => (await import('../src/cli/plan-command.ts')).PLAN_USAGE,
  run: async () => (await import('../src/cli/run-command.ts')).RUN_USAGE,
  rollback: async () => (await import('../src/cli/rollback-command.ts')).ROLLBACK_USAGE,
  approve: async () => (await import('../src/cli/approve-command.ts')).APPROVE_USAGE,
  reject: async () => (await import('../src/cli/approve-command.ts')).REJECT_USAGE,
  history: async () => (await import('../src/cli/history-command.ts')).HISTORY_USAGE,
  status: async () => (await import('../src/cli/status-command.ts')).STATUS_USAGE,
};
const [command, ...args] = process.argv.slice(2);
if (command === undefined || command === '--help') {
  console.log(
    `usage: ami-rotator <command> [--help]\n\ncommands:\n  plan     what a prune would keep and delete, with reasons\n  run      start a rotation and follow it\n  rollback publish the previous good image again, and set the newest aside\n  approve  promote the family's candidate that awaits approval to the stable channel\n  reject   reject it: the stable channel is unchanged, the candidate set aside\n  history  the rotations of the last days, from Step Functions and the images' tags\n  status   each family now: newest image, published, next run, last failure, alarms`,
  );
  process.exit(0);
}
const usageOf = USAGE[command];
if (usageOf === undefined) {
  console.error(
    `ami-rotator: unknown command "${command}"; the commands are: ${Object.keys(USAGE).join(', ')} (ami-rotator <command> --help)`,
  );
  process.exit(2);
}
if (args.includes('--help')) {
  console.log(await usageOf());
  process.exit(0);
}
// The clients every command may use, built on first use.
const { clientSettings, refuseUnrecognizedResponses } = await import('../src/aws/client-settings.ts');
const { sfnClient } = await import('../src/aws/sfn-client.ts');
const { LambdaClient } = await import('@aws-sdk/client-lambda');
const { readStageSettings } = await import('../src/cli/stage-settings.ts');
try {
  // An operator's command reads whatever endpoint the settings name: refuse an answer that is not AWS's.
  if (command === 'run') {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    const { runRunCommand } = await import('../src/cli/run-command.ts');
    const code = await runRunCommand(args, refuseUnrecognizedResponses(sfnClient()), process.env, {
      print: (line) => console.log(line),
      note: (line) => console.error(line),
      signal: stop.signal,
      stageSettings: (stage) => readStageSettings(refuseUnrecognizedResponses(new LambdaClient(clientSettings())), stage),
    });
    process.exit(code);
  }
  if (command === 'rollback') {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    const { runRollbackCommand } = await import('../src/cli/rollback-command.ts');
    const code = await runRollbackCommand(args, refuseUnrecognizedResponses(sfnClient()), {
      print: (line) => console.log(line),
      note: (line) => console.error(line),
      signal: stop.signal,
    });
    process.exit(code);
  }
  if (command === 'approve' || command === 'reject') {
    const { runApproveCommand } = await import('../src/cli/approve-command.ts');
    process.exit(await runApproveCommand(command, args, refuseUnrecognizedResponses(sfnClient()), (line) => console.log(line)));
  }
  // A long read (history over months) shows how far it is, on a terminal only, and leaves no trace when done.
  const progress = process.stderr.isTTY
    ? (described: number, listed: number) =>
        process.stderr.write(`\r\x1b[Kreading executions: ${described} of ${listed} described${described === listed ? '\r\x1b[K' : ''}`)
    : undefined;
  const sfn = refuseUnrecognizedResponses(sfnClient());
  const { ec2Client } = await import('../src/aws/ec2-client.ts');
  const ec2 = refuseUnrecognizedResponses(ec2Client());
  // The deployed stage's settings (its default family, retention, regions): ValidateInput's configuration.
  const lambda = refuseUnrecognizedResponses(new LambdaClient(clientSettings()));
  if (command === 'history') {
    const { runHistoryCommand } = await import('../src/cli/history-command.ts');
    console.log(await runHistoryCommand(args, { sfn, ec2, lambda }, { progress }));
    process.exit(0);
  }
  if (command === 'status') {
    const { runStatusCommand } = await import('../src/cli/status-command.ts');
    const { SchedulerClient } = await import('@aws-sdk/client-scheduler');
    const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
    const scheduler = refuseUnrecognizedResponses(new SchedulerClient(clientSettings()));
    const cloudWatch = refuseUnrecognizedResponses(new CloudWatchClient(clientSettings()));
    console.log(await runStatusCommand(args, { sfn, ec2, lambda, scheduler, cloudWatch }, { progress }));
    process.exit(0);
  }
  const { runPlanCommand } = await import('../src/cli/plan-command.ts');
  const { autoScalingClient } = await import('../src/aws/auto-scaling-client.ts');
  const { recycleBinClient } = await import('../src/aws/recycle-bin-client.ts');
  const clients = {
    ec2,
    autoScaling: refuseUnrecognizedResponses(autoScalingClient()),
    recycleBin: refuseUnrecognizedResponses(recycleBinClient()),
  };
  const clientsIn = (region: string) => ({
    ec2: refuseUnrecognizedResponses(ec2Client(region)),
    autoScaling: refuseUnrecognizedResponses(autoScalingClient(region)),
    recycleBin: refuseUnrecognizedResponses(recycleBinClient(region)),
  });
  console.log(await runPlanCommand(args, clients, process.env, clientsIn, (stage) => readStageSettings(lambda, stage)));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  // No region or credentials: what to set, in one line, whatever the command.
  const setup =
    setupFailureLine(error instanceof Error && error.cause ? error.cause : error, process.env) ?? setupFailureLine(error, process.env);
  if (setup) {
    console.error(`ami-rotator ${command}: ${setup}`);
    process.exit(1);
  }
  // One line that says what happened; where AWS could not be reached, where to look.
  const unreachable = error instanceof Error && /Unavailable$/.test(error.name);
  console.error(
    `ami-rotator ${command} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}${
      unreachable ? ' (check AWS_REGION, the AWS_ENDPOINT_URL_* settings, and the network)' : ''
    }`,
  );
  process.exit(1);
}
