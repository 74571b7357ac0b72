import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    // Most files wait on loopback HTTP and the SDK's retry backoff, not the CPU: three forks keep two cores busy.
    // (Vitest's default, one fewer than the cores, left one core idle and `npm test` took twice as long.)
    maxWorkers: 3,
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      // Metric lines (EMF) on stdout only where a test asks for them (test/lambda/metrics.test.ts).
      POWERTOOLS_METRICS_DISABLED: 'true',
      // Log lines only where a test reads them (test/lambda/logging.test.ts).
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
  },
});
