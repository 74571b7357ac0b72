import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface Template {
  Parameters?: Record<string, { Type: string; Default?: string | number; AllowedPattern?: string; AllowedValues?: string[] }>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Condition?: string }>;
  Outputs?: Record<string, unknown>;
}

/** Where the tests' packaging writes its bundles: its own folder, so a benchmark beside the tests is not disturbed. */
export const BUILD_DIR = '.esbuild-test';

/** Packages the stack with osls, offline and without credentials, as `npm run package` does. */
export const packageStack = async (params: Record<string, string>): Promise<{ dir: string; template: Template }> => {
  // Stale bundles from an earlier build would be measured too.
  await rm(BUILD_DIR, { recursive: true, force: true });
  const dir = await mkdtemp(join(tmpdir(), 'ami-rotator-package-'));
  const args = [
    'node_modules/osls/bin/serverless.js',
    'package',
    '--stage',
    'ci',
    '--package',
    dir,
    ...Object.entries(params).map(([k, v]) => `--param=${k}=${v}`),
  ];
  await promisify(execFile)(process.execPath, args, {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: 'none-offline',
      AMI_ROTATOR_BUILD_DIR: BUILD_DIR,
    },
    timeout: 120_000,
  });
  const template = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  return { dir, template };
};
