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

/** What a client answers with when an endpoint replies 200 without being AWS (a proxy's login page, a wrong URL). */
class UnrecognizedResponseError extends Error {
  override readonly name = 'UnrecognizedResponse' as const;
}

interface MiddlewareClient {
  middlewareStack: {
    add: (
      middleware: (
        next: (args: unknown) => Promise<{ output: { $metadata?: { requestId?: string } } }>,
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ) => void;
  };
}

/**
 * EC2 and Auto Scaling put a request id in every answer; a 200 without one came from something else,
 * whose body the SDK would read as an empty result ("0 images"). The operator's command refuses such an
 * answer. (Not the Lambdas: they reach AWS itself, and their minified bundles read the id differently.)
 */
export const refuseUnrecognizedResponses = <T>(client: T): T => {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      if (result.output.$metadata?.requestId === undefined)
        throw new UnrecognizedResponseError('the endpoint answered without an AWS request id: it is not the AWS service it should be');
      return result;
    },
    { step: 'initialize', name: 'refuseUnrecognizedResponses' },
  );
  return client;
};

/**
 * A client factory that makes one client per region and container, on first use: `region` is another region than
 * the function's own (a copy's), or undefined for its own (`AWS_REGION`).
 */
export const perRegion = <C>(make: (region: { region?: string }) => C): ((region?: string) => C) => {
  const clients = new Map<string | undefined, C>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = make(region ? { region } : {});
      clients.set(region, client);
    }
    return client;
  };
};
