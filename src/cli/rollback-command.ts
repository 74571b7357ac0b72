/**
 * `ami-rotator rollback`: starts the stage's rollback (statemachine/rollback.asl.json) and follows it. It runs as an
 * execution of the stage, so it is audited in Step Functions, alerted on failure and announced (AMI Rolled Back), and
 * the laptop it is started from needs no EC2 or SSM permission: only to start and read executions.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { InvalidInputError } from '../errors.ts';
import { parseRollbackInput } from '../rotation/rollback.ts';
import { dig } from './executions.ts';
import { familyFlag, parseFlags, UsageError } from './flags.ts';
import { checkPollSeconds, FOLLOW_FLAGS, type RunOptions, startAndFollow } from './run-command.ts';
import { findStateMachine } from './state-machine.ts';

export const ROLLBACK_USAGE = `usage: ami-rotator rollback [--family NAME] [--to IMAGE] [--dry-run] [--stage STAGE | --state-machine-arn ARN]
                          [--no-follow] [--poll-seconds N] [--json]

Publishes the family's previous good image again (or the one named with --to) everywhere its newest is published:
the parameter and launch templates in the source region and in every copy region, and the consumer accounts' own
parameters, each read back. The withdrawn image (and its copies) is set aside first: tagged
ami-rotator:status=rolled-back, it is never published again, never a rollback target or a rotation's previous
image, counts towards no retention rule, and is pruned by age. Refused, with one line and nothing changed: an
image that is gone, not available, of another family, set aside, or unshared. Runs as an execution of the stage's
state machine ami-rotator-STAGE-rollback (Step Functions through AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_SFN).

  --family NAME            the family (default: the stage's default family)
  --to IMAGE               the image to publish, e.g. ami-0123456789abcdef0 (default: the newest good image
                           older than the one withdrawn)
  --dry-run                print what it would change, and change nothing
  --stage STAGE            the deployment's stage (default dev)
  --state-machine-arn ARN  the rollback state machine, when it is not named after a stage
  --no-follow              start it and print its ARN only
  --poll-seconds N         how often to look at the execution's history (default 5)
  --json                   print the execution's final description as JSON

Exit codes: 0 rolled back (or planned, with --dry-run); 1 refused or failed (one alert was sent); 2 a usage error;
130 following was stopped (the execution goes on).`;

/** The end of a rollback in a few lines: what is published now, what was set aside, or why it failed. */
export const summarizeRollback = (status: string, output: unknown, error?: string, cause?: string): string[] => {
  if (status !== 'SUCCEEDED') return [`${status}: ${error ?? 'no error given'}`, ...(cause ? [`cause: ${cause.slice(0, 2000)}`] : [])];
  const plan = dig(output, 'plan') as
    | { dryRun?: boolean; changes?: string[]; target?: { imageId: string }; withdrawn?: { imageId: string } }
    | undefined;
  if (plan?.dryRun) return ['SUCCEEDED (dry run): nothing was changed; a rollback would:', ...(plan.changes ?? []).map((c) => `  ${c}`)];
  return [
    'SUCCEEDED',
    `published ${plan?.target?.imageId ?? '?'} again; ${plan?.withdrawn?.imageId ?? '?'} is set aside (ami-rotator:status=rolled-back)`,
    ...(plan?.changes ?? []).map((c) => `  ${c}`),
  ];
};

export const runRollbackCommand = async (argv: readonly string[], sfn: SFNClient, options: RunOptions): Promise<number> => {
  const values = parseFlags(
    argv,
    {
      family: { type: 'string' },
      to: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      ...FOLLOW_FLAGS,
    },
    ROLLBACK_USAGE,
  );
  checkPollSeconds(values);
  const family = familyFlag(values.family);
  const to = values.to === undefined ? undefined : String(values.to);
  const input = { ...(family ? { family } : {}), ...(to ? { to } : {}), ...(values['dry-run'] ? { dryRun: true } : {}) };
  // The rollback's own rules and messages, before anything is started.
  try {
    parseRollbackInput(input);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new UsageError(error.problems.map((p) => p.replace(/^to:/, '--to:')).join('\n'));
  }
  const stateMachineArn = await findStateMachine(sfn, values, '-rollback');
  return startAndFollow(
    sfn,
    stateMachineArn,
    `rollback-${String(family ?? 'default').slice(0, 40)}`,
    input,
    values,
    options,
    summarizeRollback,
  );
};
