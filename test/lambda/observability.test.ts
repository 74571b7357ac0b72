/**
 * What an operator reads in CloudWatch: each handler's log lines (Powertools Logger) and metric blobs
 * (EMF), parsed from what the function writes to stdout, as Lambda would forward them.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler as describeFailureHandler } from '../../functions/describe-failure.ts';
import { makeHandler as pruneHandler } from '../../functions/prune-images.ts';
import { makeHandler as tagHandler } from '../../functions/tag-image.ts';
import { readConfig } from '../../src/config.ts';
import { createLogger } from '../../src/lambda/logger.ts';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE, rotationMetrics } from '../../src/lambda/metrics.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { handlerClientsFor, useEmulator } from '../support/emulator.ts';

// Before the modules load: the logger takes its level once, when it is made (vitest.config.ts silences it elsewhere).
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});
const emulator = useEmulator();

const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const EXECUTION = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:ami-rotator-dev:nightly-1',
  name: 'nightly-1',
  startTime: '2026-11-23T02:00:00.000Z',
};
const context = (requestId: string) =>
  ({
    awsRequestId: requestId,
    functionName: 'ami-rotator-dev-tag-image',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ami-rotator-dev-tag-image',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 60_000,
  }) as never;
const image = (imageId: string) => ({
  imageId,
  name: 'web-prod-20261123-020000',
  instanceId: 'i-0a1b2c3d4e5f60001',
  state: 'available' as const,
  poll: 1,
  nextWaitSeconds: 120,
  waitedSeconds: 120,
  deadlineSeconds: 0,
  timedOut: false,
});
const seedImage = () =>
  emulator().seed({
    // Made by CreateImage, so born managed: TagImageRole may tag only managed images.
    images: [
      {
        imageId: 'ami-0aaaaaaaaaaaaaaa1',
        name: 'web-prod-20261123-020000',
        creationDate: '2026-11-23T02:00:00.000Z',
        tags: { [TAG.managed]: 'true', [TAG.family]: 'web-prod' },
        snapshotTags: { [TAG.managed]: 'true', [TAG.family]: 'web-prod' },
      },
    ],
  });

type Line = Record<string, unknown>;
type Emf = Line & {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
};

describe("the functions' logs and metrics", () => {
  // Powertools writes errors and warnings to stderr, the rest (metric blobs included) to stdout.
  let write: { mock: { calls: unknown[][] }; mockRestore: () => void };
  let writeError: { mock: { calls: unknown[][] }; mockRestore: () => void };
  const lines = (): Line[] =>
    [...write.mock.calls, ...writeError.mock.calls].flatMap(([chunk]) =>
      String(chunk)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Line),
    );
  const logs = () => lines().filter((l) => !('_aws' in l));
  const blobs = () => lines().filter((l): l is Emf => '_aws' in l);

  beforeEach(() => {
    // Both are off for the other tests (vitest.config.ts); the Metrics object reads its switch when made.
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    process.env._X_AMZN_TRACE_ID = TRACE;
    write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    writeError = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    write.mockRestore();
    writeError.mockRestore();
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    delete process.env._X_AMZN_TRACE_ID;
  });

  it('writes every log line with the Lambda context, the step, the execution and the family', async () => {
    seedImage();
    const handler = tagHandler(handlerClientsFor(emulator(), 'TagImageRole'), () => new Date('2026-11-23T02:10:00Z'), rotationMetrics());

    await handler({ family: 'web-prod', image: image('ami-0aaaaaaaaaaaaaaa1'), execution: EXECUTION }, context('req-tag-1'));

    expect(logs().map((l) => l.message)).toEqual(['TagImage started', 'TagImage finished']);
    for (const line of logs()) {
      expect(line).toMatchObject({
        level: 'INFO',
        service: 'ami-rotator',
        cold_start: expect.any(Boolean),
        function_request_id: 'req-tag-1',
        function_name: 'ami-rotator-dev-tag-image',
        xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
        step: 'TagImage',
        execution: EXECUTION.id,
        family: 'web-prod',
      });
      expect(Date.parse(String(line.timestamp))).not.toBeNaN();
    }
  });

  it("logs a failure with the error's name, message and EC2's request id, and forgets the keys after", async () => {
    const handler = tagHandler(handlerClientsFor(emulator(), 'TagImageRole'), () => new Date('2026-11-23T02:10:00Z'), rotationMetrics());

    await expect(
      handler({ family: 'web-prod', image: image('ami-0aaaaaaaaaaaaaaa9'), execution: EXECUTION }, context('req-tag-2')),
    ).rejects.toThrow();
    await expect(handler({ family: 'db-prod', image: image('ami-0aaaaaaaaaaaaaaa9') }, context('req-tag-3'))).rejects.toThrow();

    const [first, second] = logs().filter((l) => l.level === 'ERROR');
    expect(first).toMatchObject({
      message: 'TagImage failed',
      execution: EXECUTION.id,
      error: { name: 'ImageNotFound', message: expect.stringContaining('InvalidAMIID.NotFound') },
      // The emulator answers with a request id, as EC2 does: the one to quote to AWS Support.
      aws_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(second).toMatchObject({ family: 'db-prod', function_request_id: 'req-tag-3' });
    expect(second).not.toHaveProperty('execution');
  });

  it('counts a success and the time to an available image, under the family', async () => {
    seedImage();
    const handler = tagHandler(handlerClientsFor(emulator(), 'TagImageRole'), () => new Date('2026-11-23T02:10:00Z'), rotationMetrics());

    await handler({ family: 'web-prod', image: image('ami-0aaaaaaaaaaaaaaa1'), execution: EXECUTION }, context('req-tag-4'));

    const [blob, ...others] = blobs();
    expect(others).toEqual([]);
    expect(blob?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service', 'family']],
        Metrics: [
          { Name: METRIC.rotationSucceeded, Unit: 'Count' },
          { Name: METRIC.imageReadySeconds, Unit: 'Seconds' },
        ],
      },
    ]);
    expect(blob).toMatchObject({
      service: METRICS_SERVICE,
      family: 'web-prod',
      [METRIC.rotationSucceeded]: 1,
      [METRIC.imageReadySeconds]: 600,
    });
  });

  it('counts nothing when the image could not be tagged', async () => {
    const handler = tagHandler(handlerClientsFor(emulator(), 'TagImageRole'), () => new Date('2026-11-23T02:10:00Z'), rotationMetrics());

    await expect(handler({ family: 'web-prod', image: image('ami-0aaaaaaaaaaaaaaa9') }, context('req-tag-5'))).rejects.toThrow();

    expect(blobs()).toEqual([]);
  });

  it('counts the EC2 throttles that the retries absorbed', async () => {
    seedImage();
    emulator().injectFaults({ rules: [{ actions: ['CreateTags'], code: 'RequestLimitExceeded', times: 2 }] });
    const handler = tagHandler(
      handlerClientsFor(emulator(), 'TagImageRole', { AWS_MAX_ATTEMPTS: '4', AWS_RETRY_MODE: 'standard' }),
      () => new Date('2026-11-23T02:10:00Z'),
      rotationMetrics(),
    );

    await handler({ family: 'web-prod', image: image('ami-0aaaaaaaaaaaaaaa1') }, context('req-tag-6'));

    expect(blobs()[0]).toMatchObject({ [METRIC.ec2Throttles]: 2 });
  });

  it('counts what a prune deleted, what it could not, and how old the newest image is', async () => {
    const tags = { [TAG.managed]: 'true', [TAG.family]: 'web-prod' };
    emulator().seed({
      images: [
        // Made 12 hours before the execution started (EXECUTION.startTime).
        { imageId: 'ami-0aaaaaaaaaaaaaaa1', name: 'web-prod-new', creationDate: '2026-11-22T14:00:00.000Z', tags, snapshotTags: tags },
        ...[2, 3, 4].map((n) => ({
          imageId: `ami-0aaaaaaaaaaaaaaa${n}`,
          name: `web-prod-old-${n}`,
          creationDate: `2026-10-0${n}T02:00:00.000Z`,
          tags,
          snapshotTags: tags,
          volumes: [{ deviceName: '/dev/xvda' }, { deviceName: '/dev/xvdb' }],
        })),
      ],
    });
    const request = parseRotationRequest(
      { family: 'web-prod', instanceId: 'i-0a1b2c3d4e5f60001', retention: { keepLast: 1, maxAgeDays: 1, minKeep: 1 } },
      readConfig({}),
    );
    // A monotonic clock, as the pacing's is: no wall time to be read from it.
    const clock = { now: () => 1_000, sleep: async () => undefined };
    const handler = pruneHandler(handlerClientsFor(emulator(), 'PruneImagesRole'), clock, rotationMetrics());

    await handler({ request, execution: EXECUTION, newImageId: 'ami-0aaaaaaaaaaaaaaa1' }, context('req-prune-1'));

    expect(blobs()[0]).toMatchObject({
      family: 'web-prod',
      [METRIC.newestImageAgeHours]: 12,
      [METRIC.imagesPruned]: 3,
      [METRIC.snapshotsDeleted]: 6,
      [METRIC.pruneFailures]: 0,
    });
  });

  it('counts a failed rotation by family and by failed step', async () => {
    const handler = describeFailureHandler({ metrics: rotationMetrics() });

    await handler(
      {
        failure: { failed: { CreateImage: { Error: 'InstanceNotOptedIn', Cause: '{"errorMessage":"not tagged"}' } } },
        input: { family: 'web-prod', instanceId: 'i-0a1b2c3d4e5f60001' },
        execution: EXECUTION,
      },
      context('req-fail-1'),
    );

    const [blob] = blobs();
    expect(blob?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['service', 'family'],
      ['service', 'step'],
    ]);
    expect(blob).toMatchObject({ family: 'web-prod', step: 'CreateImage', [METRIC.rotationFailed]: 1 });
  });
});

describe('the log level', () => {
  it.each([
    { env: {}, level: 'INFO' },
    { env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' }, level: 'DEBUG' },
    { env: { ROTATOR_LOG_LEVEL: 'warn' }, level: 'WARN' },
    { env: { ROTATOR_LOG_LEVEL: 'silent' }, level: 'SILENT' },
    { env: { POWERTOOLS_LOG_LEVEL: 'ERROR', ROTATOR_LOG_LEVEL: 'info' }, level: 'ERROR' },
  ])('is $level with $env', ({ env, level }) => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', env.POWERTOOLS_LOG_LEVEL ?? '');

    expect(createLogger(env).getLevelName()).toBe(level);

    vi.unstubAllEnvs();
  });
});
