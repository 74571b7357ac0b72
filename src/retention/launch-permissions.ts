/**
 * A shared image's launch permissions, as the prune changes them (EC2 API Reference: DescribeImageAttribute,
 * ResetImageAttribute and ModifyImageAttribute, attribute launchPermission).
 */
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeImageAttributeCommand,
  type EC2Client,
  type LaunchPermission,
  ModifyImageAttributeCommand,
  ResetImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import { ec2Call } from '../aws/ec2-errors.ts';
import type { Share } from '../rotation/publish-request.ts';
import { TAG } from '../rotation/tags.ts';

const grantee = (p: LaunchPermission): string =>
  p.UserId ?? p.OrganizationalUnitArn ?? p.OrganizationArn ?? (p.Group === 'all' ? 'everyone (public)' : '?');

/** Makes an image private (ResetImageAttribute), saying who lost access (DescribeImageAttribute, read just before). */
export const withdrawLaunchPermissions = async (ec2: EC2Client, imageId: string): Promise<string[]> => {
  const { LaunchPermissions } = await ec2.send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }));
  const grantees = (LaunchPermissions ?? []).map(grantee);
  if (grantees.length > 0) await ec2.send(new ResetImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }));
  return grantees;
};

/**
 * The first night of a shared image's retirement: tagged with when first, then made private, so a pass whose answer
 * was lost (the withdrawal done or not) is found by the next one, which finishes it before anything is deregistered.
 */
export const makePrivate = async (ec2: EC2Client, imageId: string, now: Date): Promise<string[]> => {
  await ec2Call(`mark image ${imageId} made private`, () =>
    ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: [{ Key: TAG.withdrawnAt, Value: now.toISOString() }] })),
  );
  return ec2Call(`withdraw the launch permissions of image ${imageId}`, () => withdrawLaunchPermissions(ec2, imageId));
};

/** Shares an image made private with whom this rotation shares (a retry adds nothing twice), then unmarks it. */
export const shareAgain = async (ec2: EC2Client, imageId: string, share: Share | undefined): Promise<string[]> => {
  const to = [...(share?.accounts ?? []), ...(share?.organizations ?? []), ...(share?.organizationalUnits ?? [])];
  if (to.length === 0)
    throw new Error('this rotation shares with no one (distribute.share): share it again by hand if that account still needs it');
  await ec2Call(`share image ${imageId} again`, () =>
    ec2.send(
      new ModifyImageAttributeCommand({
        ImageId: imageId,
        LaunchPermission: {
          Add: [
            ...(share?.accounts ?? []).map((UserId) => ({ UserId })),
            ...(share?.organizations ?? []).map((OrganizationArn) => ({ OrganizationArn })),
            ...(share?.organizationalUnits ?? []).map((OrganizationalUnitArn) => ({ OrganizationalUnitArn })),
          ],
        },
      }),
    ),
  );
  await ec2Call(`unmark image ${imageId}`, () =>
    ec2.send(new DeleteTagsCommand({ Resources: [imageId], Tags: [{ Key: TAG.withdrawnAt }] })),
  );
  return to;
};
