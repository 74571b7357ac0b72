/**
 * The functions' one logger: Powertools Logger, so every line carries the fields CloudWatch users know
 * (`level`, `message`, `timestamp`, `service`, `cold_start`, `function_request_id`, `xray_trace_id`).
 * The level is the standard `POWERTOOLS_LOG_LEVEL` (Lambda's own `AWS_LAMBDA_LOG_LEVEL` wins when set);
 * `ROTATOR_LOG_LEVEL`, this project's earlier setting, is still read when `POWERTOOLS_LOG_LEVEL` is absent.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE } from './log-keys.ts';

export { SERVICE };

export const createLogger = (env: Readonly<Record<string, string | undefined>> = process.env): Logger => {
  const legacy = env.POWERTOOLS_LOG_LEVEL ? undefined : env.ROTATOR_LOG_LEVEL?.toUpperCase();
  return new Logger({ serviceName: SERVICE, ...(legacy ? { logLevel: legacy as 'INFO' } : {}) });
};

export const logger = createLogger();
