import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The tests Stryker runs against each mutant of src/retention and src/rotation: every test that
 * exercises those modules, without the reliability suite's 200-night soak, the stack packaging and the
 * emulator's own conformance (they cover the same code far more slowly).
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: [
        'test/retention/**/*.test.ts',
        'test/rotation/**/*.test.ts',
        'test/aws/**/*.test.ts',
        'test/workflow/**/*.test.ts',
        'test/cli/plan-command.test.ts',
      ],
    },
  }),
);
