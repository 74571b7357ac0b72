import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The tests Stryker runs against each mutant of the pure modules (planner, orphans, pacing, report,
 * input contract, naming, waits, error mapping): their unit and property tests, and the prune and plan
 * command against the emulator (the report's only callers). The workflow and reliability suites cover
 * the same code through the state machine, too slowly to run once per mutant.
 */
export default defineConfig({
  test: {
    // Not mergeConfig: it would append these to the base's include, which takes every test.
    ...base.test,
    setupFiles: ['test/support/mutation-setup.ts'],
    include: [
      'test/retention/plan.test.ts',
      'test/retention/orphans-and-pacing.test.ts',
      'test/retention/report.test.ts',
      'test/retention/readme-examples.test.ts',
      'test/retention/prune.test.ts',
      'test/cli/plan-command.test.ts',
      'test/rotation/**/*.test.ts',
      'test/aws/**/*.test.ts',
      'test/alerts/**/*.test.ts',
    ],
  },
});
