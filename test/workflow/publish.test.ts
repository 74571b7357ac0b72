import { describe, expect, it, vi } from 'vitest';
import { runRotationLocally } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { sourcePruneOf } from '../../src/workflow/contract.ts';
import { roleClientsFor, useEmulator } from '../support/emulator.ts';
import { FAMILY, input, seedInstance } from '../support/workflow.ts';

const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';

const TEMPLATE = 'lt-0aaaaaaaaaaaaaaa1';
const PARAMETER = '/golden/web-prod/latest';
const OLD_IMAGE = 'ami-0aaaaaaaaaaaaaaa9';
const publish = { parameter: PARAMETER, launchTemplates: [{ id: TEMPLATE, setDefault: true }] };

/** The golden instance, a previous image, a launch template opted in to the family, the parameter pointing at the previous image. */
const seedPublishing = (
  templateTags: Record<string, string> = { [TAG.family]: FAMILY },
  dataType: 'text' | 'aws:ec2:image' = 'aws:ec2:image',
) => {
  seedInstance(emulator());
  emulator().seed({
    images: [
      {
        imageId: OLD_IMAGE,
        name: 'web-prod-old',
        creationDate: '2026-11-20T02:00:00.000Z',
        tags: { [TAG.managed]: 'true', [TAG.family]: FAMILY },
      },
    ],
    launchTemplates: [{ launchTemplateId: TEMPLATE, name: 'web-prod', versions: [{ imageId: OLD_IMAGE }], tags: templateTags }],
    parameters: [{ name: PARAMETER, value: OLD_IMAGE, dataType }],
  });
};
const template = () => emulator().store.launchTemplate(TEMPLATE);
const newImageId = () => [...emulator().store.images.values()].find((i) => i.imageId !== OLD_IMAGE)?.imageId;
const calls = (action: string) => emulator().requests.filter((r) => r.action === action && r.acted).length;

describe('publishing the new image', () => {
  it('points the parameter and a new default template version at the new image, then prunes', async () => {
    seedPublishing();

    const run = await runRotationLocally({ input: input({ publish }) });

    expect(run.status).toBe('SUCCEEDED');
    const image = newImageId();
    expect(emulator().store.parameters.get(PARAMETER)).toMatchObject({ value: image, version: 2 });
    expect(template().versions.map((v) => v.imageId)).toEqual([OLD_IMAGE, image]);
    expect(template().defaultVersion).toBe(2);
    expect(run.events.some((e) => e.type === 'StateEntered' && (e as { state: { name: string } }).state.name === 'PruneImages')).toBe(true);
  });

  it('makes one template version and sets the parameter once more when every publishing call loses its first response', async () => {
    seedPublishing();
    emulator().injectFaults({
      rules: ['PutParameter', 'CreateLaunchTemplateVersion', 'ModifyLaunchTemplate'].map((action) => ({
        actions: [action],
        code: 'InternalServerError',
        when: 'after' as const,
        times: 1,
      })),
    });

    const run = await runRotationLocally({ input: input({ publish }) });

    expect(run.status).toBe('SUCCEEDED');
    expect(template().versions).toHaveLength(2);
    expect(template().defaultVersion).toBe(2);
    expect(emulator().store.parameters.get(PARAMETER)?.value).toBe(newImageId());
    expect(calls('CreateLaunchTemplateVersion')).toBe(2);
  });

  it('makes one template version when the whole step is retried after a lost answer, by its own ClientToken', async () => {
    seedPublishing();
    emulator().injectFaults({
      rules: [{ actions: ['CreateLaunchTemplateVersion'], code: 'InternalServerError', when: 'after', times: 1 }],
    });

    // One attempt per call: the SDK's own retry (and its own token) cannot hide the loss; the state machine retries the step.
    const run = await runRotationLocally({ input: input({ publish }), clients: roleClientsFor(emulator(), { AWS_MAX_ATTEMPTS: '1' }) });

    expect(run.status).toBe('SUCCEEDED');
    expect(
      emulator()
        .requests.filter((r) => r.action === 'CreateLaunchTemplateVersion')
        .map((r) => r.errorCode),
    ).toEqual(['InternalServerError', undefined]);
    expect(template().versions).toHaveLength(2);
    expect(template().defaultVersion).toBe(2);
  });

  it('ends with PublishNotConfirmed, one alert and no prune when SSM drops the value, keeping the new image', async () => {
    seedPublishing();
    emulator().injectFaults({ dropParameterWrites: 1 });

    const run = await runRotationLocally({ input: input({ publish }) });

    expect(run).toMatchObject({ status: 'FAILED', error: 'PublishNotConfirmed' });
    expect(run.alerts.map((a) => a.subject)).toEqual(['ami-rotator: web-prod failed at ConfirmPublish: PublishNotConfirmed']);
    expect(run.alerts[0]?.message).toContain(`still reads ${OLD_IMAGE}`);
    expect(run.alerts[0]?.message).toContain(`Launch templates published: ${TEMPLATE} version 2`);
    expect(emulator().store.parameters.get(PARAMETER)?.value).toBe(OLD_IMAGE);
    expect(newImageId()).toBeDefined();
    expect(calls('DeregisterImage')).toBe(0);
  });

  it.each([
    [
      'a launch template not tagged for the family',
      {},
      'aws:ec2:image' as const,
      `launch template ${TEMPLATE} is not tagged ami-rotator:family=web-prod`,
    ],
    ['a parameter of another data type', { [TAG.family]: FAMILY }, 'text' as const, `parameter ${PARAMETER} exists with data type text`],
  ])('refuses %s before any image is made', async (_, tags, dataType, reason) => {
    seedPublishing(tags, dataType);

    const run = await runRotationLocally({ input: input({ publish }) });

    expect(run).toMatchObject({ status: 'FAILED', error: 'PublishTargetInvalid' });
    expect(run.cause).toContain(reason);
    expect(emulator().mutatingRequests()).toEqual([]);
  });

  it('refuses a parameter outside the publish path at validation, naming the field', async () => {
    const run = await runRotationLocally({ input: input({ publish: { parameter: '/prod/db/ami' } }) });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(run.cause).toContain("publish.parameter: expected a name under /golden/ (the deployment's publish path");
    expect(emulator().requests).toEqual([]);
  });
});

describe('deprecating what is no longer the newest', () => {
  it("deprecates last night's image when tonight's is made, and says so in the plan", async () => {
    // Two nights, a day apart: image names are to the second, so two rotations in one second would collide.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2027-02-01T02:00:00Z'));
    seedInstance(emulator());
    const retention = { keepLast: 7, maxAgeDays: 7, deprecateAfterDays: 1 };

    const first = await runRotationLocally({ input: input({ retention }) });
    const firstImage = newImageId();
    vi.setSystemTime(Date.parse('2027-02-02T02:00:00Z'));
    const second = await runRotationLocally({ input: input({ retention }) });
    vi.useRealTimers();

    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const images = [...emulator().store.images.values()];
    expect(images.map((i) => [i.imageId === firstImage, i.deprecationTime !== undefined]).sort()).toEqual([
      [false, false],
      [true, true],
    ]);
    const plan = sourcePruneOf(second.output) as {
      plan: { imageId: string; action: string; reason: string }[];
      totals: { deprecated: number };
    };
    expect(plan.totals.deprecated).toBe(1);
    expect(plan.plan.find((d) => d.imageId === firstImage)).toMatchObject({
      action: 'deprecate',
      reason: expect.stringContaining('deprecate: no longer the newest, 1 day after creation'),
    });
  });
});
