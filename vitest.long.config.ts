import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The base's projects would run every test file: this config chooses its own.
const { projects: _projects, ...shared } = base.test ?? {};

/**
 * The runs that take minutes of real time or of CPU (test/long/): a rotation whose image is pending longer than a
 * minute, and the soak's second 25 nights (the first 25 run in npm test), which CI runs after npm test.
 */
export default defineConfig({
  test: { ...shared, include: ['test/long/**/*.test.ts'], exclude: ['node_modules/**'] },
});
