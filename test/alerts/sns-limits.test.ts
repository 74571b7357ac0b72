import { describe, expect, it } from 'vitest';
import { loadDefinition } from '../../local/workflow.ts';
import { describeFailure, describePruneFailures } from '../../src/alerts/failure-alert.ts';
import { MAX_MESSAGE_BYTES, MAX_SUBJECT_CHARS, toSubject } from '../../src/alerts/sns-limits.ts';
import { emptyProgress, pruneAlert } from '../../src/retention/report.ts';

const execution = {
  id: 'arn:aws:states:eu-west-1:123456789012:execution:rotate:nightly-1',
  name: 'nightly-1',
  startTime: '2026-11-23T02:00:00Z',
};
/** The longest family the input contract accepts (63 characters). */
const LONGEST_FAMILY = `f${'x'.repeat(62)}`;
const STEPS = ['ValidateInput', 'PlanRetention', 'CreateImage', 'CheckImage', 'TagImage', 'PruneImages'];
const ERRORS = [
  'InstanceNotOptedIn',
  'StepFunctionsUnavailable',
  'Lambda.TooManyRequestsException',
  'ImageCreationTimedOut',
  'States.Timeout',
];
/** What SNS accepts as a subject (Amazon SNS API Reference, Publish). */
const SNS_SUBJECT = /^[\x20-\x7e]{1,99}$/;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const failure = (cause: string) =>
  describeFailure(
    {
      step: 'CreateImage',
      error: { Error: 'Ec2RequestError', Cause: JSON.stringify({ errorMessage: cause }) },
      input: { family: 'web-prod' },
    },
    execution,
  );

describe('alerts inside what SNS accepts', () => {
  it('keeps every failure subject under 100 printable characters for the longest family, step and error', () => {
    const subjects = STEPS.flatMap((failedStep) =>
      ERRORS.map(
        (name) => describeFailure({ step: failedStep, error: { Error: name }, request: { family: LONGEST_FAMILY } }, execution).subject,
      ),
    );

    expect(subjects.filter((s) => !SNS_SUBJECT.test(s))).toEqual([]);
    expect(Math.max(...subjects.map((s) => s.length))).toBe(MAX_SUBJECT_CHARS);
  });

  it('writes a subject on one printable line, with no trailing space where it was cut', () => {
    expect(toSubject(`${'a'.repeat(98)} tail`)).toBe('a'.repeat(98));
    expect(toSubject('ami-rotator: fails\nat\tnight é')).toBe('ami-rotator: fails?at?night ?');
  });

  it('keeps the prune alert subjects under 100 characters, the state machine one included', async () => {
    const definition = (await loadDefinition()) as {
      States: Record<string, { ItemProcessor?: { States: Record<string, { Parameters?: { pruneAlert?: Record<string, string> } }> } }>;
    };
    const format = definition.States.DistributeImage?.ItemProcessor?.States.PruneFailed?.Parameters?.pruneAlert?.['subject.$'] ?? '';
    const stepFailed = /States\.Format\('([^']*)'/.exec(format)?.[1]?.replace('{}', LONGEST_FAMILY).replace('{}', 'ap-southeast-2') ?? '';
    const failures = Array(9999).fill({ resource: 'ami-1', reason: 'x' });
    const empty = emptyProgress('p', false);
    const leftBehind = pruneAlert(LONGEST_FAMILY, { ...empty, done: true, iteration: 1, failures }, 'ami-2').subject;
    const stopped = pruneAlert(
      LONGEST_FAMILY,
      { ...empty, done: false, iteration: 50, failures, totals: { ...empty.totals, expired: 99_999 } },
      'ami-2',
    ).subject;

    const regions = ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1'].map((region) => ({
      region,
      outcome: 'done' as const,
      pruneIncomplete: true,
      pruneAlert: { subject: leftBehind, message: 'x'.repeat(5000) },
    }));
    const everyRegion = describePruneFailures(LONGEST_FAMILY, regions);

    expect(stepFailed).toContain(LONGEST_FAMILY);
    expect([stepFailed, leftBehind, stopped, everyRegion.subject].filter((s) => !SNS_SUBJECT.test(s))).toEqual([]);
    expect(Buffer.byteLength(everyRegion.message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it('leaves a message that fits as it is, to the byte', () => {
    const base = failure('');
    const room = MAX_MESSAGE_BYTES - bytes(base.message);

    const exact = failure('x'.repeat(room)).message;
    const over = failure('x'.repeat(room + 1)).message;

    expect(bytes(exact)).toBe(MAX_MESSAGE_BYTES);
    expect(exact).not.toContain('more characters');
    expect(over).toMatch(/\[\.\.\. \d+ more characters; the whole cause is in the execution history\]/);
    expect(bytes(over)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const [, kept = '', dropped = ''] = /Cause: +(x*) \[\.\.\. (\d+) more/.exec(over) ?? [];
    expect(kept.length + Number(dropped)).toBe(room + 1);
    // As much of the cause as fits is kept: the note takes the place of what was cut, no more.
    expect(bytes(over)).toBeGreaterThan(MAX_MESSAGE_BYTES - 4);
  });

  it('cuts a huge cause, never what to do, and stays within the cap in bytes', () => {
    const alert = failure('ü🙂'.repeat(100_000));

    expect(bytes(alert.message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(bytes(alert.message)).toBeGreaterThan(MAX_MESSAGE_BYTES - 4);
    expect(alert.message).toMatch(/more characters; the whole cause is in the execution history\]\n/);
    expect(alert.message.split('\n').at(-1)).toMatch(/^What to do: EC2 refused a call/);
    expect(alert.message.isWellFormed()).toBe(true);
  });

  it('cuts a long list of prune failures, never what to do', () => {
    const failures = Array.from({ length: 50 }, (_, n) => ({ resource: `ami-${n}`, reason: `refused: ${'r'.repeat(900)}` }));

    const { message } = pruneAlert('web-prod', { ...emptyProgress('p', false), done: true, iteration: 1, failures }, 'ami-2');

    expect(bytes(message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(message).toContain("the whole list is in the prune step's output");
    expect(message).toContain('What to do: read each reason.');
  });
});
