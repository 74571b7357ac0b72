import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/** The runs that take minutes of real time (test/long/): a rotation whose image is pending longer than a minute. */
export default defineConfig({
  test: { ...base.test, include: ['test/long/**/*.test.ts'], exclude: ['node_modules/**'] },
});
