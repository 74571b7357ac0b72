import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../src/alerts/failure-alert.ts';

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

  it('says of a copied region whether it published anything there', () => {
    const alert = describeFailure(
      {
        step: 'DistributeImage',
        error: { Error: 'DistributionFailed', Cause: 'x' },
        request: { family: 'web-prod', instanceId: 'i-0aaaaaaaaaaaaaaaa' },
        distribution: {
          regions: [
            { region: 'eu-west-1', outcome: 'copied', imageId: 'ami-0e1', published: { parameter: { name: '/golden/web-prod/latest' } } },
            { region: 'eu-north-1', outcome: 'copied', imageId: 'ami-0e2', published: null },
            { region: 'ap-southeast-2', outcome: 'failed', error: 'RegionFailed', cause: 'gone' },
          ],
        },
      },
      execution,
    );

    expect(alert.message).toContain('eu-west-1: copied, published and pruned (ami-0e1)');
    expect(alert.message).toContain('eu-north-1: copied and pruned, nothing to publish there (ami-0e2)');
  });
});
