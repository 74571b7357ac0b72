import { describe, expect, it } from 'vitest';
import { autoScalingActions } from '../../emulator/actions/auto-scaling.ts';
import { rbinActions } from '../../emulator/actions/recycle-bin.ts';
import { ssmActions } from '../../emulator/actions/ssm.ts';
import { actionReference, NotInReferenceError, referenceChecks, resourceTypeOf } from '../../emulator/authorization-reference.ts';
import { loadFixture } from '../../emulator/fixture.ts';
import { EC2_ACTIONS } from '../../emulator/protocols/query.ts';
import { parseQuery } from '../../emulator/query.ts';
import { awsChecksFor } from '../../emulator/request-checks.ts';
import { ACCOUNT_ID, Store } from '../../emulator/store.ts';

const IMAGE = 'ami-0aaaaaaaaaaaaaaa1';
const SNAPSHOT = 'snap-0aaaaaaaaaaaaaaa1';
const INSTANCE = 'i-0aaaaaaaaaaaaaaa1';
const TEMPLATE = 'lt-0aaaaaaaaaaaaaaa1';
const managed = { 'ami-rotator:managed': 'true' };

const seeded = () => {
  const store = new Store();
  loadFixture(
    store,
    {
      instances: [{ instanceId: INSTANCE, tags: managed }],
      images: [{ imageId: IMAGE, name: 'web-prod-1', creationDate: '2026-12-01T00:00:00Z', tags: managed }],
      snapshots: [{ snapshotId: SNAPSHOT, startTime: '2026-12-01T00:00:00Z', tags: managed }],
      launchTemplates: [{ launchTemplateId: TEMPLATE, name: 'web-prod', versions: [{ imageId: IMAGE }] }],
    },
    new Date('2026-12-05T00:00:00Z'),
  );
  return store;
};

/**
 * Requests of every action, naming an image, a snapshot, an instance and a launch template where it takes them: once
 * with single ids (ImageId=) and once with lists (ImageId.1=), as actions take one or the other.
 */
const requestsNaming = (action: string) =>
  [`ImageId=${IMAGE}&InstanceId=${INSTANCE}`, `ImageId.1=${IMAGE}&InstanceId.1=${INSTANCE}`].map((ids) =>
    parseQuery(`Action=${action}&${ids}&${EC2_REQUEST}`),
  );
const EC2_REQUEST = [
  `SourceImageId=${IMAGE}`,
  'SourceRegion=us-east-1',
  `SnapshotId=${SNAPSHOT}`,
  `ResourceId.1=${IMAGE}`,
  `LaunchTemplateId=${TEMPLATE}`,
  'Attribute=launchPermission',
  'TagSpecification.1.ResourceType=image',
  'TagSpecification.1.Tag.1.Key=ami-rotator:managed',
  'TagSpecification.1.Tag.1.Value=true',
].join('&');

const checksOf = (service: 'ec2' | 'ssm' | 'autoscaling' | 'rbin', action: string, params: Record<string, unknown>) =>
  awsChecksFor({ service, action, params, store: seeded(), region: 'us-east-1', account: ACCOUNT_ID });

describe('authorization read from the Service Authorization Reference as data', () => {
  const served = [
    ...Object.keys(EC2_ACTIONS).map((a) => `ec2:${a}`),
    ...Object.keys(ssmActions).map((a) => `ssm:${a}`),
    ...Object.keys(autoScalingActions).map((a) => `autoscaling:${a}`),
    ...Object.keys(rbinActions).map((a) => `rbin:${a}`),
  ];

  it.each(served)('has an entry for %s, which the emulator serves', async (action) => {
    const reference = await actionReference(action);

    expect(reference.action.toLowerCase()).toBe(action.toLowerCase());
  });

  it.each(Object.keys(EC2_ACTIONS))('places every resource ec2:%s names on a resource type the reference lists for it', async (action) => {
    const reference = await actionReference(`ec2:${action}`);

    const checks = (await Promise.all(requestsNaming(action).map((params) => checksOf('ec2', action, params)))).flat();

    const own = checks.filter((c) => c.action === `ec2:${action}`);
    const types = [...new Set(own.map((c) => (c.resource === '*' ? '*' : resourceTypeOf(reference, c.resource)?.name)))];
    const required = reference.resourceTypes.filter((rt) => rt.required).map((rt) => rt.name);
    expect(types).not.toContain(undefined);
    expect(reference.resourceTypes.length === 0 ? types : required.filter((t) => !types.includes(t))).toEqual(
      reference.resourceTypes.length === 0 ? ['*'] : [],
    );
  });

  it("evaluates CreateImageUsageReport on the report too, the reference's second required resource type", async () => {
    const checks = await checksOf('ec2', 'CreateImageUsageReport', parseQuery(`Action=CreateImageUsageReport&ImageId=${IMAGE}`));

    expect(checks.map((c) => c.resource)).toEqual([
      `arn:aws:ec2:us-east-1::image/${IMAGE}`,
      `arn:aws:ec2:us-east-1:${ACCOUNT_ID}:image-usage-report/*`,
    ]);
  });

  it("sends CopyImage's source image with its owner and id, never its tags", async () => {
    const checks = await checksOf('ec2', 'CopyImage', parseQuery(`Action=CopyImage&SourceImageId=${IMAGE}&SourceRegion=us-east-1`));

    const source = checks.find((c) => c.resource.endsWith(IMAGE));
    expect(source?.context).toEqual({ 'ec2:ImageID': IMAGE, 'ec2:Owner': ACCOUNT_ID, 'ec2:Region': 'us-east-1' });
  });

  it('sends DeregisterImage the tags of the image, as its row lists them', async () => {
    const checks = await checksOf('ec2', 'DeregisterImage', parseQuery(`Action=DeregisterImage&ImageId=${IMAGE}`));

    expect(checks[0]?.context).toMatchObject({ 'aws:ResourceTag/ami-rotator:managed': 'true', 'ec2:Owner': ACCOUNT_ID });
  });

  it('evaluates an action without resource types on *, and a wildcard-only SSM read the same way', async () => {
    const describe = await checksOf('ec2', 'DescribeImages', parseQuery('Action=DescribeImages'));
    const invocation = await checksOf('ssm', 'GetCommandInvocation', { CommandId: 'c', InstanceId: INSTANCE });

    expect(describe.map((c) => c.resource)).toEqual(['*']);
    expect(invocation.map((c) => c.resource)).toEqual(['*']);
  });

  it('refuses, as a defect of the emulator, a check on a resource the reference does not list for the action', async () => {
    const refusal = referenceChecks(
      'ec2:DeleteSnapshot',
      [{ action: 'ec2:DeleteSnapshot', resource: `arn:aws:ec2:us-east-1::image/${IMAGE}`, context: {} }],
      {
        region: 'us-east-1',
        account: ACCOUNT_ID,
      },
    );

    await expect(refusal).rejects.toBeInstanceOf(NotInReferenceError);
    await expect(actionReference('ec2:MakeImageGolden')).rejects.toBeInstanceOf(NotInReferenceError);
  });

  it('still evaluates a required resource type the request does not name, on its ARN format', async () => {
    const checks = await referenceChecks('ssm:PutParameter', [], { region: 'eu-west-1', account: ACCOUNT_ID });

    expect(checks.map((c) => c.resource)).toEqual([`arn:aws:ssm:eu-west-1:${ACCOUNT_ID}:parameter/*`]);
  });
});
