import { describe, expect, it } from 'vitest';
import type { AlarmInfo, ScheduleInfo } from '../../src/cli/deployment-reads.ts';
import type { ExecutionRecord } from '../../src/cli/executions.ts';
import { buildHistory, renderHistory } from '../../src/cli/history.ts';
import { buildStatus, renderStatus } from '../../src/cli/status.ts';
import type { ManagedImage } from '../../src/retention/inventory.ts';
import { stepOfCause } from '../../src/workflow/contract.ts';

const ARN = 'arn:aws:states:eu-west-1:111122223333:execution:ami-rotator-prod';
const execution = (name: string, start: string, extra: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
  executionArn: `${ARN}:${name}`,
  name,
  status: 'SUCCEEDED',
  startDate: new Date(start),
  stopDate: new Date(Date.parse(start) + 840_000),
  family: 'web',
  dryRun: false,
  output: undefined,
  error: undefined,
  cause: undefined,
  ...extra,
});
const image = (id: string, created: string, tags: Record<string, string> = {}, state = 'available'): ManagedImage => ({
  imageId: id,
  name: `web-${created.slice(0, 10)}`,
  state,
  ownerId: '111122223333',
  creationDate: created,
  tags: { 'ami-rotator:managed': 'true', 'ami-rotator:family': 'web', ...tags },
  deregistrationProtected: false,
  snapshotIds: [],
});
const SINCE = new Date('2026-01-01T00:00:00Z');

describe('the failed step of a rotation, from its cause', () => {
  it.each([
    { cause: '[alerted] CheckImage: the image failed', step: 'CheckImage' },
    { cause: 'CreateImage: InstanceNotOptedIn', step: 'CreateImage' },
    { cause: '[alerted] The rotation failed and its alert could not be written', step: undefined },
    { cause: 'no step here', step: undefined },
    { cause: 'after a CheckImage: in the middle', step: undefined },
    { cause: undefined, step: undefined },
  ])('$cause → $step', ({ cause, step }) => {
    expect(stepOfCause(cause)).toBe(step);
  });
});

describe('the history of rotations', () => {
  it('lists executions with their image, prune and failed step, newest first', () => {
    const rows = buildHistory(
      [
        execution('b', '2026-11-22T02:00:00Z', {
          status: 'FAILED',
          error: 'ImageCreationFailed',
          cause: '[alerted] CheckImage: failed',
          stopDate: new Date('2026-11-22T03:00:00Z'),
        }),
        execution('a', '2026-11-21T02:00:00Z', {
          output: { image: { imageId: 'ami-0a', name: 'web-a' }, prune: { totals: { deleted: 3, expired: 4 } } },
        }),
      ],
      [],
      { since: SINCE },
    );

    expect(rows).toEqual([
      expect.objectContaining({ execution: 'b', status: 'FAILED', failedStep: 'CheckImage', durationSeconds: 3600, imageId: undefined }),
      expect.objectContaining({
        execution: 'a',
        status: 'SUCCEEDED',
        imageId: 'ami-0a',
        pruned: 3,
        durationSeconds: 840,
        failedStep: undefined,
      }),
    ]);
  });

  it('adds the images whose executions Step Functions no longer lists, since the date, and no image twice', () => {
    const rows = buildHistory(
      [execution('new', '2026-11-22T02:00:00Z', { output: { image: { imageId: 'ami-0new', name: 'web-new' } } })],
      [
        image('ami-0new', '2026-11-22T02:00:05Z', { 'ami-rotator:execution': `${ARN}:new` }),
        image('ami-0old', '2026-06-01T02:00:00Z', {
          'ami-rotator:execution': `${ARN}:old`,
          'ami-rotator:created-at': '2026-06-01T02:00:00Z',
          'ami-rotator:completed-at': '2026-06-01T02:20:00Z',
          'ami-rotator:status': 'available',
        }),
        image('ami-0older', '2025-12-01T02:00:00Z', { 'ami-rotator:execution': `${ARN}:older` }),
      ],
      { since: SINCE },
    );

    expect(rows.map((r) => [r.source, r.imageId, r.execution])).toEqual([
      ['step-functions', 'ami-0new', 'new'],
      ['image-tags', 'ami-0old', 'old'],
    ]);
    expect(rows[1]).toEqual({
      source: 'image-tags',
      family: 'web',
      status: 'image available',
      started: '2026-06-01T02:00:00.000Z',
      durationSeconds: 1200,
      imageId: 'ami-0old',
      imageName: 'web-2026-06-01',
      pruned: undefined,
      failedStep: undefined,
      error: undefined,
      execution: 'old',
      note: undefined,
    });
  });

  it('keeps one family when asked, and says a dry run, a skipped start, a running one and a disabled image for what they are', () => {
    const rows = buildHistory(
      [
        execution('now', '2026-11-23T02:00:00Z', { status: 'RUNNING', stopDate: undefined }),
        execution('dry', '2026-11-22T02:00:00Z', { dryRun: true }),
        execution('skip', '2026-11-21T02:00:00Z', {
          output: { failed: { CreateImage: { Error: 'RotationInProgress' } }, prune: { totals: { deleted: 'x' } } },
        }),
        // As the rotation's output said it before the failure contract (its executions stay listed 90 days).
        execution('skip-before', '2026-11-21T01:00:00Z', { output: { error: { Error: 'RotationInProgress' } } }),
        execution('db', '2026-11-20T02:00:00Z', { family: 'db' }),
      ],
      [image('ami-0dis', '2026-11-01T02:00:00Z', {}, 'disabled'), image('ami-0db', '2026-11-02T02:00:00Z', { 'ami-rotator:family': 'db' })],
      { since: SINCE, family: 'web' },
    );

    expect(rows.map((r) => [r.execution ?? r.imageId, r.note, r.durationSeconds, r.pruned])).toEqual([
      ['now', 'running', undefined, undefined],
      ['dry', 'dry run', 840, undefined],
      ['skip', 'skipped: the family was being rotated', 840, undefined],
      ['skip-before', 'skipped: the family was being rotated', 840, undefined],
      ['ami-0dis', 'image is disabled', undefined, undefined],
    ]);
    expect(rows[4]?.status).toBe('image disabled');
  });

  it('reads an image without the tags of a finished rotation by what EC2 says of it, and a family-less execution as the default one', () => {
    const bare: ManagedImage = { ...image('ami-0bare', '2026-11-02T02:00:00Z'), tags: { 'ami-rotator:managed': 'true' } };
    const rows = buildHistory([execution('plain', '2026-11-22T02:00:00Z', { family: undefined })], [bare], { since: SINCE });

    expect(rows.map((r) => [r.family, r.status, r.started, r.execution])).toEqual([
      ['(default family)', 'SUCCEEDED', '2026-11-22T02:00:00.000Z', 'plain'],
      ['(default family)', 'image available', '2026-11-02T02:00:00.000Z', undefined],
    ]);
  });

  it('shows an image a failed rotation kept as that rotation’s image, and no step for one that timed out', () => {
    const rows = buildHistory(
      [
        execution('bad', '2026-11-22T02:00:00Z', { status: 'FAILED', error: 'BootTestFailed', cause: '[alerted] CheckBoot: x' }),
        execution('slow', '2026-11-21T02:00:00Z', { status: 'TIMED_OUT', cause: 'CheckImage: still pending' }),
      ],
      [
        image('ami-0other', '2026-11-20T02:00:04Z', { 'ami-rotator:execution': `${ARN}:slow-not` }),
        image('ami-0kept', '2026-11-22T02:00:04Z', { 'ami-rotator:execution': `${ARN}:bad`, 'ami-rotator:status': 'boot-test-failed' }),
      ],
      { since: SINCE },
    );

    expect(rows.map((r) => [r.execution, r.imageId, r.imageName, r.failedStep])).toEqual([
      ['bad', 'ami-0kept', 'web-2026-11-22', 'CheckBoot'],
      ['slow', undefined, undefined, undefined],
      ['slow-not', 'ami-0other', 'web-2026-11-20', undefined],
    ]);
  });

  it('renders a table with a line saying where the rows came from', () => {
    const text = renderHistory(buildHistory([execution('a', '2026-11-21T02:00:00Z')], [], { since: SINCE }), SINCE);

    expect(text.split('\n')[1]).toMatch(/^2026-11-21 02:00 {2}web +SUCCEEDED +14m +- +- +- +step-functions$/);
    expect(text).toContain('1 rotation(s) since 2026-01-01: 1 from Step Functions');
    expect(renderHistory([], SINCE)).toContain('No rotations since 2026-01-01T00:00:00.000Z.');
  });

  it('writes long runs in hours, the error of a failure without a step, and a row’s note beside its status', () => {
    const rows = buildHistory(
      [
        execution('undelivered', '2026-11-22T02:00:00Z', {
          status: 'FAILED',
          error: 'AlertNotDelivered',
          cause: 'SNS refused',
          stopDate: new Date('2026-11-22T03:05:00Z'),
        }),
        execution('dry', '2026-11-21T02:00:00Z', { dryRun: true, output: { image: null }, stopDate: undefined }),
      ],
      [],
      { since: SINCE },
    );

    expect(renderHistory(rows, SINCE).split('\n').slice(0, 3)).toEqual([
      'STARTED (UTC)     FAMILY  STATUS               TOOK   IMAGE  PRUNED  FAILED AT          SOURCE',
      '2026-11-22 02:00  web     FAILED               1h05m  -      -       AlertNotDelivered  step-functions',
      '2026-11-21 02:00  web     SUCCEEDED (dry run)  -      -      -       -                  step-functions',
    ]);
  });
});

describe('the status of a stage', () => {
  const NOW = new Date('2026-11-23T20:00:00Z');
  const schedules: ScheduleInfo[] = [
    { name: 'ami-rotator-prod-web', family: 'web', expression: 'cron(0 2 * * ? *)', timezone: 'UTC', state: 'ENABLED' },
    { name: 'ami-rotator-prod-db', family: 'db', expression: 'cron(0 3 * * ? *)', timezone: 'UTC', state: 'ENABLED' },
  ];
  const alarms: AlarmInfo[] = [
    { name: 'ami-rotator-prod-freshness-db', reason: 'no image', since: undefined },
    { name: 'ami-rotator-prod-alert-delivery', reason: 'failed', since: undefined },
  ];
  const status = (executions: ExecutionRecord[], images: ManagedImage[], family?: string) =>
    buildStatus({
      stage: 'prod',
      family,
      now: NOW,
      since: new Date('2026-10-24T20:00:00Z'),
      images,
      executions,
      schedules: { value: schedules },
      alarms: { value: alarms },
    });

  it('names every family that has an image, a schedule or an execution, each with its own alarms', () => {
    const shown = status([execution('x', '2026-11-22T02:00:00Z', { family: 'api' })], [image('ami-0a', '2026-11-23T02:00:00Z')]);

    expect(shown.families.map((f) => f.family)).toEqual(['api', 'db', 'web']);
    expect(shown.families.find((f) => f.family === 'db')?.alarms.map((a) => a.name)).toEqual(['ami-rotator-prod-freshness-db']);
    expect(shown.stageAlarms.map((a) => a.name)).toEqual(['ami-rotator-prod-alert-delivery']);
    expect(shown.families.find((f) => f.family === 'web')?.schedule?.next).toBe('2026-11-24T02:00:00.000Z');
    expect(renderStatus(shown).split('\n').slice(-2)).toEqual(['stage alarms in ALARM:', '  ami-rotator-prod-alert-delivery: failed']);
  });

  it('takes the newest available image, and says when the published parameter names an older one', () => {
    const published = {
      parameter: { name: '/golden/web', imageId: 'ami-0old' },
      launchTemplates: [{ template: 'lt-1', version: 7, isDefault: true }],
    };
    const shown = status(
      [
        // NothingToPublish: a rotation that published nothing leaves the last publisher's parameter as it was.
        execution('later', '2026-11-23T02:00:00Z', {
          output: { image: { imageId: 'ami-0new' }, published: { parameter: null, launchTemplates: [] } },
        }),
        execution('earlier', '2026-11-22T02:00:00Z', { output: { image: { imageId: 'ami-0old' }, published } }),
        execution('failed', '2026-11-21T02:00:00Z', { status: 'TIMED_OUT' }),
      ],
      [
        image('ami-0new', '2026-11-23T02:00:00Z'),
        image('ami-0old', '2026-11-22T02:00:00Z'),
        image('ami-0dis', '2026-11-23T10:00:00Z', {}, 'disabled'),
      ],
      'web',
    );
    const web = shown.families[0];

    expect(web).toMatchObject({
      newest: { imageId: 'ami-0new', ageHours: 18 },
      images: 3,
      published: { parameter: published.parameter, launchTemplates: published.launchTemplates, by: 'earlier' },
      publishedIsStale: true,
      lastSuccess: { execution: 'later' },
      lastFailure: { execution: 'failed', status: 'TIMED_OUT' },
    });
    expect(renderStatus(shown)).toContain(
      '  published      /golden/web = ami-0old, lt-1 version 7 (default) (by earlier, 2026-11-22 02:14 UTC); NOT the newest image',
    );
  });

  it('says with whom the newest image was shared, even by a rotation that published nothing else', () => {
    const output = { image: { imageId: 'ami-0new' }, published: { parameter: null, launchTemplates: [], sharedWith: ['111122223333'] } };
    const shown = status([execution('shared', '2026-11-23T02:00:00Z', { output })], [image('ami-0new', '2026-11-23T02:00:00Z')], 'web');

    expect(shown.families[0]?.published?.sharedWith).toEqual(['111122223333']);
    expect(renderStatus(shown)).toContain('  published      shared with 111122223333 (by shared,');
  });

  it("shows each region's copy and what it published there, from the last rotation that copied", () => {
    const copied = {
      image: { imageId: 'ami-0src' },
      distribution: {
        regions: [
          {
            region: 'eu-west-1',
            outcome: 'done',
            imageId: 'ami-0eu',
            published: { parameter: { name: '/golden/web', imageId: 'ami-0eu' }, launchTemplates: [] },
          },
          { region: 'ap-southeast-2', outcome: 'done', imageId: 'ami-0ap', published: { parameter: null, launchTemplates: [] } },
        ],
      },
    };
    const shown = status(
      [
        execution('nocopy', '2026-11-23T02:00:00Z', { output: { image: { imageId: 'ami-0x' } } }),
        execution('copied', '2026-11-22T02:00:00Z', { output: copied }),
      ],
      [image('ami-0src', '2026-11-22T02:00:00Z')],
      'web',
    );

    expect(shown.families[0]?.regions).toEqual([
      { region: 'eu-west-1', imageId: 'ami-0eu', published: '/golden/web = ami-0eu', by: 'copied' },
      { region: 'ap-southeast-2', imageId: 'ami-0ap', published: 'nothing', by: 'copied' },
    ]);
    expect(renderStatus(shown)).toContain('  in eu-west-1   ami-0eu; published /golden/web = ami-0eu (by copied)');
  });

  it('says what could not be read', () => {
    const shown = buildStatus({
      stage: 'prod',
      family: 'web',
      now: NOW,
      since: new Date('2026-10-24T20:00:00Z'),
      images: [],
      executions: [],
      schedules: { unreadable: 'AccessDeniedException: no' },
      alarms: { value: [] },
    });

    expect(shown.unreadable).toEqual(['schedules (EventBridge Scheduler): AccessDeniedException: no']);
    expect(renderStatus(shown)).toContain('  next run       no schedule (started by hand or by events)');
    expect(renderStatus(shown)).toContain('  last failure   none in the last 30 days');
  });
});
