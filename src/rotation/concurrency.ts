/**
 * The guard against two rotations of one family at once (the nightly run and a manual one): before
 * making anything, an execution lists the state machine's running executions; if another one rotates
 * the same family and started first (ties broken by name), this one stops with RotationInProgress.
 * Both see each other, so exactly one of them goes on. Only executions that will make an image count:
 * a dry run, or an input that will fail validation, never blocks a rotation.
 */
import { DescribeExecutionCommand, type ExecutionListItem, paginateListExecutions, type SFNClient } from '@aws-sdk/client-sfn';
import { classifyAwsFailure, setupAdvice } from '../aws/failures.ts';
import type { DeploymentConfig } from '../config.ts';
import { ConfigurationError, RotationInProgressError, StepFunctionsUnavailableError } from '../errors.ts';
import type { ExecutionRef } from './naming.ts';
import { parseRotationRequest } from './request.ts';

/** `arn:aws:states:r:a:execution:machine:name` → `arn:aws:states:r:a:stateMachine:machine`. */
const stateMachineOf = (executionArn: string): string => {
  const parts = executionArn.split(':');
  return [...parts.slice(0, 5), 'stateMachine', parts[6] ?? ''].join(':');
};

/**
 * The family another execution will make an image of, or undefined when it will make none: a dry run,
 * or an input the contract refuses (it fails at ValidateInput). Read with the same contract and
 * deployment defaults as the execution itself, so both sides of a pair agree.
 */
const imageFamilyOf = (input: string | undefined, config: DeploymentConfig): string | undefined => {
  try {
    const request = parseRotationRequest(JSON.parse(input ?? 'null'), config);
    return request.dryRun ? undefined : request.family;
  } catch {
    return undefined;
  }
};

/** Earlier start first, then name: every execution orders the same pair the same way. */
const startedBefore = (other: ExecutionListItem, ourStart: number, ourName: string): boolean => {
  const theirs = other.startDate?.getTime() ?? 0;
  return theirs < ourStart || (theirs === ourStart && (other.name ?? '') < ourName);
};

export const assertNoEarlierRotation = async (
  sfn: SFNClient,
  family: string,
  execution: ExecutionRef,
  config: DeploymentConfig,
): Promise<void> => {
  try {
    const running: ExecutionListItem[] = [];
    for await (const page of paginateListExecutions(
      { client: sfn },
      { stateMachineArn: stateMachineOf(execution.id), statusFilter: 'RUNNING' },
    )) {
      running.push(...(page.executions ?? []));
    }
    // Our own start as the same listing reports it, so both sides of a pair compare like with like.
    const ourStart = running.find((e) => e.executionArn === execution.id)?.startDate?.getTime() ?? Date.parse(execution.startTime);
    for (const other of running) {
      if (other.executionArn === execution.id || !startedBefore(other, ourStart, execution.name)) continue;
      const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn: other.executionArn }));
      if (imageFamilyOf(input, config) === family) {
        throw new RotationInProgressError(
          `Execution ${other.name} (started ${other.startDate?.toISOString()}) is already rotating family ${family}; this execution made nothing`,
        );
      }
    }
  } catch (error) {
    if (error instanceof RotationInProgressError) throw error;
    const message = `list running rotations of ${family}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    switch (classifyAwsFailure(error)) {
      case 'throttled':
      case 'unavailable':
        throw new StepFunctionsUnavailableError(message, { cause: error });
      case 'bug':
        throw error;
      case 'setup':
        throw new ConfigurationError(`${message}: ${setupAdvice(error)}`, { cause: error });
      default:
        // Denied or refused: the role or the state machine is misconfigured; a retry cannot fix it.
        throw new ConfigurationError(`${message}: the role needs states:ListExecutions and states:DescribeExecution`, { cause: error });
    }
  }
};
