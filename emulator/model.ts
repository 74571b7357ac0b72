/** The emulated account's resources, as EC2 keeps them. */
import type { TagPair } from './query.ts';

export type InstanceStateName = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
export type ImageState = 'pending' | 'available' | 'failed' | 'disabled';
/** What happens to a new image: EC2 finishes it, fails it, or never finishes it. */
export type ImageFate = 'available' | 'failed' | 'stuck';
/** How an instance's status checks go: they pass, one fails (impaired), or they never settle. */
export type BootFate = 'ok' | 'impaired' | 'never';

export interface Volume {
  volumeId: string;
  deviceName: string;
  sizeGiB: number;
  volumeType: string;
}

export interface Instance {
  instanceId: string;
  imageId: string;
  instanceType: string;
  state: InstanceStateName;
  rootDeviceType: 'ebs' | 'instance-store';
  rootDeviceName: string;
  volumes: Volume[];
  tags: TagPair[];
  launchTime: string;
  /** How many times CreateImage rebooted it (CreateImage without NoReboot). */
  rebootCount: number;
  /** Its status checks: `initializing` for the emulator's `bootPolls` looks, then as its fate says. */
  boot?: { fate: BootFate; polls: number };
  /** The instance profile it was launched with: the SSM agent runs commands only with one. */
  instanceProfile?: string;
  /**
   * Launched here, its SSM agent has not registered yet: Systems Manager refuses the first SendCommand naming it
   * (InvalidInstanceId) and lists it in DescribeInstanceInformation only after. An instance of the fixture is registered.
   */
  agentUnregistered?: boolean;
  /** The RunInstances ClientToken it was launched with, and what that call asked for. */
  clientToken?: { token: string; request: string };
}

export interface ImageBlockDevice {
  deviceName: string;
  snapshotId: string;
  sizeGiB: number;
  volumeType: string;
}

export interface Image {
  imageId: string;
  name: string;
  description: string | undefined;
  state: ImageState;
  ownerId: string;
  creationDate: string;
  rootDeviceType: 'ebs' | 'instance-store';
  rootDeviceName: string;
  blockDevices: ImageBlockDevice[];
  tags: TagPair[];
  deregistrationProtection: boolean;
  /** When the image is deprecated (EnableImageDeprecation), to the minute; none when not. */
  deprecationTime?: string | undefined;
  sourceInstanceId: string | undefined;
  stateReason: { code: string; message: string } | undefined;
  /** Why it fails when its fate is `failed` (a disabled key for a copy); a snapshot error otherwise. */
  failReason?: { code: string; message: string };
  /** How many describes have seen it pending; it settles after the emulator's `pendingPolls`. */
  polls: number;
  /** When it settles by the emulator's clock (ms), in time mode (`imageSeconds`): looks then do not settle it. */
  readyAt?: number;
  fate: ImageFate;
  /** A copy: where it was copied from (region and image), as DescribeImages' sourceImageId and sourceImageRegion say. */
  source?: { region: string; imageId: string };
  /** Who may launch it besides its owner (ModifyImageAttribute launchPermission). */
  launchPermissions: LaunchPermission[];
  /** When it last launched an instance as EC2 already reports it (a fixture's); never when absent. */
  lastLaunchedTime?: string;
  /** Launches EC2 has not reported yet, by the emulator's clock (ms): each shows in LastLaunchedTime 24 hours later. */
  launches?: number[];
  /** The ClientToken of the CopyImage that made it, and that request's parameters. */
  clientToken?: { token: string; request: string };
}

export interface Snapshot {
  snapshotId: string;
  volumeId: string;
  state: 'pending' | 'completed' | 'error';
  startTime: string;
  volumeSize: number;
  description: string;
  ownerId: string;
  tags: TagPair[];
  /** Encrypted, with this KMS key (a copy's; `alias/aws/ebs` for EBS's default key). */
  encrypted?: boolean;
  kmsKeyId?: string;
}

export interface LaunchTemplateVersion {
  versionNumber: number;
  imageId: string | undefined;
  description: string | undefined;
  createTime: string;
}

export interface LaunchTemplate {
  launchTemplateId: string;
  launchTemplateName: string;
  defaultVersion: number;
  versions: LaunchTemplateVersion[];
  createTime: string;
  tags: TagPair[];
  /** ClientToken of each CreateLaunchTemplateVersion, and the version it made: a retry makes no second one. */
  clientTokens: Map<string, { version: number; request: string }>;
}

export interface SsmParameter {
  name: string;
  /** The value reads return: for `aws:ec2:image`, the last one EC2 validated. */
  value: string;
  dataType: 'text' | 'aws:ec2:image';
  /** String, StringList or SecureString (a fixture's parameters are String). */
  type?: 'String' | 'StringList' | 'SecureString';
  version: number;
  /** Every version that was written, oldest first: GetParameterHistory. */
  history?: { version: number; value: string; type: string; dataType: string; lastModified: string }[];
  lastModified: string;
  /** An `aws:ec2:image` write not yet validated: readable after `readsLeft` more reads, or never when dropped. */
  pending?: { value: string; readsLeft: number; dropped: boolean } | undefined;
}

export interface LaunchTemplateRef {
  launchTemplateId?: string | undefined;
  launchTemplateName?: string | undefined;
  /** `$Latest`, `$Default` or a version number; `$Default` when absent. */
  version?: string | undefined;
}

export interface AutoScalingGroup {
  name: string;
  launchConfigurationName?: string | undefined;
  launchTemplate?: LaunchTemplateRef | undefined;
  mixedInstancesPolicy?:
    | { launchTemplate: LaunchTemplateRef; overrides: { launchTemplate?: LaunchTemplateRef | undefined; imageId?: string | undefined }[] }
    | undefined;
}

export interface LaunchConfiguration {
  name: string;
  imageId: string;
  createdTime: string;
}

/** A Recycle Bin retention rule (Recycle Bin API reference, GetRule): tag-level when it has resource tags. */
export interface RecycleBinRule {
  identifier: string;
  ruleArn: string;
  description: string;
  resourceType: 'EBS_SNAPSHOT' | 'EC2_IMAGE' | 'EBS_VOLUME';
  retentionDays: number;
  resourceTags: { key: string; value: string }[];
  excludeResourceTags: { key: string; value: string }[];
  status: 'pending' | 'available';
  lockState: 'locked' | 'pending_unlock' | 'unlocked';
}

/** A Run Command (SendCommand) and how it will end. */
/** A Systems Manager Command document: who owns it, and the parameters it declares (required: no default value). */
export interface SsmDocument {
  name: string;
  /** `Amazon`, or the account id. */
  owner: string;
  parameters: readonly { name: string; defaultValue?: string }[];
}

export interface RunCommand {
  commandId: string;
  documentName: string;
  /** SendCommand's Comment, which ListCommands shows. */
  comment?: string;
  instanceIds: string[];
  /**
   * GetCommandInvocation reads so far: the first finds no invocation yet (InvocationDoesNotExist), the next InProgress
   * (unless time mode says when it ends).
   */
  reads: number;
  requestedAt: Date;
  timeoutSeconds: number;
  /** Time mode (`commandSeconds`): when it ends, on the emulator's clock. */
  readyAt?: number;
  /** It has ended (its outcome is read, and its event is on the bus). */
  ended: boolean;
  outcome: { status: 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | 'Undeliverable' | 'InProgress'; output?: string; reboots?: boolean };
}

/** An EventBridge Scheduler schedule (EventBridge Scheduler API Reference, GetSchedule). */
export interface Schedule {
  arn: string;
  name: string;
  groupName: string;
  state: 'ENABLED' | 'DISABLED';
  description: string;
  expression: string;
  timezone: string;
  startDate?: string;
  endDate?: string;
  creationDate: string;
  target: { arn: string; roleArn: string; input: string };
}

/** A Lambda function of a deployed stage, as much as GetFunctionConfiguration answers of it (Lambda API Reference). */
export interface LambdaFunction {
  name: string;
  arn: string;
  runtime: string;
  environment: Record<string, string>;
}

/** A CloudWatch alarm (CloudWatch API Reference, DescribeAlarms: MetricAlarm, CompositeAlarm). */
export interface Alarm {
  name: string;
  arn: string;
  type: 'MetricAlarm' | 'CompositeAlarm';
  description: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  stateReason: string;
  stateUpdated: string;
}

/** One launch permission: an account, the group `all` (public), an organization or an organizational unit. */
export interface LaunchPermission {
  userId?: string;
  group?: string;
  organizationArn?: string;
  organizationalUnitArn?: string;
}

/** An AMI usage report (CreateImageUsageReport): how other accounts use one image, by resource type. */
export interface UsageReport {
  reportId: string;
  imageId: string;
  resourceTypes: string[];
  accountIds: string[];
  state: 'pending' | 'available' | 'error';
  /** Why it is in `error` (a string, as ImageUsageReportStateReason is). */
  stateReason?: string;
  creationTime: string;
  expirationTime: string;
  /** How many describes have seen it pending. */
  looks: number;
  fate: 'available' | 'error' | 'stuck';
  tags: { key: string; value: string }[];
  clientToken?: string;
  /** Per account and resource type, how many of its resources refer to the image (once available). */
  entries: { accountId: string; resourceType: string; usageCount: number }[];
}

/** Another account's instance or launch template that refers to one of this account's images (a consumer's). */
export interface ConsumerUse {
  accountId: string;
  resourceType: 'ec2:Instance' | 'ec2:LaunchTemplate';
  imageId: string;
}

/** How long EC2 takes to report a launch in LastLaunchedTime (EC2 API Reference, Image: "a 24-hour delay"). */
export const LAUNCH_REPORT_DELAY_MS = 24 * 3_600_000;

/** An image's LastLaunchedTime as EC2 answers at `now`: its newest launch that is at least 24 hours old. */
export const reportedLastLaunch = (image: Image, now: Date): string | undefined => {
  const reported = image.lastLaunchedTime === undefined ? [] : [Date.parse(image.lastLaunchedTime)];
  const seen = (image.launches ?? []).filter((at) => at <= now.getTime() - LAUNCH_REPORT_DELAY_MS);
  const newest = Math.max(...reported, ...seen);
  return Number.isFinite(newest) ? new Date(newest).toISOString() : undefined;
};

/** Another account (or this one) launches an instance of the image now: EC2 notes it, and says so a day later. */
export const recordLaunch = (image: Image, now: Date): void => {
  image.launches = [...(image.launches ?? []), now.getTime()];
};
