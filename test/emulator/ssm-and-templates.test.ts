import {
  CreateLaunchTemplateVersionCommand,
  type CreateLaunchTemplateVersionCommandInput,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  DisableImageCommand,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
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

  it('needs a type to create a parameter, and keeps it: a SecureString is read in clear only WithDecryption', async () => {
    const untyped = await refusal(ssm().send(new PutParameterCommand({ Name: '/app/untyped', Value: 'x' })));
    await ssm().send(new PutParameterCommand({ Name: '/app/secret', Value: 'hunter2', Type: 'SecureString' }));
    await ssm().send(new PutParameterCommand({ Name: '/app/list', Value: 'a,b', Type: 'StringList' }));

    const sealed = (await ssm().send(new GetParameterCommand({ Name: '/app/secret' }))).Parameter;
    const clear = (await ssm().send(new GetParameterCommand({ Name: '/app/secret', WithDecryption: true }))).Parameter;
    const list = (await ssm().send(new GetParameterCommand({ Name: '/app/list' }))).Parameter;

    expect(untyped).toBe('ValidationException');
    expect(sealed?.Type).toBe('SecureString');
    expect(sealed?.Value).not.toContain('hunter2');
    expect(clear?.Value).toBe('hunter2');
    expect(list?.Type).toBe('StringList');
  });

  it('neither updates the version nor the data type of a parameter when its aws:ec2:image value is dropped', async () => {
    seedImage();
    await ssm().send(new PutParameterCommand({ Name: '/golden/web', Value: 'not-an-image-yet', Type: 'String' }));

    await put('/golden/web', 'ami-0fffffffffffffff9');

    const kept = (await ssm().send(new GetParameterCommand({ Name: '/golden/web' }))).Parameter;
    expect(kept).toMatchObject({ Version: 1, DataType: 'text', Value: 'not-an-image-yet' });
  });

  it('lists every version written with GetParameterHistory, oldest first', async () => {
    seedImage();
    await put('/golden/web', IMAGE, { Overwrite: false });
    // Read until SSM has validated the value (a new parameter is not found before).
    await refusal(value('/golden/web'));
    await refusal(value('/golden/web'));
    await ssm().send(new PutParameterCommand({ Name: '/golden/web', Value: 'ami-0aaaaaaaaaaaaaaa1', Type: 'String', Overwrite: true }));

    const { Parameters } = await ssm().send(new GetParameterHistoryCommand({ Name: '/golden/web' }));

    expect(Parameters?.map((p) => [p.Version, p.DataType, p.Value])).toEqual([
      [1, 'aws:ec2:image', IMAGE],
      [2, 'text', IMAGE],
    ]);
    expect(await refusal(ssm().send(new GetParameterHistoryCommand({ Name: '/golden/none' })))).toBe('ParameterNotFound');
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

  it('refuses a ClientToken repeated with other parameters, and a version without LaunchTemplateData', async () => {
    seedTemplate();
    const ec2 = clientFor(emulator(), 1);
    const version = (ImageId: string, ClientToken = 'run-1') =>
      ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: TEMPLATE, LaunchTemplateData: { ImageId }, ClientToken }));

    await version(IMAGE);
    const mismatch = await refusal(version('ami-0ccccccccccccccc1'));
    const empty = await refusal(
      ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: TEMPLATE,
          ClientToken: 'run-2',
        } as CreateLaunchTemplateVersionCommandInput),
      ),
    );

    expect(mismatch).toBe('IdempotentParameterMismatch');
    expect(empty).toBe('MissingParameter');
    expect(emulator().store.launchTemplate(TEMPLATE).versions).toHaveLength(2);
  });

  it('takes a launch template by id or by name, never both', async () => {
    seedTemplate();

    const both = await refusal(
      clientFor(emulator(), 1).send(
        new ModifyLaunchTemplateCommand({ LaunchTemplateId: TEMPLATE, LaunchTemplateName: 'web', DefaultVersion: '1' }),
      ),
    );

    expect(both).toBe('InvalidParameterCombination');
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

describe('disabling and enabling images', () => {
  it('disables only an available image and enables only a disabled one: asking again is IncorrectState', async () => {
    seedImage();
    const ec2 = clientFor(emulator(), 1);

    await ec2.send(new DisableImageCommand({ ImageId: IMAGE }));
    const again = await refusal(ec2.send(new DisableImageCommand({ ImageId: IMAGE })));
    await ec2.send(new EnableImageCommand({ ImageId: IMAGE }));
    const enabledAgain = await refusal(ec2.send(new EnableImageCommand({ ImageId: IMAGE })));

    expect([again, enabledAgain]).toEqual(['IncorrectState', 'IncorrectState']);
    expect(emulator().store.images.get(IMAGE)?.state).toBe('available');
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
