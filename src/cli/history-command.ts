/** `ami-rotator history`: the rotations of a stage, from Step Functions and, beyond its 90 days, from the images' tags. */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { buildHistory, renderHistory } from './history.ts';
import { type CommandOptions, parseReadFlags, readRotations } from './rotation-reads.ts';
import { STATE_MACHINE_USAGE } from './state-machine.ts';

export const HISTORY_USAGE = `usage: ami-rotator history [--family NAME] [--since SPAN|DATE] [--stage STAGE | --state-machine-arn ARN] [--json]

Lists the rotations since a time, newest first: status, start, how long it took, the image, how many
images the prune deleted, and the step a failed one stopped at. Step Functions keeps executions for 90
days; older rotations are read from their images' tags (ami-rotator:execution, created-at, status) and
labelled image-tags. Reaches Step Functions and EC2 through the standard AWS settings (AWS_PROFILE,
AWS_REGION, AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL_EC2).

  --family NAME            one family only
  --since SPAN|DATE        how far back: 36h, 30d, 8w, or a date such as 2026-01-31 (default 30d)
${STATE_MACHINE_USAGE}
  --json                   print the rows as JSON`;

export interface HistoryClients {
  sfn: SFNClient;
  ec2: EC2Client;
  /** Reads the stage's default family (a run started with `{}` is its run); absent, such a run is "(default family)". */
  lambda?: LambdaClient;
}

export const runHistoryCommand = async (
  argv: readonly string[],
  clients: HistoryClients,
  { now = () => new Date(), progress }: CommandOptions = {},
): Promise<string> => {
  const flags = parseReadFlags(argv, HISTORY_USAGE, now());
  const { stateMachineArn, executions, images } = await readRotations(clients, flags, progress);
  const rows = buildHistory(executions, images, { since: flags.since, family: flags.family });
  return flags.json
    ? JSON.stringify({ stateMachineArn, since: flags.since.toISOString(), rotations: rows }, null, 2)
    : renderHistory(rows, flags.since);
};
