import { GetRuleCommand, ListRulesCommand, RbinClient } from '@aws-sdk/client-rbin';
import { describe, expect, it } from 'vitest';
import { failureOf, serviceClientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const rbin = () => serviceClientFor(RbinClient, emulator().url);

describe('the emulated Recycle Bin (Recycle Bin API reference: ListRules, GetRule)', () => {
  it('lists the rules of one resource type, a page of MaxResults at a time', async () => {
    emulator().seed({
      recycleBinRules: [
        ...Array.from({ length: 6 }, (_, n) => ({ identifier: `img0000000${n}`, resourceType: 'EC2_IMAGE' as const, retentionDays: 7 })),
        { identifier: 'snap0000001', resourceType: 'EBS_SNAPSHOT', retentionDays: 7 },
      ],
    });

    const first = await rbin().send(new ListRulesCommand({ ResourceType: 'EC2_IMAGE', MaxResults: 5 }));
    const second = await rbin().send(new ListRulesCommand({ ResourceType: 'EC2_IMAGE', MaxResults: 5, NextToken: first.NextToken ?? '' }));

    expect(first.Rules?.map((r) => r.Identifier)).toEqual(['img00000000', 'img00000001', 'img00000002', 'img00000003', 'img00000004']);
    expect(second.Rules?.map((r) => r.Identifier)).toEqual(['img00000005']);
    expect(second.NextToken).toBeUndefined();
    expect(first.Rules?.[0]?.RetentionPeriod).toEqual({ RetentionPeriodValue: 7, RetentionPeriodUnit: 'DAYS' });
  });

  it.each([
    { case: 'MaxResults of 0', input: { ResourceType: 'EC2_IMAGE' as const, MaxResults: 0 } },
    { case: 'MaxResults above 1000', input: { ResourceType: 'EC2_IMAGE' as const, MaxResults: 1001 } },

    { case: 'no ResourceType', input: {} },
  ])('refuses ListRules with $case', async ({ input }) => {
    const error = await failureOf(rbin().send(new ListRulesCommand(input as never)));

    expect(error).toMatchObject({ name: 'ValidationException', Reason: 'INVALID_PARAMETER_VALUE' });
  });

  it('takes MaxResults from 1 to 1000, and at most five exclusion tags', async () => {
    const most = await failureOf(rbin().send(new ListRulesCommand({ ResourceType: 'EC2_IMAGE', MaxResults: 1000 })));
    const one = await failureOf(rbin().send(new ListRulesCommand({ ResourceType: 'EC2_IMAGE', MaxResults: 1 })));
    // The npm registry's Recycle Bin client (3.523) predates exclusion tags: the request is written by hand.
    const excluding = (count: number) =>
      fetch(`${emulator().url}/list-rules`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          ResourceType: 'EC2_IMAGE',
          ExcludeResourceTags: Array.from({ length: count }, (_, n) => ({ ResourceTagKey: `k${n}`, ResourceTagValue: 'v' })),
        }),
      }).then((r) => r.status);

    expect([most, one]).toEqual([undefined, undefined]);
    expect([await excluding(5), await excluding(6)]).toEqual([200, 400]);
  });

  it('refuses a page token it did not give', async () => {
    const error = await failureOf(rbin().send(new ListRulesCommand({ ResourceType: 'EC2_IMAGE', NextToken: 'x' })));

    expect(error).toMatchObject({ name: 'ValidationException', Reason: 'INVALID_PAGE_TOKEN' });
  });

  it('reads one rule with its tags, and refuses a malformed or unknown identifier', async () => {
    emulator().seed({
      recycleBinRules: [{ identifier: 'snap0000001', resourceType: 'EBS_SNAPSHOT', retentionDays: 30, resourceTags: { team: 'web' } }],
    });

    const rule = await rbin().send(new GetRuleCommand({ Identifier: 'snap0000001' }));
    const malformed = await failureOf(rbin().send(new GetRuleCommand({ Identifier: 'short' })));
    const unknown = await failureOf(rbin().send(new GetRuleCommand({ Identifier: 'nope0000000' })));

    expect(rule).toMatchObject({
      ResourceType: 'EBS_SNAPSHOT',
      Status: 'available',
      ResourceTags: [{ ResourceTagKey: 'team', ResourceTagValue: 'web' }],
    });
    expect(malformed).toMatchObject({ name: 'ValidationException' });
    expect(unknown).toMatchObject({ name: 'ResourceNotFoundException', Reason: 'RULE_NOT_FOUND' });
  });

  it('refuses fixtures that CreateRule would refuse', () => {
    expect(() =>
      emulator().seed({ recycleBinRules: [{ identifier: 'vol00000001', resourceType: 'EBS_VOLUME', retentionDays: 8 }] }),
    ).toThrow(/1 to 7 days/);
    expect(() =>
      emulator().seed({
        recycleBinRules: [
          {
            identifier: 'img00000001',
            resourceType: 'EC2_IMAGE',
            retentionDays: 7,
            resourceTags: { a: 'b' },
            excludeResourceTags: { c: 'd' },
          },
        ],
      }),
    ).toThrow(/not both/);
  });
});
