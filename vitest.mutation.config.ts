import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The base's projects would run every test file: these configs choose their own.
const { projects: _projects, ...shared } = base.test ?? {};

/**
 * The tests Stryker runs against each mutant of the pure modules (planner, orphans, pacing, input
 * contract, naming, waits, error mapping): their unit and property tests. The modules that call AWS
 * (and the report they feed) are covered by the emulator, workflow and reliability suites, too slowly
 * to run once per mutant.
 */
export default defineConfig({
  test: {
    // Not mergeConfig: it would append these to the base's include, which takes every test.
    ...shared,
    setupFiles: ['test/support/mutation-setup.ts'],
    // Stryker runs its own test runners side by side (stryker.config.json's concurrency): one fork each.
    maxWorkers: 1,
    include: [
      'test/retention/plan.test.ts',
      'test/retention/deprecation.test.ts',
      'test/retention/staging.test.ts',
      'test/retention/withdrawal.test.ts',
      'test/retention/recycle-bin-assessment.test.ts',
      'test/retention/orphans-and-pacing.test.ts',
      'test/retention/report.test.ts',
      'test/retention/readme-examples.test.ts',
      'test/rotation/**/*.test.ts',
      'test/aws/**/*.test.ts',
      'test/alerts/**/*.test.ts',
      'test/cli/next-run.test.ts',
      'test/cli/history.test.ts',
      'test/workflow/contract.test.ts',
      'test/stack/deploy-settings.test.ts',
    ],
  },
});
