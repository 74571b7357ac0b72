import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../functions/tag-image.ts';
import { METRICS_NAMESPACE, METRICS_SERVICE, ROTATION_SUCCEEDED, rotationMetrics } from '../../src/lambda/metrics.ts';
import { handlerClientsFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const context = { awsRequestId: 'metrics-test', functionName: 'tag-image', getRemainingTimeInMillis: () => 60_000 } as never;
const image = (imageId: string) => ({
  imageId,
  name: 'web-prod-20261123-020000',
  instanceId: 'i-0a1b2c3d4e5f60001',
  state: 'available' as const,
  poll: 1,
  nextWaitSeconds: 120,
  waitedSeconds: 120,
  timedOut: false,
});

/** The EMF blobs the function wrote to stdout, parsed. */
type Emf = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
};
const emfLines = (write: { mock: { calls: unknown[][] } }): Emf[] =>
  write.mock.calls
    .map(([chunk]) => String(chunk))
    .filter((line) => line.includes('"_aws"'))
    .map(
      (line) =>
        JSON.parse(line) as Record<string, unknown> & {
          _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
        },
    );

describe('the metric a rotation emits (EMF through Powertools)', () => {
  let write: { mock: { calls: unknown[][] }; mockRestore: () => void };
  beforeEach(() => {
    // Off for the other tests (vitest.config.ts); read when the Metrics object is made.
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    write.mockRestore();
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  });

  it('counts one RotationSucceeded for the family, under the namespace and dimensions the freshness alarm reads', async () => {
    emulator().seed({
      images: [{ imageId: 'ami-0aaaaaaaaaaaaaaa1', name: 'web-prod-20261123-020000', creationDate: '2026-11-23T02:00:00.000Z' }],
    });
    const handler = makeHandler(handlerClientsFor(emulator()), () => new Date('2026-11-23T02:10:00Z'), rotationMetrics());

    await handler({ family: 'web-prod', image: image('ami-0aaaaaaaaaaaaaaa1') }, context);

    const [blob, ...others] = emfLines(write);
    expect(others).toEqual([]);
    expect(blob?._aws.CloudWatchMetrics).toEqual([
      { Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'family']], Metrics: [{ Name: ROTATION_SUCCEEDED, Unit: 'Count' }] },
    ]);
    expect(blob).toMatchObject({ service: METRICS_SERVICE, family: 'web-prod', [ROTATION_SUCCEEDED]: 1 });
  });

  it('counts nothing when the image could not be tagged', async () => {
    const handler = makeHandler(handlerClientsFor(emulator()), () => new Date('2026-11-23T02:10:00Z'), rotationMetrics());

    await expect(handler({ family: 'web-prod', image: image('ami-0aaaaaaaaaaaaaaa9') }, context)).rejects.toThrow();

    expect(emfLines(write).filter((b) => ROTATION_SUCCEEDED in b)).toEqual([]);
  });
});
