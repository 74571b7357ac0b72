/**
 * What a deployed stage was deployed with, as its functions read it: ValidateInput's environment (the settings every
 * function gets: default family and instance, retention, publish, distribute), through lambda:GetFunctionConfiguration
 * on that one function. Fewer permissions than the stack's outputs would need (cloudformation:DescribeStacks answers
 * every output and parameter of the stack), and the very values the functions use, not a copy of them.
 */
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { UsageError } from './flags.ts';

/** The function whose environment is the stage's settings (serverless.yml: the service, the stage, the function key). */
export const settingsFunctionOf = (stage: string): string => `ami-rotator-${stage}-validateInput`;

/** The stage's settings by variable name (ROTATOR_*); a UsageError when no such stage is deployed here. */
export const readStageSettings = async (lambda: LambdaClient, stage: string): Promise<Record<string, string>> => {
  const name = settingsFunctionOf(stage);
  try {
    const { Environment } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    return Environment?.Variables ?? {};
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException')
      throw new UsageError(`--stage ${stage}: no function ${name} in this account and region, so no stage ${stage} is deployed here`);
    throw error;
  }
};
