import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DisableImageCommand,
  ModifyImageAttributeCommand,
  ResetImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { emulatorClients } from '../../local/clients.ts';
import { clientFor, codeOf, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const IMAGE = 'ami-0c00000000000c0a1';
const CONSUMER = '111122223333';
const ORG = 'arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5';
const OU = 'arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56';
const seed = (extra: Record<string, unknown> = {}) =>
  emulator().seed({
    images: [
      { imageId: IMAGE, name: 'web-prod-1', creationDate: '2026-11-01T02:00:00Z', tags: { 'ami-rotator:managed': 'true' }, ...extra },
    ],
  });
const ec2 = () => clientFor(emulator(), 1);
const permissions = async () =>
  (await ec2().send(new DescribeImageAttributeCommand({ ImageId: IMAGE, Attribute: 'launchPermission' }))).LaunchPermissions ?? [];

describe("an image's launch permissions", () => {
  it('adds and removes accounts, organizations and OUs, each once, and DescribeImageAttribute lists them', async () => {
    seed();

    await ec2().send(
      new ModifyImageAttributeCommand({
        ImageId: IMAGE,
        LaunchPermission: { Add: [{ UserId: CONSUMER }, { UserId: CONSUMER }, { OrganizationArn: ORG }, { OrganizationalUnitArn: OU }] },
      }),
    );
    expect(await permissions()).toEqual([{ UserId: CONSUMER }, { OrganizationArn: ORG }, { OrganizationalUnitArn: OU }]);

    await ec2().send(
      new ModifyImageAttributeCommand({ ImageId: IMAGE, Attribute: 'launchPermission', OperationType: 'remove', UserIds: [CONSUMER] }),
    );
    expect(await permissions()).toEqual([{ OrganizationArn: ORG }, { OrganizationalUnitArn: OU }]);

    await ec2().send(new ResetImageAttributeCommand({ ImageId: IMAGE, Attribute: 'launchPermission' }));
    expect(await permissions()).toEqual([]);
  });

  it.each([
    ['an account id that is not 12 digits', { LaunchPermission: { Add: [{ UserId: '1234' }] } }, 'InvalidAMIAttributeItemValue'],
    ['a group other than all', { LaunchPermission: { Add: [{ Group: 'everyone' as 'all' }] } }, 'InvalidAMIAttributeItemValue'],
    ['an OU ARN that is not one', { LaunchPermission: { Add: [{ OrganizationalUnitArn: 'ou-1234' }] } }, 'InvalidAMIAttributeItemValue'],
    [
      'two attributes at once',
      { LaunchPermission: { Add: [{ UserId: CONSUMER }] }, Description: { Value: 'x' } },
      'InvalidParameterCombination',
    ],
    ['user ids with the description attribute', { Attribute: 'description', UserIds: [CONSUMER] }, 'InvalidParameterCombination'],
    ['a launch permission with no one in it', { Attribute: 'launchPermission', OperationType: 'add' as const }, 'MissingParameter'],
  ])('refuses %s, changing nothing', async (_what, params, code) => {
    seed();

    expect(await codeOf(ec2().send(new ModifyImageAttributeCommand({ ImageId: IMAGE, ...params })))).toBe(code);
    expect(await permissions()).toEqual([]);
  });

  it('shares no disabled image, and DisableImage takes every launch permission away', async () => {
    seed({ launchPermissions: [{ userId: CONSUMER }, { group: 'all' }] });
    expect((await ec2().send(new DescribeImagesCommand({ ImageIds: [IMAGE] }))).Images?.[0]?.Public).toBe(true);

    await ec2().send(new DisableImageCommand({ ImageId: IMAGE }));

    expect(await permissions()).toEqual([]);
    expect(
      await codeOf(ec2().send(new ModifyImageAttributeCommand({ ImageId: IMAGE, LaunchPermission: { Add: [{ UserId: CONSUMER }] } }))),
    ).toBe('InvalidImage.Disabled');
  });

  it('says when the image last launched an instance, in DescribeImages and as an attribute', async () => {
    seed({ lastLaunchedTime: '2026-11-30T08:00:00.000Z' });

    const [image] = (await ec2().send(new DescribeImagesCommand({ ImageIds: [IMAGE] }))).Images ?? [];
    const attribute = await ec2().send(new DescribeImageAttributeCommand({ ImageId: IMAGE, Attribute: 'lastLaunchedTime' }));

    expect(image?.LastLaunchedTime).toBe('2026-11-30T08:00:00.000Z');
    expect(attribute.LastLaunchedTime?.Value).toBe('2026-11-30T08:00:00.000Z');
  });

  it("is the stack's roles' to change only where IAM allows: the check role may not share", async () => {
    seed();
    const asCheckRole = emulatorClients(emulator().url, { AWS_MAX_ATTEMPTS: '1' }, 'CheckImageRole').ec2;

    expect(
      await codeOf(
        asCheckRole.send(new ModifyImageAttributeCommand({ ImageId: IMAGE, LaunchPermission: { Add: [{ UserId: CONSUMER }] } })),
      ),
    ).toBe('UnauthorizedOperation');
    expect(await permissions()).toEqual([]);
  });
});
