/**
 * Stands in for the SDK's default credential chain in the Lambda bundles (an esbuild alias in
 * serverless.yml): on Lambda the role's credentials are always in the environment, and the rest of
 * the chain (profiles, SSO, process, instance metadata) is a sixth of a bundle parsed at every cold
 * start. The local runner and the CLI run from source and keep the whole chain.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
