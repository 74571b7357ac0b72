/**
 * Consumers: other accounts of the organization that find the newest image of a family by a parameter of their own
 * (`/golden/web-prod/latest` in their account and region), written through a role their side provides (the consumer
 * stack, infra/consumer-stack.yml). Each account is written and read back on its own: one whose role is missing or
 * refuses does not stop the others, and each failure is kept with its reason for the night's one alert.
 */
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { awsErrorCode } from '../aws/failures.ts';
import { currentValue } from './parameter-value.ts';

/** An SSM client of a consumer account in the publishing region, signed as the role the image account assumes there. */
export type ConsumerSsm = (account: string) => SSMClient;

export interface ConsumerOutcome {
  account: string;
  /** `written`: awaiting SSM's validation; `confirmed`: reads show the new image; `failed`: with `reason`. */
  status: 'written' | 'confirmed' | 'failed';
  reason?: string;
}

export interface ConsumersResult {
  region: string;
  parameter: string;
  imageId: string;
  outcomes: ConsumerOutcome[];
}

/** Why a call as a consumer's role failed, in words an operator acts on. */
const reasonOf = (error: unknown, doing: string): string => {
  const code = awsErrorCode(error) ?? (error as Error).name;
  const message = (error as Error).message;
  if (/sts:AssumeRole/.test(message))
    return `${doing}: the image account may not assume its role (missing, or its trust policy refuses): deploy the consumer stack there`;
  if (code === 'AccessDeniedException' || code === 'AccessDenied') return `${doing}: its role refused (${code}: ${message})`;
  return `${doing}: ${code}: ${message}`;
};

/** The accounts directly under each OU, by its ARN (`.../ou/o-.../ou-...`): a function of the OU's id (ListAccountsForParent). */
export type AccountsUnder = (ouId: string) => Promise<string[]>;

/**
 * The consumer accounts: those the image is shared with by id, and the accounts directly in each OU it is shared with,
 * as Organizations lists them tonight (an account that joined since gets its parameter; one that left no longer).
 * An OU that cannot be listed is an outcome of its own, failed, with why.
 */
export const consumerAccounts = async (
  share: { accounts: readonly string[]; organizationalUnits: readonly string[] },
  accountsUnder: AccountsUnder | undefined,
): Promise<{ accounts: string[]; unlisted: ConsumerOutcome[] }> => {
  const listed = await Promise.all(
    share.organizationalUnits.map(async (arn) => {
      const ou = arn.split('/').pop() ?? arn;
      if (!accountsUnder)
        return { accounts: [], failed: { account: ou, status: 'failed' as const, reason: 'this function cannot list OUs' } };
      try {
        return { accounts: await accountsUnder(ou), failed: undefined };
      } catch (error) {
        const code = awsErrorCode(error) ?? (error as Error).name;
        const reason = `list the accounts of ${ou}: ${code}: ${(error as Error).message}${
          code === 'AccessDeniedException'
            ? ' (the image account must be the management account or a delegated administrator of Organizations)'
            : ''
        }`;
        return { accounts: [], failed: { account: ou, status: 'failed' as const, reason } };
      }
    }),
  );
  return {
    accounts: [...new Set([...share.accounts, ...listed.flatMap((l) => l.accounts)])],
    unlisted: listed.flatMap((l) => (l.failed ? [l.failed] : [])),
  };
};

/** Writes the image to each consumer's parameter; never throws for one account (its outcome says why). */
export const writeConsumers = async (
  { ssmOf, region }: { ssmOf: ConsumerSsm; region: string },
  accounts: readonly string[],
  parameter: string,
  image: { imageId: string; family: string },
): Promise<ConsumersResult> => {
  const outcomes = await Promise.all(
    accounts.map(async (account): Promise<ConsumerOutcome> => {
      try {
        const ssm = ssmOf(account);
        // Already the value (a retried step): no second write.
        if ((await currentValue(ssm, parameter)) !== image.imageId)
          await ssm.send(
            new PutParameterCommand({
              Name: parameter,
              Value: image.imageId,
              Type: 'String',
              DataType: 'aws:ec2:image',
              Overwrite: true,
              Description: `ami-rotator: the newest image of ${image.family}, from the image account`,
            }),
          );
        return { account, status: 'written' };
      } catch (error) {
        return { account, status: 'failed', reason: reasonOf(error, `write ${parameter}`) };
      }
    }),
  );
  return { region, parameter, imageId: image.imageId, outcomes };
};

/** One read-back of every consumer still awaiting SSM's validation; `last`: those still not showing it have failed. */
export const confirmConsumers = async (ssmOf: ConsumerSsm, result: ConsumersResult, last: boolean): Promise<ConsumersResult> => {
  const outcomes = await Promise.all(
    result.outcomes.map(async (outcome): Promise<ConsumerOutcome> => {
      if (outcome.status !== 'written') return outcome;
      try {
        const value = await currentValue(ssmOf(outcome.account), result.parameter);
        if (value === result.imageId) return { account: outcome.account, status: 'confirmed' };
        if (!last) return outcome;
        return {
          account: outcome.account,
          status: 'failed',
          reason: `${result.parameter} still reads ${value ?? '(nothing)'}: SSM dropped the value (is the image shared with the account?)`,
        };
      } catch (error) {
        // A read that fails is looked at again next time, unless this was the last look.
        return last ? { account: outcome.account, status: 'failed', reason: reasonOf(error, `read ${result.parameter}`) } : outcome;
      }
    }),
  );
  return { ...result, outcomes };
};

export const consumersSettled = (result: ConsumersResult | undefined): boolean =>
  result === undefined || result.outcomes.every((o) => o.status !== 'written');

/** Whether a consumer did not get the image (the workflow then ends ConsumersNotUpdated; the alert names each one). */
export const anyConsumerFailed = (result: ConsumersResult | undefined): boolean =>
  (result?.outcomes ?? []).some((o) => o.status === 'failed');
