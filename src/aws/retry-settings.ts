/**
 * The retry settings every AWS client of the project shares: the adaptive mode (it backs off
 * client-side when a service throttles) with 6 attempts, unless the SDK's standard
 * `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` say otherwise.
 */
export const retrySettings = (env: Readonly<Record<string, string | undefined>> = process.env) => ({
  retryMode: env.AWS_RETRY_MODE ?? 'adaptive',
  maxAttempts: Number(env.AWS_MAX_ATTEMPTS ?? 6),
});
