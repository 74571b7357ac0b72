/** What history and status both read first: their shared flags, then the stage's executions since a time and its managed images. */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { listManagedImages, type ManagedImage } from '../retention/inventory.ts';
import { type ExecutionRecord, type ReadOptions, readExecutions } from './executions.ts';
import { familyFlag, parseFlags, parseSince } from './flags.ts';
import { readStageSettings } from './stage-settings.ts';
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
  /** Why the stage's default family could not be read (a run started with `{}` is then of "(default family)"). */
  defaultFamilyUnreadable?: string;
  /** The release the stage runs, from its functions' environment; absent when it cannot be read (or predates 0.2.0). */
  version?: string;
}

/**
 * The stage's default family, for the runs started without one (`{}`, the schedule's own input): from its settings
 * (lambda:GetFunctionConfiguration). Not read with --state-machine-arn, which names no stage.
 */
const defaultFamilyOf = async (
  lambda: LambdaClient | undefined,
  flags: ReadFlags,
): Promise<{ family?: string; version?: string; unreadable?: string }> => {
  if (!lambda || flags.values['state-machine-arn'] !== undefined) return {};
  try {
    const settings = await readStageSettings(lambda, flags.stage);
    // The release the stage runs (ROTATOR_VERSION, in every function's environment since 0.2.0).
    return {
      ...(settings.ROTATOR_DEFAULT_FAMILY ? { family: settings.ROTATOR_DEFAULT_FAMILY } : {}),
      ...(settings.ROTATOR_VERSION ? { version: settings.ROTATOR_VERSION } : {}),
    };
  } catch (error) {
    return { unreadable: `${(error as Error).name}: ${(error as Error).message}`.slice(0, 300) };
  }
};

/** The state machine's executions since the flags' time, and the managed images (of the family, when one is given). */
export const readRotations = async (
  clients: { sfn: SFNClient; ec2: EC2Client; lambda?: LambdaClient },
  flags: ReadFlags,
  progress?: ReadOptions['progress'],
): Promise<RotationReads> => {
  const stateMachineArn = await findStateMachine(clients.sfn, flags.values);
  const [executions, images, defaults] = await Promise.all([
    readExecutions(clients.sfn, stateMachineArn, { since: flags.since, progress }),
    listManagedImages(clients.ec2, flags.family),
    defaultFamilyOf(clients.lambda, flags),
  ]);
  // A run that named no family rotated the stage's default one: it is that family's run, not "(default family)".
  const named = defaults.family ? executions.map((e) => (e.family === undefined ? { ...e, family: defaults.family } : e)) : executions;
  return {
    stateMachineArn,
    executions: named,
    images,
    ...(defaults.version ? { version: defaults.version } : {}),
    ...(defaults.unreadable ? { defaultFamilyUnreadable: defaults.unreadable } : {}),
  };
};
