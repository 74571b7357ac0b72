import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * The errors (`E` rules) cfn-lint finds in a template. cfn-lint exits non-zero on a warning too: its findings are on
 * stdout. No stdout: it did not run, which throws.
 */
export const cfnLintErrors = async (path: string): Promise<string[]> => {
  const found = await promisify(execFile)('cfn-lint', ['--format', 'parseable', path]).then(
    () => '',
    (error: { stdout?: string }) => {
      if (!error.stdout) throw error;
      return error.stdout;
    },
  );
  return found.split('\n').filter((line) => /:E\d{4}:/.test(line));
};
