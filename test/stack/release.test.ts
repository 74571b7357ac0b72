/**
 * `npm run release` (infra/release.ts), built into a folder of its own with the 'ci' stage's shape (the settings a
 * release fixes): the files a platform team deploys, a template CloudFormation would accept (cfn-lint, its Parameters'
 * own rules, every reference resolvable), nothing of one account or Region baked in, the version everywhere, and the
 * project's IAM matrix on it as on the packaged stack.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { PARAMETERS } from '../../infra/release-template.ts';
import { cfnLintErrors } from './cfn-lint.ts';
import type { Template } from './package.ts';
import { describePermissions } from './permissions.ts';
import { RELEASE_VALUES } from './policies.ts';

const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
const COPY_KEY = 'arn:aws:kms:ap-southeast-2:123456789012:key/0d000000-0000-4000-8000-000000000001';
const SHAPE = {
  opsTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops-pager',
  startOn: JSON.stringify([
    {
      pattern: {
        source: ['aws.ssm'],
        'detail-type': ['EC2 Command Status-change Notification'],
        detail: { 'document-name': ['Acme-PatchFleet'], status: ['Success'] },
      },
    },
  ]),
  bootTestInstanceRole: 'golden-test',
  distribute: JSON.stringify({ regions: [{ region: 'eu-west-1' }, { region: 'ap-southeast-2', kmsKeyId: COPY_KEY }] }),
};
let out = '';
let template: Template & { Description?: string; Outputs?: Record<string, { Value?: unknown }> };
let text = '';
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'ami-rotator-release-test-'));
  await promisify(execFile)(
    process.execPath,
    ['infra/release.ts', '--out', out, ...Object.entries(SHAPE).map(([k, v]) => `--param=${k}=${v}`)],
    {
      timeout: 180_000,
    },
  );
  text = await readFile(join(out, 'ami-rotator.template.json'), 'utf8');
  template = JSON.parse(text);
}, 200_000);

describe('a release (npm run release)', () => {
  it('holds the template, one bundle per function, the consumer stack, the upload script, its changelog and checksums', async () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const assets = (await readdir(join(out, 'assets'))).sort();
    const sums = (await readFile(join(out, 'SHA256SUMS'), 'utf8')).trim().split('\n');

    expect(assets).toHaveLength(functions.length);
    for (const f of functions)
      expect(assets).toContain(
        String((f.Properties.Code as { S3Key: { 'Fn::Sub': string } }).S3Key['Fn::Sub']).replace('${AssetsPrefix}', ''),
      );
    expect((await readFile(join(out, 'CHANGELOG.md'), 'utf8')).startsWith(`## ${version}`)).toBe(true);
    expect(await readFile(join(out, 'upload-assets.sh'), 'utf8')).toContain(`ami-rotator/${version}/`);
    expect(sums).toHaveLength(4 + assets.length);
    for (const line of sums) {
      const [sum, file] = line.split('  ');
      expect([
        file,
        createHash('sha256')
          .update(await readFile(join(out, file ?? '')))
          .digest('hex'),
      ]).toEqual([file, sum]);
    }
  });

  it('uploads its assets with the AWS CLI only after every checksum matches, and not one when a file was changed', async () => {
    // The AWS CLI as a stand-in that says what it was asked: the script's own commands are what is under test.
    const bin = await mkdtemp(join(tmpdir(), 'ami-rotator-aws-'));
    await writeFile(join(bin, 'aws'), '#!/bin/sh\necho "aws $*"\n', { mode: 0o755 });
    const upload = () =>
      promisify(execFile)('sh', [join(out, 'upload-assets.sh'), 'my-assets'], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });

    const { stdout } = await upload();
    const copies = stdout.split('\n').filter((l) => l.startsWith('aws s3 cp'));
    const zip = join(out, 'assets', 'promote.zip');
    const original = await readFile(zip);
    await appendFile(zip, 'tampered');
    const refused = await upload()
      .then(
        () => undefined,
        (error: { code?: number; stdout?: string; stderr?: string }) => error,
      )
      .finally(() => writeFile(zip, original));

    expect(copies).toHaveLength((await readdir(join(out, 'assets'))).length);
    expect(copies[0]).toMatch(
      new RegExp(`^aws s3 cp assets/\\w+\\.zip s3://my-assets/ami-rotator/${version.replaceAll('.', '\\.')}/\\w+\\.zip`),
    );
    expect(refused?.code).not.toBe(0);
    expect(`${refused?.stdout}${refused?.stderr}`).toMatch(/promote\.zip: FAILED/);
    expect(refused?.stdout ?? '').not.toContain('aws s3 cp');
  });

  it('passes cfn-lint without an error', async () => {
    expect(await cfnLintErrors(join(out, 'ami-rotator.template.json'))).toEqual([]);
  });

  it('checks every setting CloudFormation can check, and each default passes its own rule', () => {
    for (const [name, p] of Object.entries(template.Parameters ?? {})) {
      expect([name, p.AllowedPattern !== undefined || p.AllowedValues !== undefined]).toEqual([name, true]);
      if (p.Default === undefined) continue;
      if (p.AllowedPattern) expect([name, new RegExp(p.AllowedPattern).test(String(p.Default))]).toEqual([name, true]);
      if (p.AllowedValues) expect(p.AllowedValues).toContain(String(p.Default));
    }
    expect(Object.keys(template.Parameters ?? {}).sort()).toEqual(Object.keys(PARAMETERS).sort());
  });

  it('refers only to its Parameters, its resources and pseudo parameters (what validate-template resolves)', () => {
    const known = new Set([
      ...Object.keys(template.Parameters ?? {}),
      ...Object.keys(template.Resources),
      'AWS::Partition',
      'AWS::Region',
      'AWS::AccountId',
      'AWS::StackName',
      'AWS::URLSuffix',
      'AWS::NoValue',
    ]);
    const unknown: string[] = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const n of node) visit(n);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (typeof o.Ref === 'string' && !known.has(o.Ref)) unknown.push(o.Ref);
      const sub = o['Fn::Sub'];
      const [body, vars] = typeof sub === 'string' ? [sub, {}] : Array.isArray(sub) ? [String(sub[0]), sub[1] as object] : ['', {}];
      for (const [, name] of body.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const id = (name ?? '').split('.')[0] ?? '';
        if (!known.has(id) && !(id in vars)) unknown.push(id);
      }
      for (const v of Object.values(o)) visit(v);
    };
    visit(template);

    expect(unknown).toEqual([]);
  });

  it('bakes in no account id, Region, bucket or stage: the same template deploys anywhere', () => {
    const outside = text.replaceAll(COPY_KEY, '').replaceAll(SHAPE.opsTopicArn, '');

    expect(outside).not.toMatch(/:\d{12}:/);
    expect(outside).not.toMatch(/"(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d"/);
    expect(outside).not.toMatch(/ServerlessDeploymentBucket|relstageplaceholder|relfamilyplaceholder|i-0fedcba9876543210/);
  });

  it('says its version in the description, an output and every function', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');

    expect(template.Description).toMatch(new RegExp(`^ami-rotator ${version.replaceAll('.', '\\.')}:`));
    expect(template.Outputs?.Version?.Value).toBe(version);
    for (const f of functions)
      expect((f.Properties.Environment as { Variables: Record<string, unknown> }).Variables.ROTATOR_VERSION).toBe(version);
  });

  it('takes the stage settings from its Parameters in every function', () => {
    const variables = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((f) => (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables);

    for (const v of variables)
      expect(v).toMatchObject({ ROTATOR_DEFAULT_FAMILY: { Ref: 'Family' }, ROTATOR_KEEP_LAST: { Ref: 'KeepLast' } });
    expect(RELEASE_VALUES.Stage).toBe('ci');
  });
});

describePermissions(() => template);
