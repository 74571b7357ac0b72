/** `ami-rotator plan`: prints the retention plan for a family, as of a date of the operator's choosing. Changes nothing. */
import { readConfig } from '../config.ts';
import { InvalidInputError } from '../errors.ts';
import { listManagedImages } from '../retention/inventory.ts';
import { describePolicy } from '../retention/policy.ts';
import { ORPHAN_GRACE_HOURS, type PruneClients, type PrunePlan, planPrune } from '../retention/prune.ts';
import { parseRotationRequest, type RotationRequest } from '../rotation/request.ts';
import { TAG } from '../rotation/tags.ts';
import { closestName } from '../suggest.ts';
import { exactDate, parseFlags, UsageError } from './flags.ts';

export const PLAN_USAGE = `usage: ami-rotator plan [--stage STAGE] [--family NAME] [--now ISO-DATE] [--json]
                        [--keep-last N] [--max-age-days N] [--min-keep N]

Prints what a prune of the family would keep and delete, with a reason for every image, and
changes nothing. EC2 is reached through the standard AWS settings (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_AUTO_SCALING and AWS_ENDPOINT_URL_RBIN for an emulator).

  --stage STAGE    plan as the deployed stage prunes: its retention, its copy regions and its default family,
                   read from its ValidateInput function's configuration (lambda:GetFunctionConfiguration on
                   ami-rotator-STAGE-validateInput; AWS_ENDPOINT_URL_LAMBDA for an emulator). Without it, the
                   settings come from ROTATOR_KEEP_LAST, ROTATOR_MAX_AGE_DAYS, ROTATOR_MIN_KEEP, ROTATOR_DISTRIBUTE
                   and ROTATOR_DEFAULT_FAMILY in the environment, or the defaults.
  --family NAME    the family (with --stage: the stage's default family when not given)
  --now ISO-DATE   plan as of this moment, e.g. 2027-01-31T00:00:00Z, to see what will expire
  --keep-last N, --max-age-days N   the expiry rule (giving either replaces both; off switches one off)
  --json           print the plan as JSON instead of a table

With ROTATOR_DISTRIBUTE set as in the deployment, the plan of each region the family is copied to follows,
under that region's retention.`;

const FLAGS: Record<string, string> = {
  family: '--family',
  'retention.keepLast': '--keep-last',
  'retention.maxAgeDays': '--max-age-days',
  'retention.minKeep': '--min-keep',
};

const table = (plan: PrunePlan, policy: string, now: Date): string => {
  const deprecating = new Map(plan.deprecations.map((d) => [d.imageId, d.reason]));
  const staging = new Map(plan.stages.map((d) => [d.imageId, d.stage]));
  const rows = plan.images.map((d) => [
    d.action === 'delete' ? 'DELETE' : (staging.get(d.imageId) ?? (deprecating.has(d.imageId) ? 'deprecate' : 'keep')),
    d.imageId,
    d.name,
    d.creationDate.slice(0, 10),
    deprecating.has(d.imageId) ? `${d.reason}; ${deprecating.get(d.imageId)}` : d.reason,
  ]);
  const header = ['ACTION', 'IMAGE', 'NAME', 'CREATED', 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  const orphans = plan.snapshots.map((s) => `  ${s.action === 'delete' ? 'DELETE' : 'keep'}  ${s.snapshotId}  ${s.reason}`);
  const expired = plan.images.filter((d) => d.action === 'delete').length;
  return [
    `Retention plan as of ${now.toISOString()}: ${policy}`,
    `Usage of expired images: ${plan.usage.description}`,
    ...(plan.recycleBin ? [`Recycle Bin: ${plan.recycleBin.note}`] : []),
    '',
    line(header),
    ...rows.map(line),
    ...(orphans.length ? ['', 'Snapshots no image uses:', ...orphans] : []),
    '',
    `${plan.images.length} image(s): ${expired} would be deleted with their snapshots, ${plan.images.length - expired} kept${plan.deprecations.length ? ` (${plan.deprecations.length} would be deprecated)` : ''}; ${plan.snapshots.filter((s) => s.action === 'delete').length} orphaned snapshot(s) would be deleted.`,
  ].join('\n');
};

export const runPlanCommand = async (
  argv: readonly string[],
  clients: PruneClients,
  environment: Readonly<Record<string, string | undefined>>,
  /** Clients signed for another region, for the regions the family is copied to (ROTATOR_DISTRIBUTE). */
  clientsIn: (region: string) => PruneClients = () => clients,
  /** Reads a deployed stage's settings (`--stage`); absent, `--stage` is refused. */
  stageSettings?: (stage: string) => Promise<Record<string, string>>,
): Promise<string> => {
  const values = parseFlags(
    argv,
    {
      stage: { type: 'string' },
      family: { type: 'string' },
      now: { type: 'string' },
      json: { type: 'boolean', default: false },
      'keep-last': { type: 'string' },
      'max-age-days': { type: 'string' },
      'min-keep': { type: 'string' },
    },
    PLAN_USAGE,
  );
  const stage = values.stage === undefined ? undefined : String(values.stage);
  if (stage !== undefined && !stageSettings) throw new UsageError('--stage: this plan cannot read a deployed stage');
  // The stage's own settings over the environment's: the deployment's rules, not the laptop's.
  const deployed = stage !== undefined && stageSettings ? await stageSettings(stage) : undefined;
  const env = deployed
    ? { ...Object.fromEntries(Object.entries(environment).filter(([k]) => !k.startsWith('ROTATOR_'))), ...deployed }
    : environment;
  const now = values.now === undefined ? new Date() : exactDate(String(values.now));
  if (now === undefined) throw new UsageError(`--now: expected an ISO 8601 date such as 2027-01-31T00:00:00Z, got "${values.now}"`);
  // Only plain decimal digits are a number ("0x10" and "1e3" are not); `off` switches a rule off; anything else is refused by the contract.
  const number = (flag: string) => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    if (raw === 'off') return null;
    return /^\d{1,9}$/.test(String(raw)) ? Number(raw) : String(raw);
  };
  const retention = Object.fromEntries(
    Object.entries({ keepLast: number('keep-last'), maxAgeDays: number('max-age-days'), minKeep: number('min-keep') }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  // The same contract as the execution input (with a placeholder instance), so the CLI refuses what a rotation would refuse.
  let request: RotationRequest;
  try {
    request = parseRotationRequest({ family: values.family, instanceId: 'i-00000000', retention }, readConfig(env));
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new UsageError(
      error.problems
        .map((p) =>
          p.replace(/^(family|retention\.\w+)/, (field) => FLAGS[field] ?? field).replace(', or null to switch', ', or off to switch'),
        )
        .join('\n'),
    );
  }
  const plan = await planPrune(clients, {
    family: request.family,
    policy: request.retention,
    now,
    orphanGraceHours: ORPHAN_GRACE_HOURS,
    checkRecycleBin: true,
  });
  // A family with no images here is usually a typo: say which families there are, and refuse the closest miss; a stage
  // rotates its default family and the families it has made images of, and no other.
  if (plan.images.length === 0) {
    const families = [
      ...new Set((await listManagedImages(clients.ec2)).map((i) => i.tags[TAG.family]).filter((f): f is string => !!f)),
    ].sort();
    const defaultFamily = deployed?.ROTATOR_DEFAULT_FAMILY;
    if (stage !== undefined && request.family !== defaultFamily) {
      const closest = closestName(request.family, [...families, ...(defaultFamily ? [defaultFamily] : [])]);
      throw new UsageError(
        `--family ${request.family}: stage ${stage} does not rotate this family (its default family: ${defaultFamily || 'none'}; families with images: ${families.join(', ') || 'none'})${closest !== undefined && closest !== request.family ? `; did you mean ${closest}?` : ''}`,
      );
    }
    const closest = closestName(request.family, families);
    if (closest !== undefined && closest !== request.family)
      throw new UsageError(
        `--family ${request.family}: no images of this family here; did you mean ${closest}? (families with images: ${families.join(', ')})`,
      );
    if (!values.json)
      return `No images of family ${request.family} here${families.length ? ` (families with images: ${families.join(', ')})` : ''}: nothing to plan.`;
  }
  // Each copy region's family, planned as its prune plans it: its own images, under its own retention.
  const regions = await Promise.all(
    (request.distribute?.regions ?? []).map(async (target) => ({
      region: target.region,
      policy: target.retention,
      plan: await planPrune(clientsIn(target.region), {
        family: request.family,
        policy: target.retention,
        now,
        orphanGraceHours: ORPHAN_GRACE_HOURS,
        checkRecycleBin: true,
      }),
    })),
  );
  if (values.json)
    return JSON.stringify(
      {
        family: request.family,
        now: now.toISOString(),
        policy: request.retention,
        ...plan,
        ...(regions.length ? { regions: regions.map((r) => ({ region: r.region, policy: r.policy, ...r.plan })) } : {}),
      },
      null,
      2,
    );
  const source = [
    ...(stage !== undefined
      ? [
          `As stage ${stage} is deployed (its ValidateInput function's settings): family ${request.family}, ${describePolicy(request.retention)}`,
          '',
        ]
      : []),
    table(plan, describePolicy(request.retention), now),
  ].join('\n');
  if (regions.length === 0) return source;
  return [
    `Region ${env.AWS_REGION ?? 'of the environment'} (source)`,
    source,
    ...regions.flatMap((r) => ['', `Region ${r.region} (copies)`, table(r.plan, describePolicy(r.policy), now)]),
  ].join('\n');
};
