/**
 * Fault injection, configured per test: throttling, server errors, lost responses, latency, and
 * the fate of new images. Random choices come from a seeded generator so a run can be replayed.
 */
import type { BootFate, ImageFate } from './model.ts';

export interface FaultRule {
  /** Actions the rule applies to; all actions when absent. */
  actions?: readonly string[];
  /** Only calls whose top-level parameters have these values, e.g. `{ ImageId: 'ami-0abc...' }`. */
  params?: Readonly<Record<string, string>>;
  /** Fraction of matching calls that fail (0 to 1); 1 when absent. */
  rate?: number;
  /** How many times the rule fires at most; unlimited when absent. */
  times?: number;
  /** The EC2 error code to answer with, e.g. `RequestLimitExceeded` or `InternalError`. */
  code: string;
  /**
   * `before` (default) fails the call without acting; `after` acts, then answers the error, as when
   * a response is lost after EC2 accepted the request.
   */
  when?: 'before' | 'after';
  /** Only calls signed for this region (a region that fails while the others answer); every region when absent. */
  region?: string;
}

interface ImageFateRule {
  /** A substring of the image name. */
  nameContains: string;
  fate: ImageFate;
  /** Only images made in this region (a copy's fate apart from its source's); every region when absent. */
  region?: string;
}

/** How an instance launched from a matching image boots: its status checks pass, fail, or never settle. */
interface BootFateRule {
  /** A substring of the name of the image the instance is launched from. */
  imageNameContains: string;
  fate: BootFate;
}

/** How a Run Command of a document ends (the first matching rule; Success when none). */
export type CommandStatus = 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | 'Undeliverable' | 'InProgress';
const COMMAND_STATUSES: readonly string[] = ['Success', 'Failed', 'TimedOut', 'Cancelled', 'Undeliverable', 'InProgress'];
interface CommandOutcomeRule {
  documentName?: string;
  /** InProgress: the command never ends (an agent that hangs). */
  status: CommandStatus;
  output?: string;
  /** The document reboots the instance before it ends (AWS-RunPatchBaseline with RebootIfNeeded): its status checks start over. */
  reboots?: boolean;
}

export interface FaultPlan {
  rules?: readonly FaultRule[];
  /** Added to every response, in milliseconds. */
  latencyMs?: number;
  imageFates?: readonly ImageFateRule[];
  /** How many valid `aws:ec2:image` parameter writes SSM silently drops (its asynchronous validation). */
  dropParameterWrites?: number;
  bootFates?: readonly BootFateRule[];
  commandOutcomes?: readonly CommandOutcomeRule[];
  /** Images whose usage reports end in `error` instead of `available`, or stay `pending` (`stuck`: EC2 is slow). */
  usageReportFates?: readonly { imageId: string; fate: 'error' | 'stuck' }[];
  /** KMS key ARNs that are disabled: a copy encrypted with one fails, as EC2 reports it (the image ends failed). */
  disabledKeys?: readonly string[];
  seed?: number;
}

const isList = (v: unknown, item: (x: Record<string, unknown>) => boolean) =>
  v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && item(x as Record<string, unknown>)));

/** A fault plan posted to /_emulator/faults, or what is wrong with it. */
export const parseFaultPlan = (body: string): FaultPlan | string => {
  let plan: unknown;
  try {
    plan = JSON.parse(body || '{}');
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan))
    return 'expected an object {rules?, latencyMs?, imageFates?, dropParameterWrites?, seed?}';
  const { rules, latencyMs, imageFates, seed, dropParameterWrites } = plan as Record<string, unknown>;
  if (dropParameterWrites !== undefined && !(Number.isInteger(dropParameterWrites) && (dropParameterWrites as number) >= 0))
    return 'dropParameterWrites: expected a whole number';
  if (!isList(rules, (r) => typeof r.code === 'string')) return 'rules: expected a list of {code, actions?, params?, rate?, times?, when?}';
  if (!isList(imageFates, (f) => typeof f.nameContains === 'string' && typeof f.fate === 'string'))
    return 'imageFates: expected a list of {nameContains, fate, region?}';
  const { disabledKeys, usageReportFates } = plan as Record<string, unknown>;
  if (!isList(usageReportFates, (f) => typeof f.imageId === 'string' && (f.fate === 'error' || f.fate === 'stuck')))
    return 'usageReportFates: expected a list of {imageId, fate: error or stuck}';
  if (disabledKeys !== undefined && !(Array.isArray(disabledKeys) && disabledKeys.every((k) => typeof k === 'string')))
    return 'disabledKeys: expected a list of KMS key ARNs';
  const { bootFates, commandOutcomes } = plan as Record<string, unknown>;
  if (!isList(bootFates, (f) => typeof f.imageNameContains === 'string' && ['ok', 'impaired', 'never'].includes(String(f.fate))))
    return 'bootFates: expected a list of {imageNameContains, fate: ok | impaired | never}';
  if (
    !isList(
      commandOutcomes,
      (c) => COMMAND_STATUSES.includes(String(c.status)) && (c.reboots === undefined || typeof c.reboots === 'boolean'),
    )
  )
    return `commandOutcomes: expected a list of {documentName?, status: ${COMMAND_STATUSES.join(' | ')}, output?, reboots?}`;
  if (latencyMs !== undefined && !(typeof latencyMs === 'number' && latencyMs >= 0 && latencyMs <= 60_000))
    return 'latencyMs: expected 0 to 60000';
  if (seed !== undefined && !Number.isInteger(seed)) return 'seed: expected a whole number';
  return plan as FaultPlan;
};

const STATUS: Record<string, number> = {
  RequestLimitExceeded: 503,
  InternalError: 500,
  Unavailable: 503,
  InternalServerError: 500,
  InternalServerException: 500,
  AccessDeniedException: 403,
};

export const faultStatus = (code: string): number => STATUS[code] ?? 400;

/** A small seeded generator (mulberry32): the same seed gives the same faults. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export class Faults {
  private plan: FaultPlan = {};
  private fired = new Map<FaultRule, number>();
  private random = seededRandom(1);
  private drops = 0;

  set(plan: FaultPlan): void {
    this.plan = plan;
    this.fired = new Map();
    this.random = seededRandom(plan.seed ?? 1);
    this.drops = 0;
  }

  /** Whether SSM drops this valid parameter write; counts it. */
  takeParameterDrop(): boolean {
    if (this.drops >= (this.plan.dropParameterWrites ?? 0)) return false;
    this.drops += 1;
    return true;
  }

  clear(): void {
    this.set({});
  }

  get latencyMs(): number {
    return this.plan.latencyMs ?? 0;
  }

  /** The rule that fires for this call at this moment, if any; counts it as fired. */
  pick(action: string, params: Readonly<Record<string, unknown>>, when: 'before' | 'after', region?: string): FaultRule | undefined {
    for (const rule of this.plan.rules ?? []) {
      if ((rule.when ?? 'before') !== when) continue;
      if (rule.region !== undefined && rule.region !== region) continue;
      if (rule.actions && !rule.actions.includes(action)) continue;
      if (rule.params && !Object.entries(rule.params).every(([key, value]) => params[key] === value)) continue;
      const fired = this.fired.get(rule) ?? 0;
      if (rule.times !== undefined && fired >= rule.times) continue;
      if (this.random() >= (rule.rate ?? 1)) continue;
      this.fired.set(rule, fired + 1);
      return rule;
    }
    return undefined;
  }

  bootFateOf(imageName: string): BootFate {
    return this.plan.bootFates?.find((rule) => imageName.includes(rule.imageNameContains))?.fate ?? 'ok';
  }

  commandOutcomeOf(documentName: string): CommandOutcomeRule {
    return (
      this.plan.commandOutcomes?.find((rule) => rule.documentName === undefined || rule.documentName === documentName) ?? {
        status: 'Success',
      }
    );
  }

  fateOf(imageName: string, region?: string): ImageFate {
    return (
      this.plan.imageFates?.find((rule) => imageName.includes(rule.nameContains) && (rule.region === undefined || rule.region === region))
        ?.fate ?? 'available'
    );
  }

  usageReportFateOf(imageId: string): 'available' | 'error' | 'stuck' {
    return this.plan.usageReportFates?.find((f) => f.imageId === imageId)?.fate ?? 'available';
  }

  keyDisabled(keyArn: string): boolean {
    return this.plan.disabledKeys?.includes(keyArn) ?? false;
  }
}
