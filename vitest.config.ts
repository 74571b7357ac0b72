import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Runs of minutes of real time: `npm run test:long` (CI runs it after npm test).
    exclude: ['test/long/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 30_000,
    // Most files wait on loopback HTTP and the SDK's retry backoff, not the CPU: four forks keep two cores busy while
    // the soak (about 150 s on its own) runs. Measured on a clean clone here: 3 forks 219 s, 4 forks 187 s. (Vitest's
    // default, one fewer than the cores, left one core idle and `npm test` took twice as long.)
    maxWorkers: 4,
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
