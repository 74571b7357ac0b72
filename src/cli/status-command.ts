/** `ami-rotator status`: how each family of a stage stands now. Reads only; a read that is refused is named, not fatal. */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { listManagedImages } from '../retention/inventory.ts';
import { TAG } from '../rotation/tags.ts';
import { closestName } from '../suggest.ts';
import { consumerReportsOf } from '../workflow/contract.ts';
import { readAlarmsInAlarm, readSchedules, settle } from './deployment-reads.ts';
import { type ExecutionRecord, readFailureState } from './executions.ts';
import { UsageError } from './flags.ts';
import { type CommandOptions, parseReadFlags, readRotations } from './rotation-reads.ts';
import { STATE_MACHINE_USAGE } from './state-machine.ts';
import { buildStatus, type ConsumersRecord, renderStatus } from './status.ts';

export const STATUS_USAGE = `usage: ami-rotator status [--family NAME] [--since SPAN|DATE] [--stage STAGE | --state-machine-arn ARN] [--json]

Per family: the newest image and its age, what the last publishing rotation published (parameter and
launch template versions), the next scheduled run (from the stage's EventBridge Scheduler schedule), the
last success and failure, its consumer accounts (publish.consumers) and what each one's parameter names, and its
alarms in ALARM; then the stage's other alarms in ALARM. Reaches Step
Functions, EC2, EventBridge Scheduler and CloudWatch through the standard AWS settings (AWS_PROFILE,
AWS_REGION, AWS_ENDPOINT_URL_SFN, _EC2, _SCHEDULER, _CLOUDWATCH). A schedule or alarm read that is
refused is reported, and the rest still shown.

  --family NAME            one family only
  --since SPAN|DATE        how far back to look for the last success and failure (default 30d)
${STATE_MACHINE_USAGE}
  --stage also names the schedules (ami-rotator-<STAGE>-<family>) and alarms (ami-rotator-<STAGE>-...)
  --json                   print the status as JSON`;

export interface StatusClients {
  /** Reads the stage's default family (a run started with `{}` is its run); absent, such a run counts for no family. */
  lambda?: LambdaClient;
  sfn: SFNClient;
  ec2: EC2Client;
  scheduler: SchedulerClient;
  cloudWatch: CloudWatchClient;
}

/** How many of a family's latest rotations are looked into for its consumers (a failed one costs a history read). */
const CONSUMER_LOOKS = 5;

/**
 * A family's consumers as its latest rotation that wrote any left them: a succeeded one's output; a failed one's
 * history (states:GetExecutionHistory), where the failure path's input still holds them.
 */
const consumersOf = async (sfn: SFNClient, executions: readonly ExecutionRecord[]): Promise<ConsumersRecord | undefined> => {
  const ended = executions.filter((e) => !e.dryRun && (e.status === 'SUCCEEDED' || e.status === 'FAILED')).slice(0, CONSUMER_LOOKS);
  for (const e of ended) {
    const state = e.status === 'SUCCEEDED' ? e.output : await readFailureState(sfn, e.executionArn);
    const reports = consumerReportsOf(state);
    if (reports.length > 0) return { execution: e.name, at: (e.stopDate ?? e.startDate).toISOString(), status: e.status, reports };
  }
  return undefined;
};

export const runStatusCommand = async (
  argv: readonly string[],
  clients: StatusClients,
  { now = () => new Date(), progress }: CommandOptions = {},
): Promise<string> => {
  const at = now();
  const flags = parseReadFlags(argv, STATUS_USAGE, at);
  // The schedule and alarm reads may be refused: each is settled on its own, beside the reads status cannot do without.
  const [{ executions, images, defaultFamilyUnreadable, version }, schedules, alarms] = await Promise.all([
    readRotations(clients, flags, progress),
    settle(readSchedules(clients.scheduler, flags.stage)),
    settle(readAlarmsInAlarm(clients.cloudWatch, flags.stage)),
  ]);
  const families = new Set(executions.map((e) => e.family).filter((f): f is string => f !== undefined && (flags.family ?? f) === f));
  const consumers = new Map<string, ConsumersRecord>();
  for (const family of families) {
    const record = await consumersOf(
      clients.sfn,
      executions.filter((e) => e.family === family),
    );
    if (record) consumers.set(family, record);
  }
  const status = buildStatus({
    ...(version ? { version } : {}),
    consumers,
    stage: flags.stage,
    family: flags.family,
    now: at,
    since: flags.since,
    images,
    executions,
    schedules,
    alarms,
  });
  if (defaultFamilyUnreadable)
    status.unreadable.push(
      `the stage's default family (lambda:GetFunctionConfiguration): ${defaultFamilyUnreadable}; runs started without a family are not counted`,
    );
  // A family with nothing here (no image, no run, no schedule) is usually a typo: refuse the closest miss, naming it.
  const asked = flags.family === undefined ? undefined : status.families.find((f) => f.family === flags.family);
  if (asked && asked.images === 0 && !asked.lastSuccess && !asked.lastFailure && !asked.schedule) {
    const known = new Set([
      ...(await listManagedImages(clients.ec2)).map((i) => i.tags[TAG.family] ?? ''),
      ...('value' in schedules ? schedules.value.map((s) => s.family ?? '') : []),
    ]);
    const families = [...known].filter(Boolean).sort();
    const closest = closestName(asked.family, families);
    if (closest !== undefined && closest !== asked.family)
      throw new UsageError(
        `--family ${asked.family}: nothing of this family here; did you mean ${closest}? (families: ${families.join(', ')})`,
      );
  }
  return flags.json ? JSON.stringify(status, null, 2) : renderStatus(status);
};
