/**
 * `npm run release` (offline): `release/<version>/`, what a platform team deploys without a toolchain (docs/release.md).
 *
 * - `ami-rotator.template.json`: the stack as plain CloudFormation whose settings are CloudFormation Parameters (checked
 *   by AllowedPattern and AllowedValues where CloudFormation can; the JSON ones by the first execution's validation),
 *   its functions' code read from an assets bucket the deployer names. No account id, Region or bucket name in it.
 * - `assets/<function>.zip`: the Lambda bundles, as `osls package` builds them.
 * - `consumer-stack.yml`: the consumer accounts' stack (a StackSet), as it is in infra/.
 * - `upload-assets.sh`: copies the assets to `s3://BUCKET/PREFIX` with the AWS CLI, after checking their checksums.
 * - `SHA256SUMS` and `CHANGELOG.md` (this version's section).
 *
 * The stack is packaged once with placeholder settings (`PLACEHOLDERS`), each unique and valid for the stage's own
 * check; every place a placeholder lands becomes a `Ref` to its Parameter, or a `Fn::Sub` of it inside a longer string.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { PLACEHOLDERS, type ReleaseSettings, releaseTemplate, SHAPE_SETTINGS, STAGE_PLACEHOLDER } from './release-template.ts';

const root = new URL('../', import.meta.url).pathname;
const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
// `--out DIR` (default release/<version>), and `--param=name=value` for the settings that shape the stack.
const { values } = parseArgs({ options: { out: { type: 'string' }, param: { type: 'string', multiple: true } } });
const out = values.out ?? join(root, 'release', version);
const shape = (values.param ?? []).map((p) => {
  const name = p.split('=')[0] ?? '';
  if (!SHAPE_SETTINGS.includes(name)) {
    console.error(
      `--param=${name}: not a setting a release fixes (${SHAPE_SETTINGS.join(', ')}); the others are Parameters of the release template, given at deploy`,
    );
    process.exit(2);
  }
  return `--param=${p}`;
});

/** The changelog's section of this version: from its heading to the next. */
export const changelogSection = (changelog: string, of: string): string => {
  const start = changelog.search(new RegExp(`^## ${of.replaceAll('.', '\\.')}\\b`, 'm'));
  if (start < 0) throw new Error(`CHANGELOG.md has no section "## ${of}": write what the release changes for an operator first`);
  const next = changelog.slice(start + 3).search(/^## /m);
  return changelog.slice(start, next < 0 ? undefined : start + 3 + next).trimEnd();
};

const packaged = await mkdtemp(join(tmpdir(), 'ami-rotator-release-'));
// The framework's esbuild plugin puts every bundle's zip in the service folder's own .serverless/ before the package
// folder: packaged from the repository, a release would share it with any other packaging under way (`npm run
// package`, the stack tests) and lose zips to it. The release is packaged from a service folder of its own, whose
// entries are links to the repository's (serverless.yml a copy: the framework does not take a linked one for its own).
const service = await mkdtemp(join(tmpdir(), 'ami-rotator-release-service-'));
const OWN = new Set(['.git', '.serverless', 'release', 'serverless.yml']);
for (const entry of await readdir(root))
  if (!OWN.has(entry) && !entry.startsWith('.esbuild')) await symlink(join(root, entry), join(service, entry));
await copyFile(join(root, 'serverless.yml'), join(service, 'serverless.yml'));
const settings: ReleaseSettings = { version };
const args = [
  join(root, 'node_modules/osls/bin/serverless.js'),
  'package',
  '--stage',
  STAGE_PLACEHOLDER,
  '--package',
  packaged,
  ...Object.entries(PLACEHOLDERS).map(([name, value]) => `--param=${name}=${value}`),
  ...shape,
];
console.log(`ami-rotator ${version}: packaging the stack (offline)...`);
await promisify(execFile)(process.execPath, args, {
  cwd: service,
  env: {
    ...process.env,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: 'none-offline',
    AMI_ROTATOR_BUILD_DIR: '.esbuild-release',
  },
  timeout: 300_000,
}).catch(async (error: { stderr?: string; stdout?: string }) => {
  // The stage's own check says what is wrong, one line per problem: that, not a stack trace.
  await rm(service, { recursive: true, force: true });
  process.stderr.write(`the release could not be packaged, nothing was written:\n${error.stderr || error.stdout || String(error)}\n`);
  process.exit(1);
});
const template = JSON.parse(await readFile(join(packaged, 'cloudformation-template-update-stack.json'), 'utf8')) as Record<string, unknown>;
const release = releaseTemplate(template, settings);

await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'assets'), { recursive: true });
await writeFile(join(out, 'ami-rotator.template.json'), `${JSON.stringify(release.template, null, 2)}\n`);
for (const zip of release.assets) await copyFile(join(packaged, zip), join(out, 'assets', zip));
await copyFile(join(root, 'infra/consumer-stack.yml'), join(out, 'consumer-stack.yml'));
await writeFile(join(out, 'CHANGELOG.md'), `${changelogSection(await readFile(join(root, 'CHANGELOG.md'), 'utf8'), version)}\n`);
await writeFile(
  join(out, 'upload-assets.sh'),
  (await readFile(join(root, 'infra/upload-assets.sh'), 'utf8')).replaceAll('@VERSION@', version),
  { mode: 0o755 },
);
const files = [
  'ami-rotator.template.json',
  'consumer-stack.yml',
  'CHANGELOG.md',
  'upload-assets.sh',
  ...(await readdir(join(out, 'assets'))).sort().map((f) => `assets/${f}`),
];
const sums = await Promise.all(
  files.map(
    async (f) =>
      `${createHash('sha256')
        .update(await readFile(join(out, f)))
        .digest('hex')}  ${f}`,
  ),
);
await writeFile(join(out, 'SHA256SUMS'), `${sums.join('\n')}\n`);
await rm(packaged, { recursive: true, force: true });
await rm(service, { recursive: true, force: true });
console.log(`${out}: ${files.length} files (${release.assets.length} function bundles), SHA256SUMS`);
console.log(`Upload:  (cd ${out} && ./upload-assets.sh BUCKET)`);
console.log(
  `Deploy:  aws cloudformation deploy --template-file ${out}/ami-rotator.template.json --stack-name ami-rotator-prod --capabilities CAPABILITY_IAM --parameter-overrides AssetsBucket=BUCKET Stage=prod Family=web-prod InstanceId=i-0abc1234def567890`,
);
