import { ConfigurationError } from './errors.ts';
import { DEFAULT_KEEP_LAUNCHED_WITHIN_DAYS, DEFAULT_RETENTION, type RetentionPolicy } from './retention/policy.ts';
import { DEFAULT_WAIT, type WaitPolicy } from './rotation/backoff.ts';

/** What a deployment configures; an execution input may override all but the wait policy. */
export interface DeploymentConfig {
  defaultFamily: string | undefined;
  defaultInstanceId: string | undefined;
  noReboot: boolean;
  retention: RetentionPolicy;
  wait: WaitPolicy;
  /** `ROTATOR_PUBLISH`: the default `publish` setting as JSON, checked with the input contract (src/rotation/request.ts). */
  publish: string | undefined;
  /** `ROTATOR_PUBLISH_PATH`: the SSM path the publish role may write under; a parameter outside it is refused. */
  publishPath: string;
  /** `ROTATOR_BOOT_TEST`: the default `bootTest` setting as JSON, checked with the input contract (src/rotation/boot-test-request.ts). */
  bootTest: string | undefined;
  /** `ROTATOR_PREPARE`: the default `prepare` setting as JSON, checked with the input contract (src/rotation/prepare-request.ts). */
  prepare: string | undefined;
  /** `ROTATOR_CLEAN_UP_DOCUMENT`: the name of the stack's clean-up document, what `clean` runs. */
  cleanUpDocument: string;
  /** `ROTATOR_PREPARE_DOCUMENTS`: the other documents prepare may run (comma-separated); the prepare role may send only these and the two defaults. */
  prepareDocuments: string[];
  /** `ROTATOR_DISTRIBUTE`: the default `distribute` setting as JSON, and the regions and keys the roles allow (src/rotation/distribute-request.ts). */
  distribute: string | undefined;
  /** `AWS_REGION`: where the function runs, the source region that images are made in. */
  region: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Where published parameters live unless the deployment says otherwise (the publish role may write only there). */
export const DEFAULT_PUBLISH_PATH = '/golden/';

/** The clean-up document's name when the environment does not say: the local stage's (the stack always sets it). */
export const DEFAULT_CLEAN_UP_DOCUMENT = 'ami-rotator-local-clean-up';

/** The longest wait for a pending image a deployment may set; the state machine's own timeout is sized from it (a test holds them). */
export const MAX_WAIT_MINUTES = 24 * 60;

/** An optional whole number from the environment, within a range; a problem is recorded, not thrown, so all are reported at once. */
const wholeNumber = (env: Env, name: string, min: number, max: number, problems: string[], orElse = ''): number | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name}: expected a whole number from ${min} to ${max}${orElse}, got "${raw}"`);
    return undefined;
  }
  return value;
};

/** A retention rule from the environment: `off` switches it off (an empty object), unset keeps the default. */
const retentionRule = (env: Env, name: string, field: 'keepLast' | 'maxAgeDays', max: number, problems: string[]) => {
  if (env[name] === 'off') return {};
  return { [field]: wholeNumber(env, name, 1, max, problems, ' or off') ?? DEFAULT_RETENTION[field] };
};

/**
 * Reads the deployment's settings from an environment (a function's, or the local runner's).
 * Hand-parsed rather than schema-parsed: every function reads it, and a schema library would
 * double the size of the bundles that need nothing else from it.
 */
export const readConfig = (env: Env): DeploymentConfig => {
  const problems: string[] = [];
  const noReboot = env.ROTATOR_NO_REBOOT || 'true';
  if (noReboot !== 'true' && noReboot !== 'false') problems.push(`ROTATOR_NO_REBOOT: expected true or false, got "${noReboot}"`);
  const keepLast = retentionRule(env, 'ROTATOR_KEEP_LAST', 'keepLast', 1000, problems);
  const maxAgeDays = retentionRule(env, 'ROTATOR_MAX_AGE_DAYS', 'maxAgeDays', 3650, problems);
  const minKeep = wholeNumber(env, 'ROTATOR_MIN_KEEP', 1, 1000, problems);
  const maxWaitMinutes = wholeNumber(env, 'ROTATOR_MAX_WAIT_MINUTES', 5, MAX_WAIT_MINUTES, problems);
  const stage = (name: string) => (env[name] === 'off' ? undefined : wholeNumber(env, name, 1, 3650, problems, ' or off'));
  const deprecateAfterDays = stage('ROTATOR_DEPRECATE_AFTER_DAYS');
  const disableBeforeDeleteDays = stage('ROTATOR_DISABLE_BEFORE_DELETE_DAYS');
  // A shared image launched within a week is kept unless the stage says otherwise (off, or another number of days).
  const keepLaunchedWithinDays =
    env.ROTATOR_KEEP_LAUNCHED_WITHIN_DAYS === undefined || env.ROTATOR_KEEP_LAUNCHED_WITHIN_DAYS === ''
      ? DEFAULT_KEEP_LAUNCHED_WITHIN_DAYS
      : stage('ROTATOR_KEEP_LAUNCHED_WITHIN_DAYS');
  const publishPath = env.ROTATOR_PUBLISH_PATH;
  if (publishPath && !/^\/([a-zA-Z0-9_.-]+\/)+$/.test(publishPath))
    problems.push(`ROTATOR_PUBLISH_PATH: expected an SSM path such as /golden/ (starting and ending with /), got "${publishPath}"`);
  if (problems.length > 0) throw new ConfigurationError(`Invalid deployment settings: ${problems.join('; ')}`);
  return {
    defaultFamily: env.ROTATOR_DEFAULT_FAMILY || undefined,
    defaultInstanceId: env.ROTATOR_DEFAULT_INSTANCE_ID || undefined,
    noReboot: noReboot === 'true',
    retention: {
      ...keepLast,
      ...maxAgeDays,
      minKeep: minKeep ?? DEFAULT_RETENTION.minKeep,
      ...(deprecateAfterDays === undefined ? {} : { deprecateAfterDays }),
      ...(disableBeforeDeleteDays === undefined ? {} : { disableBeforeDeleteDays }),
      ...(keepLaunchedWithinDays === undefined ? {} : { keepLaunchedWithinDays }),
    },
    wait: { ...DEFAULT_WAIT, timeoutSeconds: (maxWaitMinutes ?? DEFAULT_WAIT.timeoutSeconds / 60) * 60 },
    publish: env.ROTATOR_PUBLISH || undefined,
    publishPath: env.ROTATOR_PUBLISH_PATH || DEFAULT_PUBLISH_PATH,
    bootTest: env.ROTATOR_BOOT_TEST || undefined,
    prepare: env.ROTATOR_PREPARE || undefined,
    cleanUpDocument: env.ROTATOR_CLEAN_UP_DOCUMENT || DEFAULT_CLEAN_UP_DOCUMENT,
    distribute: env.ROTATOR_DISTRIBUTE || undefined,
    region: env.AWS_REGION || undefined,
    prepareDocuments: (env.ROTATOR_PREPARE_DOCUMENTS ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean),
  };
};

/** The running function's configuration. Read per invocation: a few variables, microseconds. */
export const deploymentConfig = (): DeploymentConfig => readConfig(process.env);
