import { defineConfig } from 'vitest/config';

/**
 * Files that need a module graph of their own: one sets what a module reads once, when it loads (the logger's level),
 * before it imports it; one serves several emulators at once, so the functions' clients made once per container
 * would keep the endpoint of whichever was current.
 */
const OWN_MODULES = ['test/lambda/observability.test.ts', 'test/emulator/copy-image.test.ts'];

export default defineConfig({
  test: {
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
    projects: [
      // Files of one worker share their modules, as invocations of one Lambda container do: loading the SDK and the
      // emulator once per worker instead of once per file took npm test from 244 s to 133 s here. Each file still
      // gets its own emulator, table and Step Functions executions (test/support/emulator.ts).
      { extends: true, test: { name: 'shared-modules', include: ['test/**/*.test.ts'], exclude: [...OWN_MODULES], isolate: false } },
      { extends: true, test: { name: 'own-modules', include: OWN_MODULES } },
    ],
  },
});
