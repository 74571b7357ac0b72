import { describe, expect, it } from 'vitest';
import { describeFailure, describePruneFailures } from '../../src/alerts/failure-alert.ts';
import { failureOf } from '../../src/workflow/contract.ts';

const execution = {
  id: 'arn:aws:states:eu-west-1:123456789012:execution:rotate:nightly-1',
  name: 'nightly-1',
  startTime: '2026-11-23T02:00:00Z',
};

describe('describeFailure', () => {
  it('reads the message out of the Lambda error cause and says what to do', () => {
    const alert = describeFailure(
      {
        step: 'CreateImage',
        error: {
          Error: 'InstanceNotFound',
          Cause: JSON.stringify({
            errorType: 'InstanceNotFound',
            errorMessage: 'Instance i-0aaaaaaaaaaaaaaaa is terminated; nothing to image',
          }),
        },
        request: { family: 'web-prod', instanceId: 'i-0aaaaaaaaaaaaaaaa' },
      },
      execution,
    );

    expect(alert.subject).toBe('ami-rotator: web-prod failed at CreateImage: InstanceNotFound');
    expect(alert.message).toContain('Cause:       Instance i-0aaaaaaaaaaaaaaaa is terminated; nothing to image');
    expect(alert.message).toContain('What to do: The instance is gone or terminated.');
    expect(alert.message).toContain(
      'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1',
    );
    expect(alert).toMatchObject({
      error: 'InstanceNotFound',
      cause: 'CreateImage: Instance i-0aaaaaaaaaaaaaaaa is terminated; nothing to image',
    });
  });

  it('ends with the release that sent it, when the stage says which', () => {
    const state = { step: 'CreateImage', error: { Error: 'InstanceNotFound', Cause: 'gone' }, request: { family: 'web-prod' } };

    expect(describeFailure(state, execution, '0.2.0').message.split('\n').slice(-2)).toEqual(['', '-- ami-rotator 0.2.0']);
    expect(describeFailure(state, execution).message).not.toContain('-- ami-rotator');
  });

  it("words a promotion's rejection as one, with the candidate and no instance line", () => {
    const alert = describeFailure(
      {
        step: 'AwaitApproval',
        path: ['AwaitApproval'],
        error: { Error: 'PromotionRejected', Cause: 'Rejected with ami-rotator reject: login fails' },
        plan: { kind: 'promotion', family: 'web-prod', candidate: { imageId: 'ami-0123456789abcdef0', name: 'web-prod-1' } },
        input: { family: 'web-prod', imageId: 'ami-0123456789abcdef0' },
      },
      execution,
    );

    expect(alert.subject).toBe('ami-rotator: web-prod candidate ami-0123456789abcdef0 rejected, not promoted');
    expect(alert.message).toMatch(/^ami-rotator did not promote family web-prod: candidate ami-0123456789abcdef0 was rejected\./);
    expect(alert.message).toContain('Image:       ami-0123456789abcdef0 (web-prod-1), the candidate');
    expect(alert.message).not.toContain('Instance:');
    expect(alert.message).toContain('Cause:       Rejected with ami-rotator reject: login fails');
  });

  it('tells the cause of a failed image from the image itself, with the cleanup done', () => {
    const alert = describeFailure(
      {
        step: 'CheckImage',
        error: { Error: 'ImageCreationFailed' },
        image: {
          imageId: 'ami-0bbbbbbbbbbbbbbbb',
          name: 'web-1',
          instanceId: 'i-0aaaaaaaaaaaaaaaa',
          stateReason: 'Snapshot creation failed',
          poll: 3,
          waitedSeconds: 840,
        },
        cleanup: { deregistered: true, deletedSnapshots: ['snap-1', 'snap-2'], keptSnapshots: [] },
      },
      execution,
    );

    expect(alert.cause).toBe(
      'CheckImage: Image ami-0bbbbbbbbbbbbbbbb (web-1) from instance i-0aaaaaaaaaaaaaaaa ended in state failed: Snapshot creation failed',
    );
    expect(alert.message).toContain('Cleanup:     image deregistered, 2 snapshot(s) deleted');
  });

  it('falls back to the raw input for the family when validation failed, and keeps the subject printable and short', () => {
    const alert = describeFailure(
      { step: 'ValidateInput', error: { Error: 'InvalidInput', Cause: 'bad' }, input: { family: `ünïcode-${'x'.repeat(200)}` } },
      execution,
    );

    expect(alert.message).toContain(`ami-rotator could not rotate family ünïcode-${'x'.repeat(72)}... (208 characters).`);
    expect(alert.subject).toMatch(/^ami-rotator: \?n\?code-x+/);
    expect(alert.subject).toHaveLength(99);
  });

  it('echoes at most 80 characters of a raw family or instance id, so a huge input still makes an alert SNS takes', () => {
    const huge = 'f'.repeat(20_000);

    const alert = describeFailure(
      { step: 'ValidateInput', error: { Error: 'InvalidInput', Cause: 'bad' }, input: { family: huge, instanceId: huge } },
      execution,
    );

    expect(alert.message).toContain(`Instance:    ${'f'.repeat(80)}... (20000 characters)`);
    expect(alert.details.family).toBe(`${'f'.repeat(80)}... (20000 characters)`);
    expect(Buffer.byteLength(alert.message)).toBeLessThan(2_000);
  });

  it('says an image was made and removed when CreateImage failed after EC2 made one, never "none was created"', () => {
    const alert = describeFailure(
      {
        step: 'CreateImage',
        error: { Error: 'Ec2Unavailable', Cause: 'CreateImage: InternalError' },
        cleanup: { deregistered: true, deletedSnapshots: ['snap-1', 'snap-2'], keptSnapshots: [] },
      },
      execution,
    );

    expect(alert.message).toContain('Image:       one was made though the step failed, and the cleanup removed it');
    expect(alert.message).not.toContain('none was created');
  });

  it('says loudly when the cleanup itself failed', () => {
    const alert = describeFailure(
      {
        step: 'CheckImage',
        error: { Error: 'ImageCreationTimedOut' },
        image: { imageId: 'ami-0bbbbbbbbbbbbbbbb' },
        cleanupError: { Error: 'Ec2AccessDenied', Cause: 'no ec2:DeregisterImage' },
      },
      execution,
    );

    expect(alert.message).toContain(
      'Cleanup FAILED: Ec2AccessDenied: no ec2:DeregisterImage - remove the image and its snapshots by hand.',
    );
  });

  it('says of each region, the source first, what it published and whether its prune finished', () => {
    const alert = describeFailure(
      {
        step: 'DistributeImage',
        error: { Error: 'DistributionFailed', Cause: 'x' },
        request: { family: 'web-prod', instanceId: 'i-0aaaaaaaaaaaaaaaa' },
        distribution: {
          regions: [
            {
              region: 'us-east-1',
              source: true,
              outcome: 'done',
              imageId: 'ami-0s',
              published: { parameter: { name: '/golden/web-prod/latest' } },
              pruneIncomplete: true,
              pruneAlert: { subject: 'ami-rotator: web-prod rotated, 2 item(s) not pruned', message: 'm' },
            },
            { region: 'eu-west-1', outcome: 'done', imageId: 'ami-0e1', published: { parameter: { name: '/golden/web-prod/latest' } } },
            { region: 'eu-north-1', outcome: 'done', imageId: 'ami-0e2', published: null },
            { region: 'ap-southeast-2', outcome: 'failed', error: 'RegionFailed', cause: 'gone' },
          ],
        },
      },
      execution,
    );

    expect(alert.message).toContain('us-east-1 (source): published (ami-0s), pruning incomplete: 2 item(s) not pruned');
    expect(alert.message).toContain('eu-west-1: copied, published, pruned (ami-0e1)');
    expect(alert.message).toContain('eu-north-1: copied, nothing to publish there, pruned (ami-0e2)');
    expect(alert.cause).toBe('DistributeImage: 1 of 4 region(s) failed: ap-southeast-2 (RegionFailed)');
  });

  it('files a night whose regions failed, or whose consumers were not all updated, though no step filed it', () => {
    const regions = [{ region: 'us-east-1', source: true, outcome: 'done' as const, imageId: 'ami-0s' }];
    const failedRegion = failureOf({ distribution: { regions, anyFailed: true, consumersFailed: true } });
    const consumers = failureOf({ distribution: { regions, anyFailed: false, consumersFailed: true } });

    expect([failedRegion.step, failedRegion.error.Error]).toEqual(['DistributeImage', 'DistributionFailed']);
    expect([consumers.step, consumers.error.Error]).toEqual(['ConfirmPublish', 'ConsumersNotUpdated']);
    expect(failureOf({ distribution: { regions } }).step).toBe('an unknown step');
  });
});

describe('describePruneFailures', () => {
  const done = (region: string, alert?: string) => ({
    region,
    outcome: 'done' as const,
    ...(alert
      ? { pruneIncomplete: true, pruneAlert: { subject: `ami-rotator: web rotated, ${alert}`, message: `${region} left ${alert}` } }
      : {}),
  });

  it("sends one region's prune alert as the prune wrote it, under the region's name", () => {
    expect(describePruneFailures('web', [done('us-east-1'), done('eu-west-1', '2 item(s) not pruned')])).toEqual({
      subject: 'ami-rotator: web rotated, 2 item(s) not pruned',
      message: 'In eu-west-1:\neu-west-1 left 2 item(s) not pruned',
    });
    expect(describePruneFailures('web', [{ ...done('us-east-1', '1 item(s) not pruned'), source: true }]).message).toBe(
      'In us-east-1 (the source region):\nus-east-1 left 1 item(s) not pruned',
    );
  });

  it("puts every region's account under its name in one alert", () => {
    const alert = describePruneFailures('web', [
      done('us-east-1', '1 item(s) not pruned'),
      done('eu-west-1'),
      done('eu-north-1', '3 image(s) left to prune'),
    ]);

    expect(alert.subject).toBe('ami-rotator: web rotated, pruning incomplete in us-east-1, eu-north-1');
    expect(alert.message).toContain('pruning was incomplete in 2 of 3 region(s): us-east-1, eu-north-1');
    expect(alert.message).toContain('In us-east-1:\nus-east-1 left 1 item(s) not pruned');
    expect(alert.message).toContain('In eu-north-1:\neu-north-1 left 3 image(s) left to prune');
    expect(alert.message).not.toContain('In eu-west-1');
  });
});
