/** `ami-rotator history`: the rotations of a stage, from Step Functions and, beyond its 90 days, from the images' tags. */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { listManagedImages } from '../retention/inventory.ts';
import { readExecutions } from './executions.ts';
import { familyFlag, parseFlags, parseSince } from './flags.ts';
import { buildHistory, renderHistory } from './history.ts';
import { findStateMachine, STATE_MACHINE_FLAGS, STATE_MACHINE_USAGE } from './state-machine.ts';

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
}

export const runHistoryCommand = async (
  argv: readonly string[],
  clients: HistoryClients,
  now: () => Date = () => new Date(),
): Promise<string> => {
  const values = parseFlags(
    argv,
    {
      family: { type: 'string' },
      since: { type: 'string', default: '30d' },
      json: { type: 'boolean', default: false },
      ...STATE_MACHINE_FLAGS,
    },
    HISTORY_USAGE,
  );
  const family = familyFlag(values.family);
  const since = parseSince(String(values.since), now());
  const stateMachineArn = await findStateMachine(clients.sfn, values);
  const [executions, images] = await Promise.all([
    readExecutions(clients.sfn, stateMachineArn, { since }),
    listManagedImages(clients.ec2, family),
  ]);
  const rows = buildHistory(executions, images, { since, family });
  return values.json
    ? JSON.stringify({ stateMachineArn, since: since.toISOString(), rotations: rows }, null, 2)
    : renderHistory(rows, since);
};
