import { z } from 'zod';
import { ConfigurationError } from './errors.ts';
import { DEFAULT_RETENTION, type RetentionPolicy } from './retention/policy.ts';
import { DEFAULT_WAIT, type WaitPolicy } from './rotation/backoff.ts';

/** What a deployment configures; an execution input may override all but the wait policy. */
export interface DeploymentConfig {
  defaultFamily: string | undefined;
  defaultInstanceId: string | undefined;
  noReboot: boolean;
  retention: RetentionPolicy;
  wait: WaitPolicy;
}

const optionalInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max).optional();

const envSchema = z.object({
  ROTATOR_DEFAULT_FAMILY: z.string().min(1).optional(),
  ROTATOR_DEFAULT_INSTANCE_ID: z.string().min(1).optional(),
  ROTATOR_NO_REBOOT: z.enum(['true', 'false']).default('true'),
  ROTATOR_KEEP_LAST: optionalInt(1, 1000),
  ROTATOR_MAX_AGE_DAYS: optionalInt(1, 3650),
  ROTATOR_MIN_KEEP: optionalInt(1, 1000),
  ROTATOR_MAX_WAIT_MINUTES: optionalInt(5, 24 * 60),
});

/** Reads the deployment's settings from an environment (a function's, or the local runner's). */
export const readConfig = (env: Readonly<Record<string, string | undefined>>): DeploymentConfig => {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    throw new ConfigurationError(
      `Invalid deployment settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  return {
    defaultFamily: e.ROTATOR_DEFAULT_FAMILY,
    defaultInstanceId: e.ROTATOR_DEFAULT_INSTANCE_ID,
    noReboot: e.ROTATOR_NO_REBOOT === 'true',
    retention: {
      keepLast: e.ROTATOR_KEEP_LAST ?? DEFAULT_RETENTION.keepLast,
      maxAgeDays: e.ROTATOR_MAX_AGE_DAYS ?? DEFAULT_RETENTION.maxAgeDays,
      minKeep: e.ROTATOR_MIN_KEEP ?? DEFAULT_RETENTION.minKeep,
    },
    wait: { ...DEFAULT_WAIT, timeoutSeconds: (e.ROTATOR_MAX_WAIT_MINUTES ?? DEFAULT_WAIT.timeoutSeconds / 60) * 60 },
  };
};

/** The running function's configuration. Read per invocation: a few variables, microseconds. */
export const deploymentConfig = (): DeploymentConfig => readConfig(process.env);
