#!/usr/bin/env node
/** The operator's command line. `ami-rotator plan --help` for the plan. */
import { autoScalingClient } from '../src/aws/auto-scaling-client.ts';
import { refuseUnrecognizedResponses } from '../src/aws/client-settings.ts';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { recycleBinClient } from '../src/aws/recycle-bin-client.ts';
import { PLAN_USAGE, runPlanCommand, UsageError } from '../src/cli/plan-command.ts';

const COMMANDS = ['plan'];
const [command, ...args] = process.argv.slice(2);
if (command !== undefined && command !== '--help' && !COMMANDS.includes(command)) {
  console.error(`ami-rotator: unknown command "${command}"; the commands are: ${COMMANDS.join(', ')} (ami-rotator plan --help)`);
  process.exit(2);
}
if (command !== 'plan' || args.includes('--help')) {
  console.log(PLAN_USAGE);
  process.exit(0);
}
try {
  // An operator's command reads whatever endpoint the settings name: refuse an answer that is not AWS's.
  const clients = {
    ec2: refuseUnrecognizedResponses(ec2Client()),
    autoScaling: refuseUnrecognizedResponses(autoScalingClient()),
    recycleBin: refuseUnrecognizedResponses(recycleBinClient()),
  };
  console.log(await runPlanCommand(args, clients, process.env));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  // One line that says what happened; where EC2 could not be reached, where to look.
  const unreachable = error instanceof Error && error.name === 'Ec2Unavailable';
  console.error(
    `ami-rotator plan failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}${
      unreachable ? ' (check AWS_REGION, AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL_AUTO_SCALING, and the network)' : ''
    }`,
  );
  process.exit(1);
}
