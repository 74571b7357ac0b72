/** Seeds the emulator from a JSON fixture: instances, images with dates and tags, snapshots, templates, parameters. */
import { z } from 'zod';
import type { Store } from './store.ts';
import { ACCOUNT_ID } from './store.ts';

/** A key's default key policy (AWS KMS Developer Guide, "Default key policy"): the account's IAM policies decide. */
const defaultKeyPolicy = (account: string): Record<string, unknown> => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
});

const tags = z.record(z.string(), z.string()).default({});
const toPairs = (t: Record<string, string>) => Object.entries(t).map(([key, value]) => ({ key, value }));

const volume = z.object({ deviceName: z.string(), sizeGiB: z.number().int().positive().default(8), volumeType: z.string().default('gp3') });

const templateRef = z.strictObject({
  launchTemplateId: z.string().optional(),
  launchTemplateName: z.string().optional(),
  version: z.string().optional(),
});

const fixtureSchema = z.strictObject({
  instances: z
    .array(
      z.strictObject({
        instanceId: z.string().optional(),
        imageId: z.string().default('ami-0000000000000base'),
        instanceType: z.string().default('t3.micro'),
        state: z.enum(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']).default('running'),
        rootDeviceType: z.enum(['ebs', 'instance-store']).default('ebs'),
        volumes: z.array(volume).default([{ deviceName: '/dev/xvda', sizeGiB: 8, volumeType: 'gp3' }]),
        tags,
        /** The instance profile it runs with: its SSM agent registers (Run Command reaches it) only with one. */
        instanceProfile: z.string().optional(),
      }),
    )
    .default([]),
  images: z
    .array(
      z.strictObject({
        imageId: z.string().optional(),
        name: z.string(),
        description: z.string().optional(),
        creationDate: z.iso.datetime(),
        state: z.enum(['pending', 'available', 'failed', 'disabled']).default('available'),
        ownerId: z.string().default(ACCOUNT_ID),
        rootDeviceType: z.enum(['ebs', 'instance-store']).default('ebs'),
        deregistrationProtection: z.boolean().default(false),
        deprecationTime: z.string().optional(),
        /** Sizes of the snapshots backing it, one per volume; or the ids of existing snapshots to share. */
        volumes: z.array(volume).default([{ deviceName: '/dev/xvda', sizeGiB: 8, volumeType: 'gp3' }]),
        snapshotIds: z.array(z.string()).optional(),
        tags,
        snapshotTags: tags,
        /** Who may launch it: account ids, `all`, organization or OU ARNs (checked as ModifyImageAttribute checks them). */
        launchPermissions: z
          .array(
            z.strictObject({
              userId: z
                .string()
                .regex(/^\d{12}$/)
                .optional(),
              group: z.literal('all').optional(),
              organizationArn: z.string().optional(),
              organizationalUnitArn: z.string().optional(),
            }),
          )
          .default([]),
        lastLaunchedTime: z.iso.datetime().optional(),
      }),
    )
    .default([]),
  snapshots: z
    .array(
      z.strictObject({
        snapshotId: z.string().optional(),
        volumeSize: z.number().int().positive().default(8),
        startTime: z.iso.datetime(),
        description: z.string().default(''),
        tags,
      }),
    )
    .default([]),
  launchTemplates: z
    .array(
      z.strictObject({
        launchTemplateId: z.string().optional(),
        name: z.string(),
        defaultVersion: z.number().int().positive().default(1),
        versions: z.array(z.strictObject({ imageId: z.string().optional(), description: z.string().optional() })).min(1),
        tags,
      }),
    )
    .default([]),
  parameters: z
    .array(z.strictObject({ name: z.string(), value: z.string(), dataType: z.enum(['text', 'aws:ec2:image']).default('text') }))
    .default([]),
  launchConfigurations: z.array(z.strictObject({ name: z.string(), imageId: z.string() })).default([]),
  // Other accounts' instances and launch templates that use this account's images: what AMI usage reports count.
  consumers: z
    .array(
      z.strictObject({
        accountId: z.string().regex(/^\d{12}$/),
        instances: z.array(z.string()).default([]),
        launchTemplates: z.array(z.string()).default([]),
      }),
    )
    .default([]),
  // The account's own Systems Manager documents (CreateDocument's name: 3 to 128 of a-zA-Z0-9_-.), with the parameters
  // each declares (one without a default is required).
  documents: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-zA-Z0-9_.-]{3,128}$/),
        parameters: z.array(z.strictObject({ name: z.string().min(1), defaultValue: z.string().optional() })).default([]),
      }),
    )
    .default([]),
  // KMS keys of this region, by key id (AWS KMS Developer Guide, "Key identifiers": a key id of 1 to 128 of
  // a-zA-Z0-9-) with their key policy; absent, the default key policy ("Default key policy": the account may
  // use IAM policies to allow access to the key).
  kmsKeys: z
    .array(z.strictObject({ keyId: z.string().regex(/^[a-zA-Z0-9-]{1,128}$/), policy: z.record(z.string(), z.unknown()).optional() }))
    .default([]),
  // Recycle Bin rules (CreateRule's limits): retention 1 to 365 days for snapshots and AMIs, 1 to 7 for volumes.
  recycleBinRules: z
    .array(
      z
        .strictObject({
          identifier: z.string().regex(/^[0-9a-zA-Z]{11}$/),
          description: z.string().max(255).default(''),
          resourceType: z.enum(['EBS_SNAPSHOT', 'EC2_IMAGE', 'EBS_VOLUME']),
          retentionDays: z.number().int().min(1).max(365),
          resourceTags: z.record(z.string(), z.string()).default({}),
          excludeResourceTags: z.record(z.string(), z.string()).default({}),
          status: z.enum(['pending', 'available']).default('available'),
        })
        .refine((r) => r.resourceType !== 'EBS_VOLUME' || r.retentionDays <= 7, 'volumes are retained 1 to 7 days')
        .refine(
          (r) => Object.keys(r.resourceTags).length === 0 || Object.keys(r.excludeResourceTags).length === 0,
          'a rule has resource tags (tag-level) or exclusion tags (Region-level), not both',
        ),
    )
    .default([]),
  // EventBridge Scheduler schedules (CreateSchedule's limits): name and group 1 to 64 of [0-9a-zA-Z-_.],
  // description at most 512, an expression of at(...), rate(...) or cron(...) of at most 256.
  schedules: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[0-9a-zA-Z\-_.]{1,64}$/),
        groupName: z
          .string()
          .regex(/^[0-9a-zA-Z\-_.]{1,64}$/)
          .default('default'),
        state: z.enum(['ENABLED', 'DISABLED']).default('ENABLED'),
        description: z.string().max(512).default(''),
        expression: z
          .string()
          .max(256)
          .regex(/^(at|rate|cron)\(.+\)$/),
        timezone: z.string().default('UTC'),
        startDate: z.iso.datetime().optional(),
        endDate: z.iso.datetime().optional(),
        target: z.strictObject({ arn: z.string(), roleArn: z.string(), input: z.string().max(8192).default('{}') }),
      }),
    )
    .default([]),
  // Lambda functions of the deployed stage (CreateFunction's limits): a name of 1 to 64 of [a-zA-Z0-9-_], environment
  // variable names of a letter then letters, digits and _, the variables at most 4 KB in all.
  functions: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/),
        runtime: z.string().default('nodejs22.x'),
        environment: z
          .record(z.string().regex(/^[a-zA-Z]\w*$/), z.string())
          .default({})
          .refine((e) => Buffer.byteLength(JSON.stringify(e)) <= 4096, 'environment variables exceed 4 KB'),
      }),
    )
    .default([]),
  // CloudWatch alarms (PutMetricAlarm / PutCompositeAlarm): name 1 to 255, description at most 1024.
  alarms: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(255),
        type: z.enum(['MetricAlarm', 'CompositeAlarm']).default('MetricAlarm'),
        description: z.string().max(1024).default(''),
        state: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']).default('INSUFFICIENT_DATA'),
        stateReason: z.string().default(''),
      }),
    )
    .default([]),
  autoScalingGroups: z
    .array(
      z.strictObject({
        name: z.string(),
        launchConfigurationName: z.string().optional(),
        launchTemplate: templateRef.optional(),
        mixedInstancesPolicy: z
          .strictObject({
            launchTemplate: templateRef,
            overrides: z.array(z.strictObject({ launchTemplate: templateRef.optional(), imageId: z.string().optional() })).default([]),
          })
          .optional(),
      }),
    )
    .default([]),
});

export type Fixture = z.input<typeof fixtureSchema>;

export const loadFixture = (store: Store, input: unknown, now: Date): void => {
  const fixture = fixtureSchema.parse(input);
  const at = now.toISOString();
  for (const s of fixture.snapshots) {
    const snapshotId = s.snapshotId ?? store.newId('snap');
    store.snapshots.set(snapshotId, {
      snapshotId,
      volumeId: store.newId('vol'),
      state: 'completed',
      startTime: s.startTime,
      volumeSize: s.volumeSize,
      description: s.description,
      ownerId: ACCOUNT_ID,
      tags: toPairs(s.tags),
    });
  }
  for (const i of fixture.images) {
    const imageId = i.imageId ?? store.newId('ami');
    const blockDevices = i.volumes.map((v, n) => {
      const shared = i.snapshotIds?.[n];
      const snapshotId = shared ?? store.newId('snap');
      if (!shared) {
        store.snapshots.set(snapshotId, {
          snapshotId,
          volumeId: store.newId('vol'),
          state: i.state === 'failed' ? 'error' : 'completed',
          startTime: i.creationDate,
          volumeSize: v.sizeGiB,
          description: `Created by CreateImage for ${imageId}`,
          ownerId: i.ownerId,
          tags: toPairs(i.snapshotTags),
        });
      }
      return { deviceName: v.deviceName, snapshotId, sizeGiB: v.sizeGiB, volumeType: v.volumeType };
    });
    store.images.set(imageId, {
      imageId,
      name: i.name,
      description: i.description,
      state: i.state,
      ownerId: i.ownerId,
      creationDate: i.creationDate,
      rootDeviceType: i.rootDeviceType,
      rootDeviceName: '/dev/xvda',
      blockDevices,
      tags: toPairs(i.tags),
      deregistrationProtection: i.deregistrationProtection,
      deprecationTime: i.deprecationTime,
      sourceInstanceId: undefined,
      stateReason: i.state === 'failed' ? { code: 'Client.InternalError', message: 'Client.InternalError' } : undefined,
      polls: 0,
      fate: 'available',
      launchPermissions: i.launchPermissions.map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined))),
      ...(i.lastLaunchedTime === undefined ? {} : { lastLaunchedTime: i.lastLaunchedTime }),
    });
  }
  for (const i of fixture.instances) {
    const instanceId = i.instanceId ?? store.newId('i');
    store.instances.set(instanceId, {
      instanceId,
      imageId: i.imageId,
      instanceType: i.instanceType,
      state: i.state,
      rootDeviceType: i.rootDeviceType,
      rootDeviceName: '/dev/xvda',
      volumes: i.rootDeviceType === 'ebs' ? i.volumes.map((v) => ({ ...v, volumeId: store.newId('vol') })) : [],
      tags: toPairs(i.tags),
      launchTime: at,
      rebootCount: 0,
      ...(i.instanceProfile ? { instanceProfile: i.instanceProfile } : {}),
    });
  }
  for (const t of fixture.launchTemplates) {
    const launchTemplateId = t.launchTemplateId ?? store.newId('lt');
    store.launchTemplates.set(launchTemplateId, {
      launchTemplateId,
      launchTemplateName: t.name,
      defaultVersion: t.defaultVersion,
      createTime: at,
      versions: t.versions.map((v, n) => ({ versionNumber: n + 1, imageId: v.imageId, description: v.description, createTime: at })),
      tags: toPairs(t.tags),
      clientTokens: new Map(),
    });
  }
  for (const p of fixture.parameters) store.parameters.set(p.name, { ...p, version: 1, lastModified: at });
  for (const c of fixture.launchConfigurations) store.launchConfigurations.set(c.name, { ...c, createdTime: at });
  for (const g of fixture.autoScalingGroups) store.autoScalingGroups.set(g.name, g);
  for (const s of fixture.schedules) {
    const { startDate, endDate, ...rest } = s;
    store.schedules.set(`${s.groupName}/${s.name}`, {
      ...rest,
      arn: `arn:aws:scheduler:us-east-1:${ACCOUNT_ID}:schedule/${s.groupName}/${s.name}`,
      creationDate: at,
      ...(startDate === undefined ? {} : { startDate }),
      ...(endDate === undefined ? {} : { endDate }),
    });
  }
  for (const f of fixture.functions)
    store.functions.set(f.name, { ...f, arn: `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:${f.name}` });
  for (const a of fixture.alarms) {
    store.alarms.set(a.name, { ...a, arn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT_ID}:alarm:${a.name}`, stateUpdated: at });
  }
  for (const c of fixture.consumers) {
    for (const imageId of c.instances) store.consumerUses.push({ accountId: c.accountId, resourceType: 'ec2:Instance', imageId });
    for (const imageId of c.launchTemplates)
      store.consumerUses.push({ accountId: c.accountId, resourceType: 'ec2:LaunchTemplate', imageId });
  }
  for (const d of fixture.documents)
    store.documents.set(d.name, {
      name: d.name,
      owner: ACCOUNT_ID,
      parameters: d.parameters.map((p) => ({ name: p.name, ...(p.defaultValue === undefined ? {} : { defaultValue: p.defaultValue }) })),
    });
  for (const k of fixture.kmsKeys) store.kmsKeys.set(k.keyId, { policy: k.policy ?? defaultKeyPolicy(ACCOUNT_ID) });
  for (const r of fixture.recycleBinRules) {
    store.recycleBinRules.set(r.identifier, {
      ...r,
      ruleArn: `arn:aws:rbin:us-east-1:${ACCOUNT_ID}:rule/${r.identifier}`,
      resourceTags: toPairs(r.resourceTags),
      excludeResourceTags: toPairs(r.excludeResourceTags),
      lockState: 'unlocked',
    });
  }
};
