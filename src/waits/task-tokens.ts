/**
 * Ends a callback task (`.waitForTaskToken`) with SendTaskSuccess. A token whose task has already ended (completed by
 * an earlier event or check, timed out, its execution stopped) is a normal answer, not a failure: Step Functions says
 * `TaskTimedOut`, `TaskDoesNotExist` or `InvalidToken` (API Reference, SendTaskSuccess, Errors).
 */
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { awsErrorCode } from '../aws/failures.ts';

const ALREADY_ENDED = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export type Completion = 'completed' | 'already-ended';

export const completeTask = async (sfn: SFNClient, token: string, output: object): Promise<Completion> => {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
    return 'completed';
  } catch (error) {
    if (ALREADY_ENDED.has(awsErrorCode(error) ?? (error as Error).name)) return 'already-ended';
    throw error;
  }
};
