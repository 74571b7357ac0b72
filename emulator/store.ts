import { randomBytes } from 'node:crypto';
import { ServiceError } from './error-response.ts';
import type {
  Alarm,
  AutoScalingGroup,
  ConsumerUse,
  Image,
  Instance,
  LambdaFunction,
  LaunchConfiguration,
  LaunchTemplate,
  RecycleBinRule,
  RunCommand,
  Schedule,
  Snapshot,
  SsmDocument,
  SsmParameter,
  UsageReport,
} from './model.ts';

export const ACCOUNT_ID = '123456789012';

const ID_PATTERNS = {
  ami: { pattern: /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/, malformed: 'InvalidAMIID.Malformed', missing: 'InvalidAMIID.NotFound', what: 'image' },
  i: {
    pattern: /^i-[0-9a-f]{8}([0-9a-f]{9})?$/,
    malformed: 'InvalidInstanceID.Malformed',
    missing: 'InvalidInstanceID.NotFound',
    what: 'instance ID',
  },
  snap: {
    pattern: /^snap-[0-9a-f]{8}([0-9a-f]{9})?$/,
    malformed: 'InvalidSnapshotID.Malformed',
    missing: 'InvalidSnapshot.NotFound',
    what: 'snapshot',
  },
  lt: {
    pattern: /^lt-[0-9a-f]{17}$/,
    malformed: 'InvalidLaunchTemplateId.Malformed',
    missing: 'InvalidLaunchTemplateId.NotFound',
    what: 'launch template ID',
  },
} as const;
type IdKind = keyof typeof ID_PATTERNS;

export const unavailable = (id: string) => new ServiceError('InvalidAMIID.Unavailable', `The image id '[${id}]' is no longer available`);

/** The emulated account's state, in memory, with EC2's id rules. */
export class Store {
  readonly instances = new Map<string, Instance>();
  readonly images = new Map<string, Image>();
  readonly snapshots = new Map<string, Snapshot>();
  readonly launchTemplates = new Map<string, LaunchTemplate>();
  readonly parameters = new Map<string, SsmParameter>();
  /** Run Command's commands, by id. */
  readonly commands = new Map<string, RunCommand>();
  /** The account's own Systems Manager documents, by name. */
  readonly documents = new Map<string, SsmDocument>();
  readonly recycleBinRules = new Map<string, RecycleBinRule>();
  /** KMS keys, by key id, with their key policy. */
  readonly kmsKeys = new Map<string, { policy: Record<string, unknown> }>();
  /** AMI usage reports, by report id. */
  readonly usageReports = new Map<string, UsageReport>();
  /** Other accounts' instances and launch templates that use this account's images (what usage reports count). */
  readonly consumerUses: ConsumerUse[] = [];
  /** EventBridge Scheduler's schedules, by `group/name`. */
  readonly schedules = new Map<string, Schedule>();
  /** Lambda functions of the deployed stage (their configuration only: nothing here runs them), by name. */
  readonly functions = new Map<string, LambdaFunction>();
  readonly alarms = new Map<string, Alarm>();
  readonly autoScalingGroups = new Map<string, AutoScalingGroup>();
  readonly launchConfigurations = new Map<string, LaunchConfiguration>();
  /** Images deregistered in this session: EC2 answers their ids with InvalidAMIID.Unavailable for a while, never NotFound at once. */
  readonly deregisteredImages = new Set<string>();

  clear(): void {
    for (const map of [
      this.instances,
      this.images,
      this.snapshots,
      this.launchTemplates,
      this.parameters,
      this.commands,
      this.documents,
      this.recycleBinRules,
      this.kmsKeys,
      this.usageReports,
      this.schedules,
      this.functions,
      this.alarms,
      this.autoScalingGroups,
      this.launchConfigurations,
      this.deregisteredImages,
    ])
      map.clear();
    this.consumerUses.length = 0;
  }

  newId(kind: IdKind | 'vol'): string {
    return `${kind}-${randomBytes(9).toString('hex').slice(0, 17)}`;
  }

  /** Throws EC2's Malformed error for an id of the wrong shape. */
  checkId(kind: IdKind, id: string): void {
    const rule = ID_PATTERNS[kind];
    if (!rule.pattern.test(id)) throw new ServiceError(rule.malformed, `Invalid id: "${id}"`);
  }

  private found<T>(kind: IdKind, id: string, map: Map<string, T>): T {
    this.checkId(kind, id);
    const value = map.get(id);
    if (value === undefined) {
      throw new ServiceError(ID_PATTERNS[kind].missing, `The ${ID_PATTERNS[kind].what} '${id}' does not exist`);
    }
    return value;
  }

  instance(id: string): Instance {
    return this.found('i', id, this.instances);
  }

  image(id: string): Image {
    this.checkId('ami', id);
    if (this.deregisteredImages.has(id)) throw unavailable(id);
    return this.found('ami', id, this.images);
  }

  snapshot(id: string): Snapshot {
    return this.found('snap', id, this.snapshots);
  }

  launchTemplate(id: string): LaunchTemplate {
    return this.found('lt', id, this.launchTemplates);
  }

  /** The registered images whose block devices use the snapshot. */
  imagesUsingSnapshot(snapshotId: string): Image[] {
    return [...this.images.values()].filter((image) => image.blockDevices.some((d) => d.snapshotId === snapshotId));
  }

  /** Any taggable resource by id, for CreateTags and DeleteTags. */
  taggable(id: string): { tags: { key: string; value: string }[] } {
    if (id.startsWith('ami-')) return this.image(id);
    if (id.startsWith('snap-')) return this.snapshot(id);
    if (id.startsWith('i-')) return this.instance(id);
    throw new ServiceError('InvalidID', `The ID '${id}' is not valid`);
  }
}
