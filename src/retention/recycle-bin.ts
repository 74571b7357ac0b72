/**
 * Reads the account's Recycle Bin rules for AMIs and snapshots (what recycle-bin-assessment.ts judges).
 * Unreadable rules (no permission, no answer within 5 s) are a result, never an error: the prune goes on.
 */
import { GetRuleCommand, ListRulesCommand, type RbinClient } from '@aws-sdk/client-rbin';
import type { RecycleBinRule, RecycleBinRules } from './recycle-bin-assessment.ts';

/** ListRules' largest page (the Recycle Bin API reference: MaxResults 5 to 500). */
const PAGE_SIZE = 500;
/** A read that does not answer within this is reported as unreadable: the prune does not wait on a check. */
const READ_TIMEOUT_MS = 5_000;

/** Every rule for AMIs and for snapshots, with its tags (ListRules does not return them; GetRule does). */
export const readRecycleBinRules = async (rbin: RbinClient): Promise<RecycleBinRules> => {
  try {
    const abortSignal = AbortSignal.timeout(READ_TIMEOUT_MS);
    const rules: RecycleBinRule[] = [];
    for (const resourceType of ['EC2_IMAGE', 'EBS_SNAPSHOT'] as const) {
      let token: string | undefined;
      do {
        const page = await rbin.send(
          new ListRulesCommand({ ResourceType: resourceType, MaxResults: PAGE_SIZE, ...(token ? { NextToken: token } : {}) }),
          { abortSignal },
        );
        for (const summary of page.Rules ?? []) {
          const rule = await rbin.send(new GetRuleCommand({ Identifier: summary.Identifier }), { abortSignal });
          rules.push({
            id: summary.Identifier ?? '',
            resourceType,
            retentionDays: rule.RetentionPeriod?.RetentionPeriodValue ?? 0,
            resourceTags: (rule.ResourceTags ?? []).map((t) => ({ key: t.ResourceTagKey ?? '', value: t.ResourceTagValue ?? '' })),
            status: rule.Status ?? 'unknown',
          });
        }
        token = page.NextToken;
      } while (token);
    }
    return { readable: true, rules };
  } catch (error) {
    const { name, message } = error as Error;
    return { readable: false, reason: `${name}: ${message}` };
  }
};
