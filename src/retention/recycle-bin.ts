/**
 * Reads the account's Recycle Bin rules for AMIs and snapshots (what recycle-bin-assessment.ts judges).
 * Unreadable rules (no permission, no answer within 5 s) are a result, never an error: the prune goes on.
 */
import { GetRuleCommand, ListRulesCommand, type RbinClient } from '@aws-sdk/client-rbin';
import { awsErrorCode, classifyAwsFailure } from '../aws/failures.ts';
import type { RecycleBinRule, RecycleBinRules } from './recycle-bin-assessment.ts';

/** ListRules' largest page (the Recycle Bin API reference: MaxResults 5 to 500). */
const PAGE_SIZE = 500;
/** A read that does not answer within this is reported as unreadable: the prune does not wait on a check. */
const READ_TIMEOUT_MS = 5_000;

/** GetRule calls in flight at once: a page of 500 rules read one at a time would not fit in the read's 5 s. */
const CONCURRENT_READS = 10;

/** Every rule for AMIs and for snapshots, with its tags (ListRules does not return them; GetRule does). */
export const readRecycleBinRules = async (rbin: RbinClient, { timeoutMs = READ_TIMEOUT_MS } = {}): Promise<RecycleBinRules> => {
  try {
    const abortSignal = AbortSignal.timeout(timeoutMs);
    const rules: RecycleBinRule[] = [];
    for (const resourceType of ['EC2_IMAGE', 'EBS_SNAPSHOT'] as const) {
      let token: string | undefined;
      do {
        const page = await rbin.send(
          new ListRulesCommand({ ResourceType: resourceType, MaxResults: PAGE_SIZE, ...(token ? { NextToken: token } : {}) }),
          { abortSignal },
        );
        const summaries = page.Rules ?? [];
        for (let start = 0; start < summaries.length; start += CONCURRENT_READS) {
          const batch = summaries.slice(start, start + CONCURRENT_READS);
          const read = await Promise.all(
            batch.map((summary) => rbin.send(new GetRuleCommand({ Identifier: summary.Identifier }), { abortSignal })),
          );
          rules.push(
            ...read.map((rule, n) => ({
              id: batch[n]?.Identifier ?? '',
              resourceType,
              retentionDays: rule.RetentionPeriod?.RetentionPeriodValue ?? 0,
              resourceTags: (rule.ResourceTags ?? []).map((t) => ({ key: t.ResourceTagKey ?? '', value: t.ResourceTagValue ?? '' })),
              status: rule.Status ?? 'unknown',
            })),
          );
        }
        token = page.NextToken;
      } while (token);
    }
    return { readable: true, rules };
  } catch (error) {
    return { readable: false, reason: unreadable(error) };
  }
};

/** Why the rules could not be read, in words: the service's refusal by its code, never a raw SDK parse error. */
const unreadable = (error: unknown): string => {
  const code = awsErrorCode(error);
  const { name, message } = error as Error;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${READ_TIMEOUT_MS / 1000} s`;
  switch (classifyAwsFailure(error)) {
    case 'denied':
      return `${code}: the role may not read Recycle Bin rules (rbin:ListRules, rbin:GetRule)`;
    case 'throttled':
    case 'unavailable':
      return `${code ?? name}: Recycle Bin did not answer (throttled or unavailable)`;
    default:
      // A 200 that is not Recycle Bin's JSON (a proxy, a wrong endpoint) surfaces as a deserialization error.
      return code !== undefined && !/deserializ|parse|JSON/i.test(message ?? '')
        ? `${code}: ${message}`
        : "the Recycle Bin endpoint gave an answer that is not Recycle Bin's (a proxy or a wrong endpoint?)";
  }
};
