import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RbinClient } from '@aws-sdk/client-rbin';
import { describe, expect, it } from 'vitest';
import { autoScalingClient } from '../../src/aws/auto-scaling-client.ts';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { recycleBinClient } from '../../src/aws/recycle-bin-client.ts';
import { readConfig } from '../../src/config.ts';
import { readRecycleBinRules } from '../../src/retention/recycle-bin.ts';
import { pruneImages } from '../../src/retention/step.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const tags = { [TAG.managed]: 'true', [TAG.family]: FAMILY, team: 'web' };

describe('reading the rules from Recycle Bin', () => {
  it('reads every page of rules of both types, with their tags', async () => {
    emulator().seed({
      recycleBinRules: [
        ...Array.from({ length: 501 }, (_, n) => ({
          identifier: `img${n.toString().padStart(8, '0')}`,
          resourceType: 'EC2_IMAGE' as const,
          retentionDays: 1 + (n % 365),
        })),
        { identifier: 'snap0000001', resourceType: 'EBS_SNAPSHOT', retentionDays: 9, resourceTags: { team: 'web' } },
        { identifier: 'vol00000001', resourceType: 'EBS_VOLUME', retentionDays: 7 },
      ],
    });

    // Paging is what this asserts, not the read's 5 s bound (which a loaded machine may pass): a minute.
    const read = await readRecycleBinRules(recycleBinClient(), { timeoutMs: 60_000 });

    expect(read.readable).toBe(true);
    const rules = read.readable ? read.rules : [];
    expect(rules).toHaveLength(502);
    expect(rules.filter((r) => r.resourceType === 'EC2_IMAGE')).toHaveLength(501);
    expect(rules.filter((r) => r.resourceType === 'EBS_SNAPSHOT')).toEqual([
      {
        id: 'snap0000001',
        resourceType: 'EBS_SNAPSHOT',
        retentionDays: 9,
        resourceTags: [{ key: 'team', value: 'web' }],
        status: 'available',
      },
    ]);
    expect(emulator().countByAction()).toMatchObject({ ListRules: 3, GetRule: 502 });
  });

  it('reports a refusal as unreadable instead of throwing', async () => {
    emulator().seed({ recycleBinRules: [{ identifier: 'img00000001', resourceType: 'EC2_IMAGE', retentionDays: 7 }] });
    emulator().injectFaults({ rules: [{ actions: ['ListRules'], code: 'AccessDeniedException' }] });

    const read = await readRecycleBinRules(recycleBinClient());

    expect(read).toEqual({
      readable: false,
      reason: 'AccessDeniedException: the role may not read Recycle Bin rules (rbin:ListRules, rbin:GetRule)',
    });
  });

  it('says what failed when the endpoint answers with something that is not Recycle Bin, not the SDK parse error', async () => {
    const page = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Sign in to the proxy</body></html>');
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    const { port } = page.address() as AddressInfo;
    const proxied = new RbinClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });

    const read = await readRecycleBinRules(proxied).finally(() => page.close());

    expect(read).toEqual({
      readable: false,
      reason: "the Recycle Bin endpoint gave an answer that is not Recycle Bin's (a proxy or a wrong endpoint?)",
    });
  });

  it('reports an endpoint that cannot be reached as unreadable', async () => {
    const silent = new RbinClient({
      endpoint: 'http://10.255.255.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });

    const read = await readRecycleBinRules(silent);

    expect(read.readable).toBe(false);
  });
});

describe('the prune reports the Recycle Bin once', () => {
  it('warns in the first pass of a prune whose images the bin would keep without their snapshots', async () => {
    emulator().seed({
      images: [{ name: 'web-prod-old', creationDate: '2026-01-01T00:00:00.000Z', tags, snapshotTags: tags }],
      recycleBinRules: [{ identifier: 'img00000001', resourceType: 'EC2_IMAGE', retentionDays: 14 }],
    });
    const request = parseRotationRequest({ family: FAMILY, instanceId: 'i-0123456789abcdef0', dryRun: true }, readConfig({}));
    const execution = { id: 'arn:aws:states:us-east-1:123456789012:execution:rotate:x', name: 'x', startTime: '2026-11-23T12:00:00.000Z' };
    const clients = { ec2: ec2Client(), autoScaling: autoScalingClient(), recycleBin: recycleBinClient() };

    const first = await pruneImages(clients, { request, execution }, () => 900_000);
    const later = await pruneImages(clients, { request, execution, progress: { ...first, done: false } }, () => 900_000);

    expect(first.recycleBin).toEqual({ warning: true, note: expect.stringContaining('no rule keeps their snapshots') });
    expect(later.recycleBin).toEqual(first.recycleBin);
    expect(emulator().countByAction().ListRules).toBe(2);
  });
});
