/**
 * The settings every AWS client of the project shares. Retries: the adaptive mode (it backs off
 * client-side when a service throttles) with 6 attempts, unless the SDK's standard `AWS_RETRY_MODE`
 * and `AWS_MAX_ATTEMPTS` say otherwise. Timeouts, so that an endpoint that never answers fails the
 * call instead of the whole Lambda: 5 s to connect and `ROTATOR_REQUEST_TIMEOUT_MS` (20 s) per attempt.
 */
export const clientSettings = (env: Readonly<Record<string, string | undefined>> = process.env) => ({
  retryMode: env.AWS_RETRY_MODE ?? 'adaptive',
  maxAttempts: Number(env.AWS_MAX_ATTEMPTS ?? 6),
  requestHandler: {
    connectionTimeout: 5_000,
    requestTimeout: Number(env.ROTATOR_REQUEST_TIMEOUT_MS ?? 20_000),
    throwOnRequestTimeout: true,
  },
});
