/** What history and status both read first: their shared flags, then the stage's executions since a time and its managed images. */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { listManagedImages, type ManagedImage } from '../retention/inventory.ts';
import { type ExecutionRecord, type ReadOptions, readExecutions } from './executions.ts';
import { familyFlag, parseFlags, parseSince } from './flags.ts';
import { findStateMachine, STATE_MACHINE_FLAGS } from './state-machine.ts';

export interface ReadFlags {
  values: Record<string, string | boolean | undefined>;
  family: string | undefined;
  since: Date;
  stage: string;
  json: boolean;
}

/** `--family`, `--since` (30d), `--json` and the state machine's flags: a UsageError before any call. */
export const parseReadFlags = (argv: readonly string[], usage: string, now: Date): ReadFlags => {
  const values = parseFlags(
    argv,
    {
      family: { type: 'string' },
      since: { type: 'string', default: '30d' },
      json: { type: 'boolean', default: false },
      ...STATE_MACHINE_FLAGS,
    },
    usage,
  );
  return {
    values,
    family: familyFlag(values.family),
    since: parseSince(String(values.since), now),
    stage: String(values.stage),
    json: values.json === true,
  };
};

/** What a command is given beside its flags and clients: the clock, and where to show progress on a long read. */
export interface CommandOptions {
  now?: () => Date;
  progress?: ReadOptions['progress'];
}

export interface RotationReads {
  stateMachineArn: string;
  executions: ExecutionRecord[];
  images: ManagedImage[];
}

/** The state machine's executions since the flags' time, and the managed images (of the family, when one is given). */
export const readRotations = async (
  clients: { sfn: SFNClient; ec2: EC2Client },
  flags: ReadFlags,
  progress?: ReadOptions['progress'],
): Promise<RotationReads> => {
  const stateMachineArn = await findStateMachine(clients.sfn, flags.values);
  const [executions, images] = await Promise.all([
    readExecutions(clients.sfn, stateMachineArn, { since: flags.since, progress }),
    listManagedImages(clients.ec2, flags.family),
  ]);
  return { stateMachineArn, executions, images };
};
