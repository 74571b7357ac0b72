/**
 * Channels (docs/channels.md): a family with a candidate channel publishes each new image there; the stage's promotion
 * (statemachine/promote.asl.json), started by the candidate's AMI Rotated event, publishes it to the stable channel in
 * every region after its soak, or when a person approves through `ami-rotator approve` before the deadline. Run from
 * the files with the real handlers, every call as the role that makes it, on the emulator's clock.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicMessage } from '../../local/callback-task.ts';
import { localIam } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID, runPromotionLocally, runRollbackLocally, runRotationLocally } from '../../local/workflow.ts';
import { sfnClient } from '../../src/aws/sfn-client.ts';
import { runApproveCommand } from '../../src/cli/approve-command.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { sourcePruneOf } from '../../src/workflow/contract.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, nextSecond, seedInstance } from '../support/workflow.ts';

const STABLE = '/golden/web-prod/latest';
const CANDIDATE = '/golden/web-prod/candidate';
const REGIONS = ['us-east-1', 'eu-west-1'];
const DISTRIBUTE = { regions: [{ region: 'eu-west-1' }] };
const STARTED = Date.now();
const publishWith = (candidate: Record<string, unknown>) =>
  JSON.stringify({ parameter: STABLE, candidate: { parameter: CANDIDATE, ...candidate } });
const SETTINGS = { ROTATOR_DISTRIBUTE: JSON.stringify(DISTRIBUTE), ROTATOR_PUBLISH: publishWith({ promoteAfterHours: 24 }) };
const emulator = useEmulator({
  iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { distribute: SETTINGS.ROTATOR_DISTRIBUTE }),
  now: () => new Date(STARTED),
});
process.env.ROTATOR_LOG_LEVEL = 'silent';
beforeAll(() => {
  Object.assign(process.env, SETTINGS);
});
afterAll(() => {
  for (const name of Object.keys(SETTINGS)) delete process.env[name];
});

const MACHINE = `arn:aws:states:us-east-1:${LOCAL_ACCOUNT_ID}:stateMachine:ami-rotator-local-promote`;
const clock = () => ({ passTime: (seconds: number) => emulator().passTime(seconds), now: () => emulator().options.now() });
const tagsOf = (region: string, id: string | undefined) =>
  Object.fromEntries(
    (
      emulator()
        .storeIn(region)
        .images.get(id ?? '')?.tags ?? []
    ).map((t) => [t.key, t.value]),
  );
const channel = (name: string) => REGIONS.map((r) => emulator().storeIn(r).parameters.get(name)?.value);
const imageOf = (region: string, executionArn: string) =>
  [...emulator().storeIn(region).images.values()].find((i) => i.tags.some((t) => t.key === TAG.execution && t.value === executionArn))
    ?.imageId;

/** A night that publishes a candidate: the rotation, and the AMI Rotated event that starts its promotion. */
const candidateNight = async () => {
  await nextSecond();
  const run = await runRotationLocally({ input: input(), ...clock() });
  expect(run.status).toBe('SUCCEEDED');
  const rotated = run.busEvents.find((e) => e.detailType === 'AMI Rotated');
  return { run, detail: rotated?.detail ?? {}, images: REGIONS.map((r) => imageOf(r, run.executionArn)) };
};
/** A person on call who reads the approval request and answers it with the command it names. */
const answering = (verb: 'approve' | 'reject', seen: TopicMessage[], lines: string[]) => async (message: TopicMessage) => {
  seen.push(message);
  const args = [
    '--family',
    FAMILY,
    '--state-machine-arn',
    MACHINE,
    ...(verb === 'reject' ? ['--reason', 'the app fails its smoke test'] : []),
  ];
  await runApproveCommand(verb, args, sfnClient(), (line) => lines.push(line));
};

describe('channels: a candidate promoted to the stable channel', () => {
  it("asks for approval with the deadline Step Functions times the task out at: one plan field each, the message's and the task's", async () => {
    const { States } = JSON.parse(readFileSync(new URL('../../statemachine/promote.asl.json', import.meta.url), 'utf8')) as {
      States: Record<string, { TimeoutSecondsPath?: string; Parameters?: { MessageAttributes?: Record<string, Record<string, string>> } }>;
    };
    const ask = States.AwaitApproval;

    // The local runner ends the task at the message's deadline (local/callback-task.ts); Step Functions at this path.
    expect(ask?.TimeoutSecondsPath).toBe('$.plan.approval.deadlineSeconds');
    expect(ask?.Parameters?.MessageAttributes?.deadline?.['StringValue.$']).toBe('$.plan.approval.deadline');
  });

  it('publishes tonight to the candidate channel only, and promotes it in both regions after its soak', async () => {
    seedInstance(emulator());
    const first = await candidateNight();
    const stableBefore = channel(STABLE);
    const startedAt = emulator().options.now().getTime();

    const promotion = await runPromotionLocally({ input: first.detail, ...clock() });

    expect(first.detail.published).toMatchObject({ channel: 'candidate' });
    expect(channel(CANDIDATE)).toEqual(first.images);
    expect(stableBefore).toEqual([undefined, undefined]);
    expect(promotion.status).toBe('SUCCEEDED');
    expect(emulator().options.now().getTime() - startedAt).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    expect(channel(STABLE)).toEqual(first.images);
    expect(REGIONS.map((r, i) => tagsOf(r, first.images[i])[TAG.promotion])).toEqual(['promoted', 'promoted']);
    expect(promotion.alerts).toEqual([]);
    expect(promotion.busEvents.map((e) => [e.detailType, e.detail.imageId])).toEqual([['AMI Promoted', first.images[0]]]);
  });

  it('ends a second promotion of the same candidate at once (EventBridge delivers at least once): nothing changed, nothing sent', async () => {
    process.env.ROTATOR_PUBLISH = publishWith({ approval: { deadlineHours: 1 } });
    seedInstance(emulator());
    const night = await candidateNight();
    const requests: TopicMessage[] = [];
    const first = await runPromotionLocally({ input: night.detail, ...clock(), onTopicMessage: answering('approve', requests, []) });

    const again = await runPromotionLocally({
      input: night.detail,
      ...clock(),
      onTopicMessage: answering('approve', requests, []),
    }).finally(() => {
      process.env.ROTATOR_PUBLISH = SETTINGS.ROTATOR_PUBLISH;
    });

    expect([first.status, again.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(again.output).toMatchObject({ plan: { duplicateOf: first.executionArn } });
    expect(requests).toHaveLength(1);
    expect([...again.alerts, ...again.busEvents]).toEqual([]);
    expect(tagsOf('us-east-1', night.images[0])[TAG.promotionBy]).toBe(first.executionArn);
  });

  it('does not promote a candidate rolled back during its soak', async () => {
    seedInstance(emulator());
    const good = await candidateNight();
    await runPromotionLocally({ input: good.detail, ...clock() });
    const bad = await candidateNight();
    let rollback: Awaited<ReturnType<typeof runRollbackLocally>> | undefined;
    let steps = 0;

    // The bad candidate is rolled back during its soak (before CheckCandidate, the promotion's second step): the
    // rollback sets it aside.
    const promotion = await runPromotionLocally({
      input: bad.detail,
      ...clock(),
      interceptInvoke: async (file, invoke) => {
        if (file === 'promote' && ++steps === 2) rollback = await runRollbackLocally({ input: { family: FAMILY, to: good.images[0] } });
        return invoke();
      },
    });

    expect(rollback?.status).toBe('SUCCEEDED');
    expect(promotion.status).toBe('SUCCEEDED');
    expect(promotion.output).toMatchObject({ check: { promote: false, reason: expect.stringMatching(/set aside \(rolled back/) } });
    expect(channel(STABLE)).toEqual(good.images);
    // The rollback published the good image to both channels.
    expect(channel(CANDIDATE)).toEqual(good.images);
  });

  it('promotes when a person approves with the command the request names', async () => {
    process.env.ROTATOR_PUBLISH = publishWith({ approval: { deadlineHours: 2 } });
    seedInstance(emulator());
    const night = await candidateNight();
    const seen: TopicMessage[] = [];
    const lines: string[] = [];

    const promotion = await runPromotionLocally({
      input: night.detail,
      ...clock(),
      onTopicMessage: answering('approve', seen, lines),
    }).finally(() => {
      process.env.ROTATOR_PUBLISH = SETTINGS.ROTATOR_PUBLISH;
    });

    expect(seen.map((m) => m.subject)).toEqual([`ami-rotator: approve ${FAMILY} candidate ${night.images[0]}?`]);
    expect(seen[0]?.message).toContain(`npx ami-rotator approve --stage local --family ${FAMILY}`);
    expect(seen[0]?.attributes.deadline).toBe(new Date(Date.parse(seen[0]?.attributes.deadline ?? '')).toISOString());
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^approved ${night.images[0]} \\(family ${FAMILY}\\)`))]);
    expect(promotion.status).toBe('SUCCEEDED');
    expect(channel(STABLE)).toEqual(night.images);
  });

  it('leaves the stable channel unchanged when the candidate is rejected, sets it aside, and sends one alert', async () => {
    seedInstance(emulator());
    const good = await candidateNight();
    await runPromotionLocally({ input: good.detail, ...clock() });
    process.env.ROTATOR_PUBLISH = publishWith({ approval: { deadlineHours: 2 } });
    const night = await candidateNight();
    const seen: TopicMessage[] = [];

    const promotion = await runPromotionLocally({ input: night.detail, ...clock(), onTopicMessage: answering('reject', seen, []) }).finally(
      () => {
        process.env.ROTATOR_PUBLISH = SETTINGS.ROTATOR_PUBLISH;
      },
    );

    expect(promotion).toMatchObject({ status: 'FAILED', error: 'PromotionRejected' });
    expect(channel(STABLE)).toEqual(good.images);
    // The approval request, then the one alert.
    expect(promotion.alerts.map((a) => a.subject)).toEqual([
      `ami-rotator: approve ${FAMILY} candidate ${night.images[0]}?`,
      `ami-rotator: ${FAMILY} candidate ${night.images[0]} rejected, not promoted`,
    ]);
    expect(promotion.alerts[1]?.message).toContain('the app fails its smoke test');
    expect(REGIONS.map((r, i) => tagsOf(r, night.images[i])[TAG.status])).toEqual(['rejected', 'rejected']);
  });

  it('ends at the deadline when nobody answers: neither promoted nor pruned, one alert', async () => {
    process.env.ROTATOR_PUBLISH = publishWith({ approval: { deadlineHours: 1 } });
    seedInstance(emulator());
    const night = await candidateNight();
    let asked = { at: 0, deadline: '' };
    const unanswered = async (message: TopicMessage) => {
      asked = { at: emulator().options.now().getTime(), deadline: message.attributes.deadline ?? '' };
    };

    const promotion = await runPromotionLocally({ input: night.detail, ...clock(), onTopicMessage: unanswered }).finally(() => {
      process.env.ROTATOR_PUBLISH = SETTINGS.ROTATOR_PUBLISH;
    });
    const endedAt = emulator().options.now().getTime();
    const next = await candidateNight();

    expect(promotion).toMatchObject({ status: 'FAILED', error: 'PromotionExpired' });
    // The request names the deadline the task's TimeoutSecondsPath sets (deadlineHours from the request), and the task
    // ended there: not before, and not a sweep later.
    expect(Date.parse(asked.deadline) - asked.at).toBe(3600 * 1000);
    expect(endedAt - Date.parse(asked.deadline)).toBeGreaterThanOrEqual(0);
    expect(endedAt - Date.parse(asked.deadline)).toBeLessThan(60 * 1000);
    expect(promotion.alerts.map((a) => a.subject)[1]).toBe(
      `ami-rotator: ${FAMILY} candidate ${night.images[0]} not approved by its deadline`,
    );
    expect(channel(STABLE)).toEqual([undefined, undefined]);
    expect(tagsOf('us-east-1', night.images[0])[TAG.promotion]).toBe('expired');
    // Still there the next night, and the candidate channel names the new one.
    const plan = sourcePruneOf(next.run.output)?.plan as { imageId: string; action: string }[];
    expect(plan.find((d) => d.imageId === night.images[0])?.action).toBe('keep');
    expect(channel(CANDIDATE)).toEqual(next.images);
  });
});
