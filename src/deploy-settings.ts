/**
 * The stage's parameters (serverless.yml `params`, `--param`), checked when the stack is built rather than at
 * deploy or at 02:00: one line per problem, naming the parameter, what was given and what is expected. Pure:
 * infra/check-settings.cjs hands it the resolved parameters and the names given on the command line.
 * The execution-input settings (publish, bootTest, prepare, distribute, startOn's inputs) are checked with the input's own contract.
 */
import { partition } from '@aws-sdk/core/client';
import { nextRun } from './cli/next-run.ts';
import { readConfig } from './config.ts';
import { parseRotationRequest } from './rotation/request.ts';
import { closestName } from './suggest.ts';

type Params = Readonly<Record<string, string>>;

/** CloudWatch Logs' retention choices (PutRetentionPolicy, retentionInDays). */
/** CloudWatch Logs' retention periods (PutRetentionPolicy, Days): the only values a log group takes. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** The environment the functions get from the parameters (serverless.yml, provider.environment). */
const ENVIRONMENT: Record<string, string> = {
  noReboot: 'ROTATOR_NO_REBOOT',
  keepLast: 'ROTATOR_KEEP_LAST',
  maxAgeDays: 'ROTATOR_MAX_AGE_DAYS',
  minKeep: 'ROTATOR_MIN_KEEP',
  deprecateAfterDays: 'ROTATOR_DEPRECATE_AFTER_DAYS',
  disableBeforeDeleteDays: 'ROTATOR_DISABLE_BEFORE_DELETE_DAYS',
  keepLaunchedWithinDays: 'ROTATOR_KEEP_LAUNCHED_WITHIN_DAYS',
  maxWaitMinutes: 'ROTATOR_MAX_WAIT_MINUTES',
  publish: 'ROTATOR_PUBLISH',
  publishPath: 'ROTATOR_PUBLISH_PATH',
  bootTest: 'ROTATOR_BOOT_TEST',
  prepare: 'ROTATOR_PREPARE',
  prepareDocuments: 'ROTATOR_PREPARE_DOCUMENTS',
  distribute: 'ROTATOR_DISTRIBUTE',
};

const unknownNames = (given: readonly string[], known: readonly string[]): string[] =>
  given
    .filter((name) => !known.includes(name))
    .map((name) => {
      const closest = closestName(name, known);
      const hint = closest ? `did you mean ${closest}?` : `expected one of ${known.join(', ')}`;
      return `--param ${name}: not a parameter of this stack; ${hint}`;
    });

const scheduleProblems = (schedule: string, timezone: string, now: Date): string[] => {
  const cron = /^cron\((.*)\)$/.exec(schedule)?.[1];
  if (cron !== undefined) {
    const fields = cron.split(' ');
    if (fields.length !== 6)
      return [
        `schedule: "${schedule}" has ${fields.length} fields; EventBridge Scheduler's cron has six (minutes hours day-of-month month day-of-week year), e.g. cron(0 2 * * ? *)`,
      ];
    if (fields[2] !== '?' && fields[4] !== '?')
      return [`schedule: "${schedule}": one of day-of-month and day-of-week must be ?, e.g. cron(0 2 * * ? *)`];
  }
  const next = nextRun({ expression: schedule, timezone, state: 'ENABLED', creationDate: now }, now);
  if (!('none' in next)) return [];
  return next.none.startsWith('cannot read')
    ? [
        `schedule: "${schedule}" is not an EventBridge Scheduler expression; expected cron(...) with six fields, rate(N minutes|hours|days) or at(yyyy-mm-ddThh:mm:ss)`,
      ]
    : [`schedule: "${schedule}": ${next.none}`];
};

const timezoneProblems = (timezone: string): string[] => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return [];
  } catch {
    return [`timezone: "${timezone}" is not an IANA time zone; expected one such as UTC or Europe/Paris`];
  }
};

/** Problems with one JSON parameter checked against the execution input's contract. */
const contractProblems = (name: string, check: () => void): string[] => {
  try {
    check();
    return [];
  } catch (error) {
    // The message may name the function's variable (ROTATOR_PUBLISH: ...): the parameter is named already.
    return [`${name}: ${(error instanceof Error ? error.message : String(error)).replace(/^ROTATOR_[A-Z_]+: /, '')}`];
  }
};

/** Systems Manager's Run Command events (Systems Manager User Guide, "Monitoring Systems Manager events with EventBridge"). */
const COMMAND_EVENTS = ['EC2 Command Status-change Notification', 'EC2 Command Invocation Status-change Notification'];
/** The documents a rotation itself sends: prepare's patch and clean-up (any stage's), the boot test's scan, and the deployer's own. */
const ownDocuments = (params: Params): ((name: string) => boolean) => {
  const listed = (params.prepareDocuments ?? '').split(',').map((d) => d.trim());
  const bootTest = (() => {
    try {
      return String((JSON.parse(params.bootTest || '{}') as { ssmDocument?: unknown }).ssmDocument ?? '');
    } catch {
      return '';
    }
  })();
  const fixed = ['AWS-RunPatchBaseline', 'AWS-RunShellScript', bootTest, ...listed].filter(Boolean);
  return (name) => fixed.includes(name) || /^ami-rotator-.+-clean-up$/.test(name);
};
/** A pattern field that names no value, or a value that is not a plain string (a prefix, anything-but), may match any. */
const mayMatch = (field: unknown, values: readonly string[]): boolean =>
  !Array.isArray(field) || field.some((v) => typeof v !== 'string' || values.includes(v));

/**
 * A startOn pattern that would match the Run Command events of the rotation's own commands (prepare's, the boot test's)
 * starts a rotation from each rotation: refused, unless it names detail.document-name with none of those documents.
 */
const ownCommandProblems = (triggers: readonly unknown[], isOwn: (name: string) => boolean): string[] =>
  triggers.flatMap((t, n) => {
    const pattern = (t as { pattern?: Record<string, unknown> } | null)?.pattern;
    if (typeof pattern !== 'object' || pattern === null) return [];
    if (!mayMatch(pattern.source, ['aws.ssm']) || !mayMatch(pattern['detail-type'], COMMAND_EVENTS)) return [];
    const names = (pattern.detail as Record<string, unknown> | undefined)?.['document-name'];
    const plain = Array.isArray(names) && names.every((v) => typeof v === 'string');
    const clash = plain ? (names as string[]).filter(isOwn) : [];
    if (plain && clash.length === 0) return [];
    return [
      `startOn[${n}].pattern: would match the Run Command events of the rotation's own commands (${clash.length > 0 ? clash.join(', ') : 'AWS-RunPatchBaseline, AWS-RunShellScript, the clean-up document'}), so each rotation would start another; name detail.document-name with documents the rotation does not send`,
    ];
  });

const startOnProblems = (
  raw: string,
  family: string,
  instanceId: string,
  env: Record<string, string | undefined>,
  params: Params,
): string[] => {
  if (raw === '') return [];
  let triggers: unknown;
  try {
    triggers = JSON.parse(raw);
  } catch {
    return [`startOn: not JSON; expected a list of {"pattern": {...}, "input"?: {...}}`];
  }
  if (!Array.isArray(triggers)) return [`startOn: expected a list of {"pattern": {...}, "input"?: {...}}`];
  return [
    ...ownCommandProblems(triggers, ownDocuments(params)),
    ...triggers.flatMap((t: { input?: unknown }, n) =>
      contractProblems(`startOn[${n}].input`, () =>
        parseRotationRequest({ family, instanceId, ...(t?.input as object | undefined) }, readConfig(env)),
      ),
    ),
  ];
};

/**
 * A Region AWS publishes: the SDK's partition data (the `partitions.json` of AWS's endpoint rules, in every client)
 * describes each Region it knows; a name of the right shape that it does not describe is no Region (eu-west-9). Whether
 * an opt-in Region is enabled for the account cannot be known offline: its first deploy says so.
 */
const regionProblems = (region: string): string[] =>
  REGION.test(region) && (partition(region) as { description?: string }).description !== undefined
    ? []
    : [
        `region: "${region}" is not an AWS Region${REGION.test(region) ? " in AWS's published partition data" : ''}; expected one such as us-east-1 or eu-west-1`,
      ];

/** Every problem with the stage's parameters; none means the stack may be built. */
export const checkDeploySettings = (params: Params, given: readonly string[], known: readonly string[], now = new Date()): string[] => {
  const value = (name: string) => params[name] ?? '';
  const problems = unknownNames(given, known);
  const family = value('family');
  const instanceId = value('instanceId');
  if (instanceId !== '' && !INSTANCE_ID.test(instanceId))
    problems.push(`instanceId: "${instanceId}" is not an EC2 instance id; expected i- and 8 or 17 hex digits, e.g. i-0123456789abcdef0`);
  if ((family === '') !== (instanceId === ''))
    problems.push(`family and instanceId: give both for the nightly schedule, or neither (family "${family}", instanceId "${instanceId}")`);
  const zone = timezoneProblems(value('timezone'));
  problems.push(...zone, ...scheduleProblems(value('schedule'), zone.length === 0 ? value('timezone') : 'UTC', now));
  const email = value('alertEmail');
  if (email !== '' && !EMAIL.test(email))
    problems.push(`alertEmail: "${email}" is not an e-mail address; expected one such as oncall@example.com`);
  const freshness = value('freshnessHours');
  if (!/^\d+$/.test(freshness) || Number(freshness) < 1 || Number(freshness) > 168)
    problems.push(`freshnessHours: "${freshness}"; expected a whole number of hours from 1 to 168`);
  const retention = value('logRetentionDays');
  if (!LOG_RETENTION_DAYS.includes(Number(retention)) || !/^\d+$/.test(retention))
    problems.push(`logRetentionDays: "${retention}"; expected one of CloudWatch Logs' ${LOG_RETENTION_DAYS.join(', ')}`);
  if (!LOG_LEVELS.includes(value('logLevel'))) problems.push(`logLevel: "${value('logLevel')}"; expected one of ${LOG_LEVELS.join(', ')}`);
  problems.push(...regionProblems(value('region')));
  // The functions' own settings, read as they read them: the variable names become the parameters' names.
  const env = Object.fromEntries(Object.entries(ENVIRONMENT).map(([name, variable]) => [variable, value(name)]));
  try {
    readConfig(env);
  } catch (error) {
    const message = (error as Error).message.replace(/^Invalid deployment settings: /, '');
    const names = Object.fromEntries(Object.entries(ENVIRONMENT).map(([name, variable]) => [variable, name]));
    problems.push(...message.split('; ').map((p) => p.replace(/^(ROTATOR_[A-Z_]+)/, (v) => names[v] ?? v)));
  }
  // publish, bootTest, prepare and startOn's inputs against the execution input's contract, whatever the other settings are.
  const contract = () =>
    readConfig({
      ROTATOR_PUBLISH: value('publish'),
      ROTATOR_BOOT_TEST: value('bootTest'),
      ROTATOR_PREPARE: value('prepare'),
      ROTATOR_PREPARE_DOCUMENTS: value('prepareDocuments'),
      ROTATOR_DISTRIBUTE: value('distribute'),
      ROTATOR_PUBLISH_PATH: env.ROTATOR_PUBLISH_PATH,
      AWS_REGION: value('region'),
    });
  const sample = {
    family: family || 'web-prod',
    instanceId: instanceId && INSTANCE_ID.test(instanceId) ? instanceId : 'i-0123456789abcdef0',
  };
  if (value('publish') !== '')
    problems.push(...contractProblems('publish', () => parseRotationRequest({ ...sample, bootTest: null, prepare: null }, contract())));
  if (value('bootTest') !== '')
    problems.push(...contractProblems('bootTest', () => parseRotationRequest({ ...sample, publish: null, prepare: null }, contract())));
  if (value('prepare') !== '')
    problems.push(...contractProblems('prepare', () => parseRotationRequest({ ...sample, publish: null, bootTest: null }, contract())));
  if (value('distribute') !== '')
    problems.push(
      ...contractProblems('distribute', () =>
        parseRotationRequest({ ...sample, publish: null, bootTest: null, prepare: null }, contract()),
      ),
    );
  problems.push(...startOnProblems(value('startOn'), sample.family, sample.instanceId, {}, params));
  return problems;
};
