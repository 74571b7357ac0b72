/** How every Step Functions subcommand finds the stage's state machine: `ami-rotator-<stage>`, the name the stack gives it. */
import { paginateListStateMachines, type SFNClient } from '@aws-sdk/client-sfn';
import { UsageError } from './flags.ts';

/** The flags that name it, shared by run, history and status. */
export const STATE_MACHINE_FLAGS = {
  stage: { type: 'string', default: 'dev' },
  'state-machine-arn': { type: 'string' },
} as const;

export const STATE_MACHINE_USAGE = `  --stage STAGE            the deployment's stage: its state machine is ami-rotator-<STAGE> (default dev)
  --state-machine-arn ARN  the state machine, when it is not named after a stage`;

/**
 * The state machine's ARN: the one given, or the stage's, found by ListStateMachines (no stack outputs read). `suffix`
 * names another of the stage's state machines than the rotation (`-rollback`).
 */
export const findStateMachine = async (
  sfn: SFNClient,
  values: Readonly<Record<string, string | boolean | undefined>>,
  suffix = '',
): Promise<string> => {
  const given = values['state-machine-arn'];
  if (typeof given === 'string') return given;
  const name = `ami-rotator-${String(values.stage ?? 'dev')}${suffix}`;
  for await (const page of paginateListStateMachines({ client: sfn }, {}))
    for (const machine of page.stateMachines ?? []) if (machine.name === name && machine.stateMachineArn) return machine.stateMachineArn;
  throw new UsageError(`no state machine named ${name} in this account and region: give --stage or --state-machine-arn`);
};
