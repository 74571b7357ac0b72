/**
 * Hands the new image on to its consumers: an SSM parameter of data type `aws:ec2:image`, and a new
 * version of each launch template (made the default when asked). SSM validates such a parameter
 * asynchronously (PutParameter answers at once; a value it cannot validate is dropped later, silently),
 * so the workflow reads it back until it shows the new image (confirmPublish), within a cap.
 */
import { createHash } from 'node:crypto';
import {
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DescribeLaunchTemplatesCommand,
  type EC2Client,
  ModifyImageAttributeCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { DescribeParametersCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
// SSM calls go through the same mapping as EC2's: throttling and 5xx become the retried Ec2Throttled / Ec2Unavailable.
import { ec2Call, fromEc2Error } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';
import { ConfigurationError, PublishFailedError, PublishTargetInvalidError, RotatorError } from '../errors.ts';
import { CONFIRM_WAIT_SECONDS, type PublishResult } from './confirm-publish.ts';
import { type AccountsUnder, type ConsumerSsm, consumerAccounts, writeConsumers } from './consumers.ts';
import type { ExecutionRef } from './naming.ts';
import { currentValue } from './parameter-value.ts';
import type { Publish, Share } from './publish-request.ts';
import { fromEc2Tags, TAG } from './tags.ts';

const templateLabel = (t: Publish['launchTemplates'][number]) => t.id ?? t.name ?? '';
const templateRef = (t: Publish['launchTemplates'][number]) => (t.id ? { LaunchTemplateId: t.id } : { LaunchTemplateName: t.name });

/**
 * Before anything is made: the parameter, if it exists, must hold images (its data type cannot be changed),
 * and each launch template must exist and be opted in to this family by its tag ami-rotator:family.
 */
export const checkPublishTargets = async (clients: { ec2: EC2Client; ssm: SSMClient }, family: string, publish: Publish | undefined) => {
  if (!publish) return;
  const problems: string[] = [];
  if (publish.parameter) {
    const name = publish.parameter;
    const { Parameters } = await ec2Call(`describe SSM parameter ${name}`, () =>
      clients.ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] })),
    );
    const dataType = Parameters?.[0]?.DataType;
    if (dataType !== undefined && dataType !== 'aws:ec2:image')
      problems.push(
        `parameter ${publish.parameter} exists with data type ${dataType}, and a parameter's data type cannot be changed: delete it or publish to another name`,
      );
  }
  for (const template of publish.launchTemplates) {
    const label = templateLabel(template);
    const found = await clients.ec2
      .send(
        new DescribeLaunchTemplatesCommand(
          template.id ? { LaunchTemplateIds: [template.id] } : { LaunchTemplateNames: [template.name ?? ''] },
        ),
      )
      .catch((error: unknown) => {
        // EC2 answers an unknown id or name with InvalidLaunchTemplateId.NotFound / InvalidLaunchTemplateName.NotFoundException.
        if (/^InvalidLaunchTemplate(Id|Name)\.NotFound/.test(awsErrorCode(error) ?? '')) return undefined;
        throw fromEc2Error(error, `describe launch template ${label}`);
      });
    const tags = fromEc2Tags(found?.LaunchTemplates?.[0]?.Tags);
    if (!found?.LaunchTemplates?.length) problems.push(`launch template ${label} does not exist`);
    else if (tags[TAG.family] !== family)
      problems.push(`launch template ${label} is not tagged ${TAG.family}=${family}; tag it to let this family publish to it`);
  }
  if (problems.length > 0) throw new PublishTargetInvalidError(`Cannot publish: ${problems.join('; ')}`);
};

/**
 * Shares the image: first tagged `ami-rotator:shared=true` (so that no prune retires it, even if the Lambda dies
 * between the two calls), then launch permission for each account, organization and OU (ModifyImageAttribute,
 * which keeps each permission once: a retry adds nothing twice). Launching needs no snapshot permission; a consumer
 * that copies the image needs createVolumePermission on its snapshots, not given here (docs/distribution.md).
 */
const shareImage = async (ec2: EC2Client, imageId: string, share: Share): Promise<string[]> => {
  await ec2Call(`tag image ${imageId} as shared`, () =>
    ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: [{ Key: TAG.shared, Value: 'true' }] })),
  );
  const add = [
    ...share.accounts.map((UserId) => ({ UserId })),
    ...share.organizations.map((OrganizationArn) => ({ OrganizationArn })),
    ...share.organizationalUnits.map((OrganizationalUnitArn) => ({ OrganizationalUnitArn })),
  ];
  await ec2Call(`share image ${imageId}`, () =>
    ec2.send(new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: add } })),
  );
  return [...share.accounts, ...share.organizations, ...share.organizationalUnits];
};

/** A ClientToken per execution and template: a retried call makes no second version (at most 128 characters). */
const clientToken = (execution: ExecutionRef, template: string) =>
  `ami-rotator-${createHash('sha256').update(`${execution.id}\n${template}`).digest('hex').slice(0, 40)}`;

export const publishImage = async (
  clients: { ec2: EC2Client; ssm: SSMClient; consumers?: { ssmOf: ConsumerSsm; region: string; accountsUnder?: AccountsUnder } },
  publish: Publish,
  image: { imageId: string; name: string; family: string },
  execution: ExecutionRef,
): Promise<PublishResult> => {
  const done: string[] = [];
  const result: PublishResult = {
    parameter: null,
    launchTemplates: [],
    channel: publish.promotion ? 'candidate' : 'stable',
    checks: 0,
    nextWaitSeconds: CONFIRM_WAIT_SECONDS,
    confirmed: !publish.parameter && !publish.consumers,
  };
  try {
    if (publish.share) {
      result.sharedWith = await shareImage(clients.ec2, image.imageId, publish.share);
      done.push(`shared with ${result.sharedWith.join(', ')}`);
    }
    if (publish.parameter) {
      // Already the value (a retried step): no second write.
      if ((await currentValue(clients.ssm, publish.parameter)) !== image.imageId) {
        await ec2Call(`write SSM parameter ${publish.parameter}`, () =>
          clients.ssm.send(
            new PutParameterCommand({
              Name: publish.parameter,
              Value: image.imageId,
              Type: 'String',
              DataType: 'aws:ec2:image',
              Overwrite: true,
              Description: `ami-rotator: the newest image of ${image.family}`,
            }),
          ),
        );
      }
      result.parameter = { name: publish.parameter, imageId: image.imageId };
      done.push(`parameter ${publish.parameter} written (awaiting SSM's validation)`);
    }
    for (const template of publish.launchTemplates) {
      const label = templateLabel(template);
      const made = await ec2Call(`create a version of launch template ${label}`, () =>
        clients.ec2.send(
          new CreateLaunchTemplateVersionCommand({
            ...templateRef(template),
            SourceVersion: '$Latest',
            LaunchTemplateData: { ImageId: image.imageId },
            VersionDescription: `ami-rotator: ${image.name}`,
            ClientToken: clientToken(execution, label),
          }),
        ),
      );
      const version = made.LaunchTemplateVersion?.VersionNumber ?? 0;
      if (template.setDefault) {
        await ec2Call(`make version ${version} of ${label} the default`, () =>
          clients.ec2.send(new ModifyLaunchTemplateCommand({ ...templateRef(template), DefaultVersion: String(version) })),
        );
      }
      result.launchTemplates.push({ template: label, version, isDefault: template.setDefault });
      done.push(`launch template ${label} version ${version}${template.setDefault ? ' (default)' : ''}`);
    }
    // Last, once the image account's own parameter and templates name it: one account's failure stops no other.
    if (publish.consumers) {
      if (!clients.consumers) throw new ConfigurationError('publish.consumers: this function has no consumer role to assume');
      const { accounts, unlisted } = await consumerAccounts(
        publish.share ?? { accounts: [], organizationalUnits: [] },
        clients.consumers.accountsUnder,
      );
      const written = await writeConsumers(clients.consumers, accounts, publish.consumers.parameter, image);
      result.consumers = { ...written, outcomes: [...written.outcomes, ...unlisted] };
    }
  } catch (error) {
    // Throttling and 5xx answers are retried by the state machine; a retry publishes nothing twice.
    if (error instanceof RotatorError && error.transient) throw error;
    const e = error as Error;
    throw new PublishFailedError(
      `Publishing ${image.imageId} failed: ${e.name}: ${e.message}. Published: ${done.length ? done.join(', ') : 'nothing'}. The image is kept; nothing was pruned.`,
    );
  }
  return result;
};
