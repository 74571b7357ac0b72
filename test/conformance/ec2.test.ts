/**
 * The emulator's contract with EC2, as tests any EC2 endpoint can run. By default they run against the
 * embedded emulator (so they are part of `npm test`); with CONFORMANCE_TARGET=environment they run
 * against whatever the standard AWS settings name (AWS_PROFILE or credentials, AWS_REGION, and
 * AWS_ENDPOINT_URL_EC2 if set). Against a real account they only describe, and create and delete one
 * launch template tagged ami-rotator:conformance (free). Cases that need an image of one's own (an
 * image costs snapshot storage and minutes of EC2 time) run on the emulator in every mode, and say so.
 */
import {
  CreateLaunchTemplateCommand,
  DeleteLaunchTemplateCommand,
  DeregisterImageCommand,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand,
  DisableImageCommand,
  EC2Client,
  EnableImageCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ec2Emulator, startEmulator } from '../../emulator/server.ts';

const target = process.env.CONFORMANCE_TARGET === 'environment' ? 'environment' : 'emulator';
let emulator: Ec2Emulator;
let ec2: EC2Client;
let modelOnly: EC2Client;

beforeAll(async () => {
  emulator = await startEmulator({ pendingPolls: 0 });
  const local = {
    endpoint: emulator.url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  modelOnly = new EC2Client(local);
  ec2 = target === 'environment' ? new EC2Client({ maxAttempts: 1 }) : modelOnly;
});
afterAll(async () => {
  await emulator.close();
});

/** The error a call ends in, as the SDK reports it: name (EC2's code) and HTTP status. */
const refusal = async (call: Promise<unknown>) =>
  call.then(
    () => ({ name: 'accepted', status: 200 }),
    (error: { name: string; $metadata?: { httpStatusCode?: number } }) => ({ name: error.name, status: error.$metadata?.httpStatusCode }),
  );
const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, n) => `${prefix}-${n.toString(16).padStart(17, '0')}`);

describe(`EC2's documented limits (${target})`, () => {
  it.each([
    [
      'DescribeImageReferences with 11 image ids (ImageId.N: 1 to 10)',
      () => new DescribeImageReferencesCommand({ ImageIds: ids('ami', 11), IncludeAllResourceTypes: true }),
      'InvalidParameterValue',
    ],
    [
      'DescribeImages with image ids and MaxResults',
      () => new DescribeImagesCommand({ ImageIds: ids('ami', 1), MaxResults: 5 }),
      'InvalidParameterCombination',
    ],
    [
      'DescribeInstances with instance ids and MaxResults',
      () => new DescribeInstancesCommand({ InstanceIds: ids('i', 1), MaxResults: 5 }),
      'InvalidParameterCombination',
    ],
    [
      'DescribeSnapshots with snapshot ids and MaxResults',
      () => new DescribeSnapshotsCommand({ SnapshotIds: ids('snap', 1), MaxResults: 5 }),
      'InvalidParameterCombination',
    ],
    [
      'DescribeImages with MaxResults 1001',
      () => new DescribeImagesCommand({ Owners: ['self'], MaxResults: 1001 }),
      'InvalidParameterValue',
    ],
    [
      'DescribeImages with a filter of 201 values',
      () => new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'image-id', Values: ids('ami', 201) }] }),
      'InvalidParameterValue',
    ],
    ['DescribeImages with a malformed image id', () => new DescribeImagesCommand({ ImageIds: ['ami-xyz'] }), 'InvalidAMIID.Malformed'],
    [
      'DescribeImages with an image id that does not exist',
      () => new DescribeImagesCommand({ ImageIds: ids('ami', 1) }),
      'InvalidAMIID.NotFound',
    ],
    [
      'DescribeLaunchTemplates with a name that does not exist',
      () => new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['ami-rotator-conformance-no-such-template'] }),
      'InvalidLaunchTemplateName.NotFoundException',
    ],
    ['DescribeLaunchTemplates with MaxResults 201', () => new DescribeLaunchTemplatesCommand({ MaxResults: 201 }), 'InvalidParameterValue'],
  ])('refuses %s with %s', async (_what, command, code) => {
    const result = await refusal(ec2.send(command() as DescribeImagesCommand)); // any command: the SDK's overloads take one type at a time

    expect(result).toEqual({ name: code, status: 400 });
  });

  it('refuses a launch template version that does not exist with InvalidLaunchTemplateId.VersionNotFound', async () => {
    const name = `ami-rotator-conformance-${Date.now()}`;
    const { LaunchTemplate } = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: name,
        LaunchTemplateData: { InstanceType: 't3.micro' },
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'ami-rotator:conformance', Value: 'true' }] }],
      }),
    );
    try {
      const result = await refusal(
        ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: LaunchTemplate?.LaunchTemplateId, Versions: ['7'] })),
      );

      expect(result).toEqual({ name: 'InvalidLaunchTemplateId.VersionNotFound', status: 400 });
    } finally {
      await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: LaunchTemplate?.LaunchTemplateId }));
    }
  });
});

describe("EC2's image lifecycle (emulator model in every mode: a real image costs snapshot storage)", () => {
  const seedImage = () => {
    emulator.reset();
    emulator.seed({ images: [{ imageId: 'ami-0c0000000000000c1', name: 'conformance', creationDate: new Date().toISOString() }] });
    return 'ami-0c0000000000000c1';
  };

  it('answers an image deregistered moments ago with InvalidAMIID.Unavailable', async () => {
    const imageId = seedImage();
    await modelOnly.send(new DeregisterImageCommand({ ImageId: imageId }));

    expect(await refusal(modelOnly.send(new DeregisterImageCommand({ ImageId: imageId })))).toEqual({
      name: 'InvalidAMIID.Unavailable',
      status: 400,
    });
    expect(await refusal(modelOnly.send(new DescribeImagesCommand({ ImageIds: [imageId] })))).toEqual({
      name: 'InvalidAMIID.Unavailable',
      status: 400,
    });
  });

  it('leaves a disabled image out of DescribeImages unless IncludeDisabled, and enables it again', async () => {
    const imageId = seedImage();
    await modelOnly.send(new DisableImageCommand({ ImageId: imageId }));

    const hidden = await modelOnly.send(new DescribeImagesCommand({ Owners: ['self'] }));
    const shown = await modelOnly.send(new DescribeImagesCommand({ Owners: ['self'], IncludeDisabled: true }));
    await modelOnly.send(new EnableImageCommand({ ImageId: imageId }));
    const again = await modelOnly.send(new DescribeImagesCommand({ Owners: ['self'] }));

    expect(hidden.Images).toEqual([]);
    expect(shown.Images?.map((i) => i.State)).toEqual(['disabled']);
    expect(again.Images?.map((i) => i.State)).toEqual(['available']);
  });
});
