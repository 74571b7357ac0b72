#!/usr/bin/env node
/** The operator's command line. `ami-rotator plan --help` for the plan. */
import { autoScalingClient } from '../src/aws/auto-scaling-client.ts';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { PLAN_USAGE, runPlanCommand, UsageError } from '../src/cli/plan-command.ts';

const [command, ...args] = process.argv.slice(2);
if (command !== 'plan' || args.includes('--help')) {
  console.log(PLAN_USAGE);
  process.exit(command === 'plan' || command === undefined || command === '--help' ? 0 : 2);
}
try {
  console.log(await runPlanCommand(args, { ec2: ec2Client(), autoScaling: autoScalingClient() }, process.env));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(`ami-rotator plan failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  console.error(
    'Check that AWS_PROFILE (or credentials) and AWS_REGION point at the account, or AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL_AUTO_SCALING at an emulator.',
  );
  process.exit(1);
}
