/**
 * Exactly one alert per failed execution, counted across every path: what the state machine publishes
 * itself, plus what the packaged stack's EventBridge rules would publish for the execution's status-change
 * event (matched as EventBridge matches, test/support/event-pattern.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Ec2Emulator } from '../../emulator/server.ts';
import { type LocalRunResult, runRotationLocally } from '../../local/workflow.ts';
import { matchesPattern } from '../support/event-pattern.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';
import type { Template } from './package.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const LOCAL_STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-local';

/** The "Step Functions Execution Status Change" event of a finished execution (Step Functions User Guide, EventBridge events). */
const statusChange = (status: string, run: Partial<LocalRunResult>, rawInput: unknown): Json => ({
  version: '0',
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  account: '123456789012',
  region: 'us-east-1',
  detail: {
    executionArn: run.executionArn ?? `${LOCAL_STATE_MACHINE}:x`,
    stateMachineArn: LOCAL_STATE_MACHINE,
    name: 'x',
    status,
    input: JSON.stringify(rawInput),
    error: run.error ?? null,
    cause: run.cause ?? null,
  },
});

/** The rules' patterns, with this stack's state machine resolved to the local run's. */
const rulePatterns = (template: Template): Record<string, Json> =>
  Object.fromEntries(
    Object.entries(template.Resources)
      // A schedule (SweepWaits's) has no pattern: it matches no event.
      .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern !== undefined)
      .map(([id, r]) => [
        id,
        JSON.parse(JSON.stringify(r.Properties.EventPattern).replace('{"Ref":"RotateAmiStateMachine"}', `"${LOCAL_STATE_MACHINE}"`)),
      ]),
  );

export const describeAlertRules = (template: () => Template, emulator: () => Ec2Emulator) =>
  describe('one alert per failed execution, whichever path sends it', () => {
    const rulesMatching = (event: Json) =>
      Object.entries(rulePatterns(template()))
        .filter(([, pattern]) => matchesPattern(event, pattern))
        .map(([id]) => id);
    const alertPaths = (run: LocalRunResult, rawInput: unknown) => ({
      stateMachine: run.alerts.map((a) => a.state),
      rules: rulesMatching(statusChange(run.status, run, rawInput)),
    });

    it("matches as EventBridge does on the guide's own cases", () => {
      expect(matchesPattern({ detail: { cause: 'x' } }, { detail: { cause: [{ 'anything-but': { prefix: '[a]' } }] } })).toBe(true);
      expect(matchesPattern({ detail: { cause: '[a] x' } }, { detail: { cause: [{ 'anything-but': { prefix: '[a]' } }] } })).toBe(false);
      expect(matchesPattern({ detail: {} }, { detail: { cause: [{ exists: false }] } })).toBe(true);
      expect(matchesPattern({ detail: { cause: null } }, { detail: { cause: [null] } })).toBe(true);
      expect(matchesPattern({ detail: { status: 'FAILED' } }, { detail: { status: ['TIMED_OUT'] } })).toBe(false);
    });

    it.each([
      ['null', null],
      ['an empty string', ''],
    ])('sends one alert, from the unalerted-failure rule, for an input of %s (States.Runtime: no Catch sees it)', async (_, raw) => {
      const run = await runRotationLocally({ input: raw });

      expect(run).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      expect(alertPaths(run, raw)).toEqual({ stateMachine: [], rules: ['UnalertedFailureRule'] });
    });

    it('sends one alert, from the state machine, for a failure it caught', async () => {
      const raw = input({ family: 'bad name' });
      const run = await runRotationLocally({ input: raw });

      expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
      expect(alertPaths(run, raw)).toEqual({ stateMachine: ['NotifyFailure'], rules: [] });
    });

    it('ends with AlertNotDelivered, the alert text in its cause, and one alert from the rule, when SNS refuses the alert', async () => {
      seedInstance(emulator());
      emulator().injectFaults({ imageFates: [{ nameContains: FAMILY, fate: 'failed' }] });
      const raw = input();
      const run = await runRotationLocally({
        input: raw,
        interceptInvoke: async (name, invoke) => {
          if (name === 'sns:publish') throw Object.assign(new Error('KMS key disabled'), { name: 'SNS.KMSDisabledException' });
          return invoke();
        },
      });

      expect(run).toMatchObject({ status: 'FAILED', error: 'AlertNotDelivered' });
      expect(run.cause).toContain('SNS.KMSDisabledException');
      expect(run.cause).toContain(`Subject: ami-rotator: ${FAMILY} failed at CheckImage: ImageCreationFailed`);
      expect(run.cause).toContain('What to do: EC2 could not finish the image');
      expect(alertPaths(run, raw)).toEqual({ stateMachine: [], rules: ['UnalertedFailureRule'] });
    });

    it('fails a good rotation with AlertNotDelivered when its prune alert cannot be sent, so the rule still tells someone', async () => {
      seedInstance(emulator());
      const raw = input();
      const run = await runRotationLocally({
        input: raw,
        interceptInvoke: async (name, invoke) => {
          if (name === 'prune-images') throw Object.assign(new Error('denied'), { name: 'Ec2AccessDenied' });
          if (name === 'sns:publish') throw Object.assign(new Error('throttled'), { name: 'SNS.ThrottledException' });
          return invoke();
        },
      });

      expect(run).toMatchObject({ status: 'FAILED', error: 'AlertNotDelivered' });
      expect(run.cause).toContain(`Subject: ami-rotator: ${FAMILY} rotated, prune failed`);
      expect(alertPaths(run, raw).rules).toEqual(['UnalertedFailureRule']);
    });

    it('sends nothing for a rotation that succeeded', async () => {
      seedInstance(emulator());
      const raw = input();
      const run = await runRotationLocally({ input: raw });

      expect(run.status).toBe('SUCCEEDED');
      expect(alertPaths(run, raw)).toEqual({ stateMachine: [], rules: [] });
    });

    it.each(['TIMED_OUT', 'ABORTED'])('sends one alert, from the execution-ended rule, for an execution %s', (status) => {
      expect(rulesMatching(statusChange(status, {}, input()))).toEqual(['ExecutionEndedRule']);
    });
  });
