import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The tests Stryker runs against each mutant of the pure modules (planner, orphans, pacing, report,
 * input contract, naming, waits, error mapping): their unit and property tests. The modules that call
 * EC2 are covered by the emulator and workflow suites, too slow to run once per mutant.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: [
        'test/retention/plan.test.ts',
        'test/retention/orphans-and-pacing.test.ts',
        'test/retention/report.test.ts',
        'test/rotation/**/*.test.ts',
        'test/aws/**/*.test.ts',
        'test/alerts/**/*.test.ts',
      ],
    },
  }),
);
