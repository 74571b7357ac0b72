import {
  CreateLaunchTemplateVersionCommand,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  EnableImageDeprecationCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { DescribeParametersCommand, GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { clientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const ssm = () =>
  new SSMClient({ endpoint: emulator().url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
const IMAGE = 'ami-0aaaaaaaaaaaaaaa1';
const seedImage = () => emulator().seed({ images: [{ imageId: IMAGE, name: 'web-prod-1', creationDate: '2026-11-23T02:00:00.000Z' }] });
const put = (Name: string, Value: string, extra: Record<string, unknown> = {}) =>
  ssm().send(new PutParameterCommand({ Name, Value, Type: 'String', DataType: 'aws:ec2:image', Overwrite: true, ...extra }));
const value = async (Name: string) => (await ssm().send(new GetParameterCommand({ Name }))).Parameter?.Value;
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (e: Error) => e.name,
  );

describe('the emulated SSM parameters (AWS JSON 1.1 on the same port)', () => {
  it('shows an aws:ec2:image value only once SSM has validated it, and then EC2 sees the reference', async () => {
    seedImage();

    const { Version } = await put('/golden/web-prod/latest', IMAGE);
    const first = await refusal(value('/golden/web-prod/latest'));
    const second = await value('/golden/web-prod/latest');
    const references = await clientFor(emulator()).send(
      new DescribeImageReferencesCommand({ ImageIds: [IMAGE], ResourceTypes: [{ ResourceType: 'ssm:Parameter' }] }),
    );

    expect(Version).toBe(1);
    expect(first).toBe('ParameterNotFound');
    expect(second).toBe(IMAGE);
    expect(references.ImageReferences?.map((r) => r.Arn)).toEqual(['arn:aws:ssm:us-east-1:123456789012:parameter/golden/web-prod/latest']);
  });

  it('drops silently a value naming no image, and a valid one when the fault plan says so', async () => {
    seedImage();
    emulator().seed({ parameters: [{ name: '/golden/a', value: 'ami-0bbbbbbbbbbbbbbb1', dataType: 'aws:ec2:image' }] });
    emulator().injectFaults({ dropParameterWrites: 1 });

    await put('/golden/a', IMAGE);
    await put('/golden/b', 'ami-0ccccccccccccccc1');
    await value('/golden/a');

    expect(await value('/golden/a')).toBe('ami-0bbbbbbbbbbbbbbb1');
    expect(await refusal(value('/golden/b'))).toBe('ParameterNotFound');
  });

  it('refuses what the API reference refuses', async () => {
    seedImage();
    await ssm().send(new PutParameterCommand({ Name: '/golden/text', Value: 'x', Type: 'String' }));

    expect(await refusal(put('/aws/thing', IMAGE))).toBe('ValidationException');
    expect(await refusal(put('golden/relative', IMAGE))).toBe('ValidationException');
    expect(await refusal(put(`/${Array(16).fill('l').join('/')}`, IMAGE))).toBe('HierarchyLevelLimitExceededException');
    expect(await refusal(put('/golden/bad', 'not-an-ami'))).toBe('ValidationException');
    expect(await refusal(put('/golden/text', IMAGE, { Overwrite: false }))).toBe('ParameterAlreadyExists');
    expect(await refusal(ssm().send(new GetParametersCommand({ Names: Array(11).fill('/golden/text') })))).toBe('ValidationException');
    expect(await refusal(ssm().send(new DescribeParametersCommand({ MaxResults: 51 })))).toBe('ValidationException');
  });

  it('reads several at once and describes data types without values', async () => {
    await ssm().send(new PutParameterCommand({ Name: '/golden/text', Value: 'x', Type: 'String' }));

    const got = await ssm().send(new GetParametersCommand({ Names: ['/golden/text', '/golden/missing'] }));
    const described = await ssm().send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: ['/golden/text'] }] }),
    );

    expect(got.Parameters?.map((p) => p.Value)).toEqual(['x']);
    expect(got.InvalidParameters).toEqual(['/golden/missing']);
    expect(described.Parameters).toEqual([expect.objectContaining({ Name: '/golden/text', DataType: 'text', Version: 1 })]);
    expect(described.Parameters?.[0]).not.toHaveProperty('Value');
  });
});

describe('launch template versions', () => {
  const TEMPLATE = 'lt-0aaaaaaaaaaaaaaa1';
  const seedTemplate = () =>
    emulator().seed({ launchTemplates: [{ launchTemplateId: TEMPLATE, name: 'web', versions: [{ imageId: 'ami-0bbbbbbbbbbbbbbb1' }] }] });

  it('makes one version per ClientToken, a retry answering with the first', async () => {
    seedTemplate();
    const create = () =>
      clientFor(emulator()).send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: TEMPLATE,
          SourceVersion: '$Latest',
          LaunchTemplateData: { ImageId: IMAGE },
          ClientToken: 'run-1',
        }),
      );

    const first = await create();
    const again = await create();

    expect([first.LaunchTemplateVersion?.VersionNumber, again.LaunchTemplateVersion?.VersionNumber]).toEqual([2, 2]);
    expect(emulator().store.launchTemplate(TEMPLATE).versions).toHaveLength(2);
  });

  it('sets the default only to a version that exists', async () => {
    seedTemplate();
    const ec2 = clientFor(emulator(), 1);

    const missing = await refusal(ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: TEMPLATE, DefaultVersion: '7' })));
    await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: TEMPLATE, LaunchTemplateData: { ImageId: IMAGE } }));
    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: TEMPLATE, DefaultVersion: '2' }));

    expect(missing).toBe('InvalidLaunchTemplateId.VersionNotFound');
    expect(emulator().store.launchTemplate(TEMPLATE).defaultVersion).toBe(2);
  });
});

describe('image deprecation', () => {
  it('keeps a deprecation time to the minute, refusing the past and more than ten years ahead', async () => {
    seedImage();
    const ec2 = clientFor(emulator(), 1);
    const deprecate = (at: Date) => ec2.send(new EnableImageDeprecationCommand({ ImageId: IMAGE, DeprecateAt: at }));

    const past = await refusal(deprecate(new Date(Date.now() - 3_600_000)));
    const tooFar = await refusal(deprecate(new Date(Date.now() + 11 * 365 * 86_400_000)));
    await deprecate(new Date('2030-01-01T10:20:29Z'));
    const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [IMAGE] }));

    expect([past, tooFar]).toEqual(['InvalidParameterValue', 'InvalidParameterValue']);
    expect(Images?.[0]?.DeprecationTime).toBe('2030-01-01T10:20:00Z');
  });
});
