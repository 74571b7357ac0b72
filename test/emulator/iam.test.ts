import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, PutParameterCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/server.ts';
import { localIam, roleCredentials } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { failureOf, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const MANAGED = 'ami-0aaaaaaaaaaaaaaa1';
const FOREIGN = 'ami-0aaaaaaaaaaaaaaa2';
const managedTags = { [TAG.managed]: 'true', [TAG.family]: 'web-prod', [TAG.keep]: 'true' };

const as = <C>(Client: new (config: object) => C, role: string, url = emulator().url): C =>
  new Client({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: roleCredentials(role) });
const seedImages = () =>
  emulator().seed({
    images: [
      { imageId: MANAGED, name: 'web-prod-1', creationDate: '2026-11-01T00:00:00.000Z', tags: managedTags },
      { imageId: FOREIGN, name: 'someone-elses', creationDate: '2026-11-01T00:00:00.000Z', tags: { team: 'data' } },
    ],
  });
const tagsOf = (imageId: string) => Object.fromEntries((emulator().store.images.get(imageId)?.tags ?? []).map((t) => [t.key, t.value]));

describe('IAM in the emulator, from the policies the stack deploys', () => {
  it("refuses a DeleteTags without tag keys from the prune's role, which would strip every tag", async () => {
    seedImages();
    const ec2 = as(EC2Client, 'PruneImagesRole');

    const bare = await failureOf(ec2.send(new DeleteTagsCommand({ Resources: [MANAGED] })));
    const ownKey = await failureOf(ec2.send(new DeleteTagsCommand({ Resources: [MANAGED], Tags: [{ Key: TAG.disabledAt }] })));

    expect(bare).toMatchObject({ name: 'UnauthorizedOperation' });
    expect(bare?.message).toContain('assumed-role/PruneImagesRole');
    expect(ownKey).toBeUndefined();
    expect(tagsOf(MANAGED)).toEqual(managedTags);
  });

  it('lets the clean-up delete only managed images, and the tag step write only its own keys', async () => {
    seedImages();

    const foreign = await failureOf(as(EC2Client, 'CleanUpImageRole').send(new DeregisterImageCommand({ ImageId: FOREIGN })));
    const family = await failureOf(
      as(EC2Client, 'TagImageRole').send(new CreateTagsCommand({ Resources: [MANAGED], Tags: [{ Key: TAG.family, Value: 'db-prod' }] })),
    );
    const status = await failureOf(
      as(EC2Client, 'TagImageRole').send(new CreateTagsCommand({ Resources: [MANAGED], Tags: [{ Key: TAG.status, Value: 'available' }] })),
    );

    expect(foreign).toMatchObject({ name: 'UnauthorizedOperation' });
    expect(emulator().store.images.has(FOREIGN)).toBe(true);
    expect(family).toMatchObject({ name: 'UnauthorizedOperation' });
    expect(status).toBeUndefined();
  });

  it("checks DescribeImageReferences' reads on the caller's behalf: a role without them is refused", async () => {
    seedImages();
    const references = new DescribeImageReferencesCommand({ ImageIds: [MANAGED], ResourceTypes: [{ ResourceType: 'ssm:Parameter' }] });

    expect(await failureOf(as(EC2Client, 'PruneImagesRole').send(references))).toBeUndefined();
    expect(await failureOf(as(EC2Client, 'TagImageRole').send(references))).toMatchObject({ name: 'UnauthorizedOperation' });
  });

  it('answers as SSM does: AccessDeniedException outside the publish path', async () => {
    const ssm = as(SSMClient, 'PublishImageRole');

    const outside = await failureOf(ssm.send(new PutParameterCommand({ Name: '/secrets/db', Value: 'x', Type: 'String' })));

    expect(outside).toMatchObject({ name: 'AccessDeniedException' });
    expect(emulator().store.parameters.has('/secrets/db')).toBe(false);
  });

  it("does not check a caller that is none of the stack's roles (a test's or an operator's own client)", async () => {
    seedImages();
    const ec2 = new EC2Client({ endpoint: emulator().url, region: 'us-east-1', maxAttempts: 1, credentials: roleCredentials('local') });

    expect(await failureOf(ec2.send(new DeregisterImageCommand({ ImageId: FOREIGN })))).toBeUndefined();
  });
});

describe("SSM's validation of an aws:ec2:image value, with the caller's own permission", () => {
  const publish = async (iam: ReturnType<typeof localIam>) => {
    const own = await startEmulator({ iam });
    try {
      own.seed({ images: [{ imageId: MANAGED, name: 'web-prod-1', creationDate: '2026-11-01T00:00:00.000Z', tags: managedTags }] });
      const ssm = as(SSMClient, 'PublishImageRole', own.url);
      const name = '/golden/web-prod/latest';
      await ssm.send(new PutParameterCommand({ Name: name, Value: MANAGED, Type: 'String', DataType: 'aws:ec2:image' }));
      // SSM validates after answering: the second read sees what it accepted.
      await failureOf(ssm.send(new GetParameterCommand({ Name: name })));
      return (await failureOf(ssm.send(new GetParameterCommand({ Name: name }))))?.name ?? own.store.parameters.get(name)?.value;
    } finally {
      await own.close();
    }
  };

  it('keeps the value when the publishing role may describe images, and drops it when the statement is removed', async () => {
    const stack = localIam(LOCAL_ACCOUNT_ID);
    const role = stack.principals.PublishImageRole;
    if (!role) throw new Error('no PublishImageRole in the stack');
    const withoutDescribe = {
      ...stack,
      principals: {
        ...stack.principals,
        PublishImageRole: {
          ...role,
          policies: role.policies.map((p) => ({
            ...p,
            policy: { ...p.policy, Statement: p.policy.Statement.filter((s) => JSON.stringify(s).indexOf('ec2:DescribeImages') === -1) },
          })),
        },
      },
    };

    expect(await publish(stack)).toBe(MANAGED);
    expect(await publish(withoutDescribe)).toBe('ParameterNotFound');
  });

  it('is what the stack deploys: the publishing role may describe images', async () => {
    const ec2 = as(EC2Client, 'PublishImageRole');

    expect(await failureOf(ec2.send(new DescribeImagesCommand({ Owners: ['self'] })))).toBeUndefined();
  });

  it("decides AWS-owned documents (ARNs without an account) by the role's own statements: prepare may patch, never run a shell", async () => {
    emulator().seed({
      instances: [{ instanceId: 'i-0a1b2c3d4e5f60001', instanceProfile: 'golden-ssm', tags: { [TAG.family]: 'web-prod' } }],
    });
    const ssm = as(SSMClient, 'PrepareInstanceRole');
    const send = (document: string) => ssm.send(new SendCommandCommand({ DocumentName: document, InstanceIds: ['i-0a1b2c3d4e5f60001'] }));

    await expect(send('AWS-RunPatchBaseline')).resolves.toMatchObject({ Command: { DocumentName: 'AWS-RunPatchBaseline' } });
    expect(await failureOf(send('AWS-RunShellScript'))).toMatchObject({ name: 'AccessDeniedException' });
  });
});
