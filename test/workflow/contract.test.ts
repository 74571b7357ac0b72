import { describe, expect, it } from 'vitest';
import { allStates, loadDefinitions } from '../../local/workflow.ts';
import * as errors from '../../src/errors.ts';
import {
  ALERTED_PREFIX,
  consumerReportsOf,
  ERROR,
  failedPath,
  failureOf,
  formatCause,
  isSkipped,
  isTransient,
  packFailure,
  RAISED_BY_WORKFLOW,
  RETRIED_ON_LAMBDA_TASKS,
  regionItems,
  STEP,
  sourcePruneOf,
  stepOfCause,
  TRANSIENT_ERRORS,
} from '../../src/workflow/contract.ts';

type State = {
  Type: string;
  Resource?: unknown;
  Parameters?: Record<string, unknown>;
  Result?: unknown;
  Error?: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
};

/** Where a Catch may note a failure that is not the step's own (a clean-up, an alert or an event that failed after it). */
const NOTES = [
  '$.cleanupError',
  '$.bootTestCleanupError',
  '$.describeError',
  '$.notifyError',
  '$.announceError',
  '$.pruneError',
  '$.markError',
];
/** Not failures: how a callback wait ended without its event (its deadline, or a wait that fell back to polling). */
const WAIT_OUTCOMES = ['$.awaited'];
/** Error names of the platform, not ours: Step Functions' own and Lambda's. */
const isPlatform = (name: string) => /^(States|Lambda|Sandbox)\./.test(name);
const isLambda = (s: State) => JSON.stringify(s.Resource ?? '').includes('LambdaFunction');

describe('the failure contract', async () => {
  const definitions = (await loadDefinitions()) as Record<string, { States: Record<string, State> }>;
  // A Map's states too: each is a state of the machine, with the same contract.
  const states = Object.values(definitions).flatMap((d) => allStates(d));
  const lambdaTasks = states.filter(([, s]) => s.Type === 'Task' && isLambda(s));

  it('names every error the state machine files match, raise or end with', () => {
    const used = new Set<string>();
    for (const [, s] of states) {
      for (const r of [...(s.Retry ?? []), ...(s.Catch ?? [])]) for (const e of r.ErrorEquals) used.add(e);
      const raised = (s.Result as { Error?: string } | undefined)?.Error ?? s.Parameters?.Error;
      if (typeof raised === 'string') used.add(raised);
      if (s.Error) used.add(s.Error);
    }

    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((e) => !isPlatform(e) && !(Object.values(ERROR) as string[]).includes(e))).toEqual([]);
  });

  it('retries exactly the transient errors on every Lambda task, in the contract order', () => {
    expect(lambdaTasks.length).toBeGreaterThan(15);
    for (const [name, s] of lambdaTasks) expect([name, s.Retry?.map((r) => r.ErrorEquals)]).toEqual([name, [RETRIED_ON_LAMBDA_TASKS]]);
  });

  it('files every caught failure under the state that failed, or notes a failure after it', () => {
    const wrong = states.flatMap(([name, s]) =>
      (s.Catch ?? [])
        .filter(
          (c) =>
            c.ResultPath !== undefined &&
            c.ResultPath !== failedPath(name) &&
            !NOTES.includes(c.ResultPath) &&
            !WAIT_OUTCOMES.includes(c.ResultPath),
        )
        .map((c) => `${name} → ${c.ResultPath}`),
    );

    expect(wrong).toEqual([]);
  });

  it('has each Lambda task tell its handler its own state name, one the contract knows', () => {
    expect(lambdaTasks.map(([name, s]) => [name, s.Parameters?.step])).toEqual(lambdaTasks.map(([name]) => [name, name]));
    expect(lambdaTasks.map(([name]) => name).filter((name) => !(Object.values(STEP) as string[]).includes(name))).toEqual([]);
  });

  it('raises its own errors under the step the contract says', async () => {
    const raised = states.flatMap(([, s]) => {
      if (s.Type !== 'Pass') return [];
      const error = (s.Result as { Error?: string } | undefined)?.Error ?? s.Parameters?.Error;
      const path = (s as { ResultPath?: string }).ResultPath;
      // The boot test's verdict is the error its check returns (BootTestFailed or ImageHoldsCredentials).
      if (s.Parameters?.['Error.$'] === '$.bootTest.verdict')
        return (['BootTestFailed', 'ImageHoldsCredentials'] as const).map((verdict) => [verdict, path]);
      return typeof error === 'string' ? [[error, path]] : [];
    });
    // A night whose regions failed, or whose consumers were not all updated, goes to DescribeFailure with its regions' outcomes.
    const fromRegions = [{ anyFailed: true }, { consumersFailed: true }].map((distribution) => {
      const failure = failureOf({ distribution });
      return [failure.error.Error, failedPath(failure.step)];
    });

    expect(Object.fromEntries([...raised, ...fromRegions])).toEqual(
      Object.fromEntries(Object.entries(RAISED_BY_WORKFLOW).map(([error, step]) => [error, failedPath(step)])),
    );
  });

  it('gives every error class of the code a contract name, transient exactly when the contract says', () => {
    const classes = Object.values(errors).filter((c) => c !== errors.RotatorError) as unknown as (new (
      problems: string[],
    ) => errors.RotatorError)[];
    const made = classes.map((C) => new C([]));

    expect(made.length).toBeGreaterThan(15);
    for (const error of made) {
      expect(Object.values(ERROR)).toContain(error.name);
      expect([error.name, error.transient]).toEqual([error.name, TRANSIENT_ERRORS.includes(error.name as never)]);
    }
    expect(isTransient(ERROR.InvalidInput)).toBe(false);
  });

  it('marks the final cause of an alerted failure the way the unalerted-failure rule reads it', () => {
    const marked = JSON.stringify(definitions['rotate-ami']?.States.MarkFailureAlerted);

    expect(marked).toContain(`States.Format('${ALERTED_PREFIX}{}'`);
    expect(stepOfCause(`${ALERTED_PREFIX}${formatCause('CheckImage', 'image ami-1: no: a b')}`)).toBe('CheckImage');
    expect(stepOfCause(formatCause('ValidateInput', 'family: expected text'))).toBe('ValidateInput');
    expect(stepOfCause('plain words without a step')).toBeUndefined();
  });

  it("reads a child workflow's failure through its DescribeExecution answer: the child's step, error and facts", () => {
    const packed = packFailure({
      failed: { TagImage: { Error: 'Ec2AccessDenied', Cause: `{"errorMessage":"no","pad":"${'x'.repeat(9000)}"}` } },
      request: { family: 'web-prod', instanceId: 'i-1' },
      image: { imageId: 'ami-1' },
      cleanup: { deregistered: true, deletedSnapshots: ['snap-1'] },
    });
    const caught = {
      Error: 'States.TaskFailed',
      Cause: JSON.stringify({ ExecutionArn: 'arn:child', Status: 'FAILED', Error: packed.error, Cause: packed.cause }),
    };

    const failure = failureOf({ failed: { ImageInSourceRegion: caught }, request: { family: 'web-prod' } });

    expect(packed.cause.length).toBeLessThan(32_768);
    expect(failure).toMatchObject({
      step: 'TagImage',
      path: ['ImageInSourceRegion', 'TagImage'],
      error: { Error: 'Ec2AccessDenied' },
      image: { imageId: 'ami-1' },
      cleanup: { deregistered: true },
    });
  });

  it("keeps the child's own error when the child ended without filing its failure", () => {
    const caught = { Error: 'States.TaskFailed', Cause: JSON.stringify({ Status: 'FAILED', Error: 'States.Runtime', Cause: 'bad path' }) };

    expect(failureOf({ failed: { ImageInSourceRegion: caught } })).toMatchObject({
      step: 'ImageInSourceRegion',
      error: { Error: 'States.Runtime', Cause: 'bad path' },
    });
  });

  it("reads a child only from a child failure: another error whose cause looks like one is the step's own", () => {
    const lookalike = {
      Error: 'Ec2AccessDenied',
      Cause: JSON.stringify({ Error: 'X', Cause: JSON.stringify({ failed: { TagImage: {} } }) }),
    };
    const unreadable = { Error: 'States.TaskFailed', Cause: 'not JSON' };
    const listed = { Error: 'States.TaskFailed', Cause: '["Error"]' };

    expect(failureOf({ failed: { CheckImage: lookalike } })).toMatchObject({ step: 'CheckImage', error: lookalike });
    expect(failureOf({ failed: { ImageInSourceRegion: unreadable } })).toMatchObject({ step: 'ImageInSourceRegion', error: unreadable });
    expect(failureOf({ failed: { ImageInSourceRegion: listed } })).toMatchObject({ step: 'ImageInSourceRegion', error: listed });
    expect(failureOf({})).toMatchObject({ step: 'an unknown step', path: ['an unknown step'], error: {} });
  });

  it('packs a child failure with its facts only, each caught cause cut to 4,000 characters', () => {
    const long = 'y'.repeat(5000);
    const packed = packFailure({
      failed: { CheckBoot: { Error: 'BootTestFailed', Cause: long } },
      request: { family: 'web-prod', instanceId: 'i-1' },
      bootTest: { instanceId: 'i-2' },
      cleanupError: { Error: 'Ec2Throttled', Cause: long },
      bootTestCleanupError: { Error: 'Ec2Unavailable' },
    });
    const facts = JSON.parse(packed.cause);

    expect(packed.error).toBe('BootTestFailed');
    expect(facts).toEqual({
      failed: { CheckBoot: { Error: 'BootTestFailed', Cause: 'y'.repeat(4000) } },
      request: { family: 'web-prod', instanceId: 'i-1' },
      bootTest: { instanceId: 'i-2' },
      cleanupError: { Error: 'Ec2Throttled', Cause: 'y'.repeat(4000) },
      bootTestCleanupError: { Error: 'Ec2Unavailable' },
    });
    const prepared = packFailure({
      failed: { CheckPreparing: { Error: 'PrepareFailed' } },
      prepare: {
        results: [{ label: 'patch', status: 'Success', document: 'AWS-RunPatchBaseline', output: 'x'.repeat(900) } as never],
        rebooted: true,
      },
    });
    expect(JSON.parse(prepared.cause).prepare).toEqual({ results: [{ label: 'patch', status: 'Success' }], rebooted: true });
    expect(JSON.parse(packFailure({ prepare: {} }).cause).prepare).toEqual({ results: [], rebooted: false });
    expect(packFailure({}).error).toBe('UnknownError');
    expect(JSON.parse(packFailure({}).cause)).toEqual({ failed: { 'an unknown step': {} } });
  });

  it("tells a skipped rotation by its output, in this contract's words and in the ones before it", () => {
    expect(isSkipped({ failed: { CreateImage: { Error: 'RotationInProgress' } } })).toBe(true);
    expect(isSkipped({ error: { Error: 'RotationInProgress' } })).toBe(true);
    expect(isSkipped({ failed: { CreateImage: { Error: 'Ec2Throttled' } } })).toBe(false);
    expect(isSkipped({ image: { imageId: 'ami-1' } })).toBe(false);
    expect(isSkipped(null)).toBe(false);
    expect(isSkipped('RotationInProgress')).toBe(false);
    expect(stepOfCause(undefined)).toBeUndefined();
  });
});

describe("the rotation's regions, as the state machine walks them and its output tells them", () => {
  const ARN = 'arn:aws:states:eu-central-1:111122223333:execution:ami-rotator-prod:nightly';

  it('lists the source region first, from the execution ARN, then each copy region with its settings', () => {
    const targets = [{ region: 'eu-west-1', kmsKeyId: 'k' }, { region: 'us-east-2' }];

    expect(regionItems(ARN, targets)).toEqual([
      { region: 'eu-central-1', source: true, target: { region: 'eu-central-1' } },
      { region: 'eu-west-1', source: false, target: targets[0] },
      { region: 'us-east-2', source: false, target: targets[1] },
    ]);
    expect(regionItems('no-arn', [])).toEqual([{ region: '', source: true, target: { region: '' } }]);
  });

  it("reads the source region's prune from its iteration, or from the top of an earlier version's output", () => {
    const prune = { totals: { deleted: 2 } };
    const copyPrune = { totals: { deleted: 9 } };

    expect(
      sourcePruneOf({
        distribution: {
          regions: [
            { region: 'eu-west-1', prune: copyPrune },
            { source: true, prune },
          ],
        },
      }),
    ).toBe(prune);
    expect(sourcePruneOf({ prune, distribution: { regions: [{ source: true, prune: copyPrune }] } })).toBe(prune);
    expect(sourcePruneOf({ distribution: { regions: [{ source: false, prune: copyPrune }] } })).toBeUndefined();
    expect(sourcePruneOf({ distribution: { regions: [{ source: true, prune: null }] } })).toBeUndefined();
    expect(sourcePruneOf({ prune: 'x', distribution: { regions: 'x' } })).toBeUndefined();
    expect(sourcePruneOf(null)).toBeUndefined();
    expect(sourcePruneOf('prune')).toBeUndefined();
  });

  it("reads every region's consumers once the regions are walked, else the source region's own", () => {
    const report = (region: string) => ({ region, parameter: '/p', imageId: 'ami-1', outcomes: [{ account: '1', status: 'failed' }] });
    const source = report('eu-central-1');

    expect(
      consumerReportsOf({
        published: { consumers: source },
        distribution: {
          regions: [
            { region: 'eu-central-1', outcome: 'done', published: { consumers: source } },
            { region: 'eu-west-1', outcome: 'done', published: null },
            { region: 'us-east-2', outcome: 'done', published: { consumers: report('us-east-2') } },
          ],
        },
      }).map((r: { region: string }) => r.region),
    ).toEqual(['eu-central-1', 'us-east-2']);
    expect(consumerReportsOf({ published: { consumers: source } })).toEqual([source]);
    expect(consumerReportsOf({ published: { consumers: { region: 'x' } } })).toEqual([]);
    expect(consumerReportsOf(null)).toEqual([]);
  });

  it('files a failed region before consumers not updated, each with the cause the alert starts from', () => {
    const both = failureOf({ distribution: { anyFailed: true, consumersFailed: true } });
    const consumers = failureOf({ distribution: { consumersFailed: true } });

    expect(both.error).toEqual({ Error: 'DistributionFailed', Cause: 'A copy to another region failed; the alert names each region.' });
    expect(consumers.error).toEqual({
      Error: 'ConsumersNotUpdated',
      Cause: 'Some consumer accounts did not get the new image; the alert names each.',
    });
  });
});
