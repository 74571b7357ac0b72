/** An SSM parameter's value as reads see it now: what publishing writes and reads back, in this account or a consumer's. */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { fromEc2Error } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';

/** The parameter's value as reads see it now; undefined when there is none. */
export const currentValue = async (ssm: SSMClient, name: string): Promise<string | undefined> => {
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if (awsErrorCode(error) === 'ParameterNotFound') return undefined;
    throw fromEc2Error(error, `read SSM parameter ${name}`);
  }
};
