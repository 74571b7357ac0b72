import {
  CreateImageUsageReportCommand,
  DescribeImageUsageReportEntriesCommand,
  DescribeImageUsageReportsCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { emulatorClients } from '../../local/clients.ts';
import { clientFor, codeOf, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator({ pendingPolls: 1 });
const IMAGE = 'ami-0c00000000000c0b1';
const A = '111122223333';
const B = '444455556666';
const seed = () =>
  emulator().seed({
    images: [{ imageId: IMAGE, name: 'web-prod-1', creationDate: '2026-11-01T02:00:00Z', tags: { 'ami-rotator:managed': 'true' } }],
    consumers: [
      { accountId: A, instances: [IMAGE, IMAGE], launchTemplates: [IMAGE] },
      { accountId: B, instances: [IMAGE] },
    ],
  });
const ec2 = () => clientFor(emulator(), 1);
const create = (extra: Record<string, unknown> = {}) =>
  ec2().send(
    new CreateImageUsageReportCommand({
      ImageId: IMAGE,
      ResourceTypes: [{ ResourceType: 'ec2:Instance' }, { ResourceType: 'ec2:LaunchTemplate' }],
      ...extra,
    }),
  );
const stateOf = async (reportId: string) =>
  (await ec2().send(new DescribeImageUsageReportsCommand({ ReportIds: [reportId] }))).ImageUsageReports?.[0]?.State;

describe('AMI usage reports', () => {
  it("is pending, then available with each account's instances and launch templates counted", async () => {
    seed();
    const { ReportId } = await create({ AccountIds: [A, B] });

    expect(await stateOf(ReportId ?? '')).toBe('pending');
    expect((await ec2().send(new DescribeImageUsageReportEntriesCommand({ ReportIds: [ReportId ?? ''] }))).ImageUsageReportEntries).toEqual(
      [],
    );
    expect(await stateOf(ReportId ?? '')).toBe('available');
    const entries = (await ec2().send(new DescribeImageUsageReportEntriesCommand({ ImageIds: [IMAGE] }))).ImageUsageReportEntries ?? [];

    expect(entries.map((e) => [e.AccountId, e.ResourceType, e.UsageCount]).sort()).toEqual([
      [A, 'ec2:Instance', 2],
      [A, 'ec2:LaunchTemplate', 1],
      [B, 'ec2:Instance', 1],
    ]);
  });

  it('counts only the accounts asked about, and only the resource types asked for', async () => {
    seed();
    const { ReportId } = await create({ AccountIds: [B], ResourceTypes: [{ ResourceType: 'ec2:Instance' }] });
    await stateOf(ReportId ?? '');
    await stateOf(ReportId ?? '');

    const entries =
      (await ec2().send(new DescribeImageUsageReportEntriesCommand({ ReportIds: [ReportId ?? ''] }))).ImageUsageReportEntries ?? [];
    expect(entries.map((e) => [e.AccountId, e.ResourceType, e.UsageCount])).toEqual([[B, 'ec2:Instance', 1]]);
  });

  it('ends in error when the fault plan says so, with no entries', async () => {
    seed();
    emulator().injectFaults({ usageReportFates: [{ imageId: IMAGE, fate: 'error' }] });
    const { ReportId } = await create();
    await stateOf(ReportId ?? '');

    expect(await stateOf(ReportId ?? '')).toBe('error');
    expect((await ec2().send(new DescribeImageUsageReportEntriesCommand({ ReportIds: [ReportId ?? ''] }))).ImageUsageReportEntries).toEqual(
      [],
    );
  });

  it.each([
    ['no resource type', { ResourceTypes: [] }, 'MissingParameter'],
    ['an unknown resource type', { ResourceTypes: [{ ResourceType: 'ec2:Volume' }] }, 'InvalidParameterValue'],
    [
      'a version depth for instances',
      { ResourceTypes: [{ ResourceType: 'ec2:Instance', ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: ['5'] }] }] },
      'InvalidParameterCombination',
    ],
    ['201 accounts', { AccountIds: Array.from({ length: 201 }, (_, n) => String(100000000000 + n)) }, 'InvalidParameterValue'],
    ['an account id that is not one', { AccountIds: ['1234'] }, 'InvalidParameterValue'],
    [
      'tags for another resource type',
      { TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'a', Value: 'b' }] }] },
      'InvalidParameterValue',
    ],
  ])('refuses %s, making no report', async (_what, extra, code) => {
    seed();

    expect(await codeOf(create(extra))).toBe(code);
    expect(emulator().store.usageReports.size).toBe(0);
  });

  it('answers a repeated client token with the first report', async () => {
    seed();

    const first = await create({ ClientToken: 'night-1' });
    const again = await create({ ClientToken: 'night-1' });

    expect(again.ReportId).toBe(first.ReportId);
    expect(emulator().store.usageReports.size).toBe(1);
  });

  it("is made only by a role IAM allows: the stack's check role may not", async () => {
    seed();
    const asCheckRole = emulatorClients(emulator().url, { AWS_MAX_ATTEMPTS: '1' }, 'CheckImageRole').ec2;

    expect(
      await codeOf(
        asCheckRole.send(new CreateImageUsageReportCommand({ ImageId: IMAGE, ResourceTypes: [{ ResourceType: 'ec2:Instance' }] })),
      ),
    ).toBe('UnauthorizedOperation');
  });
});
