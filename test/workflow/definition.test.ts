import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { allStates, functionFileOf, loadDefinition, loadDefinitions } from '../../local/workflow.ts';
import { MAX_WAIT_MINUTES } from '../../src/config.ts';
import { MAX_PRUNE_PASSES } from '../../src/retention/step.ts';

type State = {
  Type: string;
  Resource?: unknown;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: unknown[];
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
};

const isLambda = (s: State) => typeof s.Resource === 'object' && s.Resource !== null && 'Fn::GetAtt' in s.Resource;
/** An alert's publish (a callback task's request on the topic is a step like any other: its failure is alerted). */
const isPublish = (s: State) => JSON.stringify(s.Resource ?? '').includes(':states:::sns:publish"');
/** The service integrations (SNS, EventBridge): their errors are the service's, any of which a retry may clear. */
const isIntegration = (s: State) => isPublish(s) || JSON.stringify(s.Resource ?? '').includes(':states:::events:putEvents');

describe('the state machine files', async () => {
  const definition = (await loadDefinition()) as { States: Record<string, State> };
  const definitions = (await loadDefinitions()) as Record<string, { StartAt: string; States: Record<string, State> }>;
  // Every state of every file, a Map's included: their names are distinct.
  const states = Object.values(definitions).flatMap((d) => allStates(d));
  const stateOf = (name: string) => states.find(([n]) => n === name)?.[1] as State;

  it.each(states.filter(([, s]) => isLambda(s)).map(([name, s]) => [name, (s.Resource as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]))(
    '%s runs a handler that exists (%s)',
    async (_state, logicalId) => {
      await expect(access(`functions/${functionFileOf(logicalId)}.ts`)).resolves.toBeUndefined();
    },
  );

  it('catches every failure of every Lambda task, so each failure reaches the alert', () => {
    const lambdaTasks = states.filter(([, s]) => s.Type === 'Task' && isLambda(s));

    expect(lambdaTasks.filter(([, s]) => !s.Catch?.length).map(([name]) => name)).toEqual([]);
  });

  it('never retries InvalidInput or any error a retry cannot fix', () => {
    const retried = new Set(states.flatMap(([, s]) => s.Retry ?? []).flatMap((r) => r.ErrorEquals));

    expect(
      [...retried].filter(
        (e) =>
          !['Ec2Throttled', 'Ec2Unavailable', 'StepFunctionsUnavailable', 'Sandbox.Timedout', 'States.ALL'].includes(e) &&
          !e.startsWith('Lambda.'),
      ),
    ).toEqual([]);
    const retryAnything = states.filter(([, s]) => s.Retry?.some((r) => r.ErrorEquals.includes('States.ALL')));
    expect(retryAnything.length).toBeGreaterThan(0);
    expect(retryAnything.filter(([, s]) => !isIntegration(s)).map(([name]) => name)).toEqual([]);
  });

  it('catches every alert that cannot be published, ending with AlertNotDelivered (no "[alerted] " cause), never silently', () => {
    const notify = states.filter(([, s]) => isPublish(s));
    const failsTo = (s: State) =>
      ((s.Catch ?? []) as { ErrorEquals: string[]; Next: string }[]).filter((c) => c.ErrorEquals.includes('States.ALL'));
    const end = (name: string): State => {
      const state = stateOf(name);
      return state.Type === 'Fail' ? state : end(state.Next ?? '');
    };

    expect(notify.map(([name]) => name).sort()).toEqual([
      'NotifyFailure',
      'NotifyPromotionFailure',
      'NotifyPruneFailures',
      'NotifyRollbackFailure',
    ]);
    for (const [, state] of notify) {
      const [caught] = failsTo(state);
      expect(end(caught?.Next ?? '')).toMatchObject({ Type: 'Fail', Error: 'AlertNotDelivered' });
    }
  });

  it('partitions every ARN it names, so it runs in China and GovCloud too', () => {
    expect(JSON.stringify(definition)).not.toMatch(/arn:aws[:-]/);
  });

  it('gives every state a name of its own across both files', () => {
    expect(new Set(states.map(([name]) => name)).size).toBe(states.length);
  });

  it('reaches every state of each file, and of each Map in it, from its start', () => {
    const next = (s: State) =>
      [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...((s.Catch ?? []) as { Next: string }[]).map((c) => c.Next)].filter(
        (n): n is string => !!n,
      );
    type Machine = { StartAt: string; States: Record<string, State> };
    const maps = states.flatMap(([, s]) => (s as { ItemProcessor?: Machine }).ItemProcessor ?? []);
    expect(maps.length).toBeGreaterThan(0);
    for (const file of [...Object.values(definitions), ...maps]) {
      const seen = new Set<string>();
      const visit = (name: string) => {
        if (seen.has(name)) return;
        seen.add(name);
        for (const n of next(file.States[name] as State)) visit(n);
      };
      visit(file.StartAt);

      expect(Object.keys(file.States).filter((name) => !seen.has(name))).toEqual([]);
    }
  });

  it('walks every region down one path: the top level has at most 25 states, and the prune and its waits exist once, in the per-region Map', () => {
    const prunes = states.filter(([, s]) => JSON.stringify(s.Resource ?? '').includes('PruneImagesLambdaFunction')).map(([name]) => name);
    const map = definition.States.DistributeImage as unknown as { ItemsPath: string; ItemProcessor: { States: Record<string, State> } };

    expect(Object.keys(definition.States).length).toBeLessThanOrEqual(25);
    expect(prunes.sort()).toEqual(['ContinuePruning', 'PlanRetention', 'PruneImages']);
    expect(Object.keys(map.ItemProcessor.States)).toEqual(
      expect.arrayContaining(['PruneImages', 'ContinuePruning', 'WaitForUsageReports']),
    );
    expect(map.ItemsPath).toBe('$.regions');
  });

  it('stops looping the prune at the same pass count the prune step alerts at', () => {
    const choice = stateOf('IsPruneDone') as unknown as { Choices: { And?: { Variable: string; NumericLessThan?: number }[] }[] };
    const cap = choice.Choices.flatMap((c) => c.And ?? []).find((c) => c.Variable === '$.prune.iteration')?.NumericLessThan;

    expect(cap).toBe(MAX_PRUNE_PASSES);
  });

  it('outlives the longest wait a deployment may set plus every prune pass, in the source region and then in the copy regions, so the clean-up and the alert always run', () => {
    const { TimeoutSeconds } = definition as unknown as { TimeoutSeconds: number };
    const pruneState = stateOf('PruneImages') as unknown as { TimeoutSeconds: number };
    const oneRegion = MAX_WAIT_MINUTES * 60 + MAX_PRUNE_PASSES * pruneState.TimeoutSeconds;

    // The copy regions run at once, after the source region's image (whose prune runs beside them): twice one region's longest, and an hour for the rest.
    expect(TimeoutSeconds).toBeGreaterThanOrEqual(2 * oneRegion + 3600);
  });
});
