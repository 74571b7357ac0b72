import { describe, expect, it } from 'vitest';
import { runRotationLocally } from '../../local/workflow.ts';
import { DAY_MS } from '../../src/retention/policy.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';
const CONSUMER = '111122223333';
const OU = 'arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56';
const managed = { [TAG.managed]: 'true', [TAG.family]: FAMILY };
const old = (n: number, extra: Record<string, unknown> = {}) => ({
  imageId: `ami-0b${String(n).padStart(15, '0')}`,
  name: `${FAMILY}-old-${n}`,
  creationDate: new Date(Date.now() - (n + 10) * DAY_MS).toISOString(),
  tags: managed,
  ...extra,
});

describe('a rotation that shares its image', () => {
  it('tags the new image shared, then gives its launch permission to the accounts and OUs asked, before publishing', async () => {
    seedInstance(emulator());

    const run = await runRotationLocally({
      input: input({
        distribute: { share: { accounts: [CONSUMER], organizationalUnits: [OU] } },
        publish: { parameter: '/golden/web-prod/latest' },
      }),
    });

    expect(run.status).toBe('SUCCEEDED');
    const [image] = [...emulator().store.images.values()];
    expect(image?.launchPermissions).toEqual([{ userId: CONSUMER }, { organizationalUnitArn: OU }]);
    expect(image?.tags).toContainEqual({ key: TAG.shared, value: 'true' });
    const modify = emulator().requests.findIndex((r) => r.action === 'ModifyImageAttribute');
    const put = emulator().requests.findIndex((r) => r.action === 'PutParameter');
    expect(modify).toBeGreaterThan(-1);
    expect(modify).toBeLessThan(put);
  });

  it('never retires an expired image shared with other accounts, and says what their usage report knows of them', async () => {
    seedInstance(emulator());
    emulator().seed({
      images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
        n === 8 ? old(n, { tags: { ...managed, [TAG.shared]: 'true' }, launchPermissions: [{ userId: CONSUMER }] }) : old(n),
      ),
      consumers: [{ accountId: CONSUMER, instances: [old(8).imageId] }],
    });
    const reasonOf = (run: Awaited<ReturnType<typeof runRotationLocally>>) =>
      (run.output as { prune: { plan: { imageId: string; reason: string }[] } }).prune.plan.find((d) => d.imageId === old(8).imageId)
        ?.reason;
    const night = () => runRotationLocally({ input: input({ retention: { keepLast: 2, maxAgeDays: null } }) });

    // The first night asks EC2 for a report; the next reads it, made by then (a new image name needs a new second).
    emulator().options.pendingPolls = 0;
    const first = await night();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await night().finally(() => {
      emulator().options.pendingPolls = 1;
    });

    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(emulator().store.images.has(old(8).imageId)).toBe(true);
    expect(emulator().store.images.has(old(7).imageId)).toBe(false);
    const prefix = `kept: in use by other accounts it is shared with (${TAG.shared}=true): `;
    expect(reasonOf(first)).toMatch(/^kept: in use by .*: usage report amiur-[0-9a-f]+ requested, read by a later run$/);
    expect(reasonOf(first)?.startsWith(prefix)).toBe(true);
    expect(reasonOf(second)).toMatch(new RegExp(`: used by 1 instance in ${CONSUMER} \\(report amiur-[0-9a-f]+, \\d{4}-\\d\\d-\\d\\d\\)$`));
    expect(emulator().requests.filter((r) => r.action === 'CreateImageUsageReport')).toHaveLength(1);
  });

  it('requests no usage report on a dry run', async () => {
    seedInstance(emulator());
    emulator().seed({
      images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n === 8 ? old(n, { tags: { ...managed, [TAG.shared]: 'true' } }) : old(n))),
    });

    const run = await runRotationLocally({ input: input({ dryRun: true, retention: { keepLast: 2, maxAgeDays: null } }) });

    expect(run.status).toBe('SUCCEEDED');
    expect(emulator().requests.filter((r) => r.mutating)).toEqual([]);
  });
});
