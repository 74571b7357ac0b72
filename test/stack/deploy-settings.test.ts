import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkDeploySettings } from '../../src/deploy-settings.ts';

/** The stage parameters serverless.yml declares, with their defaults: what a stage gets when it gives none. */
const DEFAULTS = (parse(readFileSync('serverless.yml', 'utf8')) as { params: { default: Record<string, string> } }).params.default;
const KNOWN = Object.keys(DEFAULTS);
const NOW = new Date('2026-12-01T12:00:00Z');
const problemsWith = (given: Record<string, string>) => checkDeploySettings({ ...DEFAULTS, ...given }, Object.keys(given), KNOWN, NOW);
const ROTATES = { family: 'web-prod', instanceId: 'i-0123456789abcdef0' };

describe('the stage parameters, checked before the stack is built', () => {
  it("accepts serverless.yml's defaults, and a family with its instance", () => {
    expect(checkDeploySettings(DEFAULTS, [], KNOWN, NOW)).toEqual([]);
    expect(problemsWith(ROTATES)).toEqual([]);
  });

  it("accepts an event start on Run Command events of a document the rotation does not send (the team's own patch run)", () => {
    const patched = {
      source: ['aws.ssm'],
      'detail-type': ['EC2 Command Status-change Notification'],
      detail: { 'document-name': ['Acme-PatchFleet'], status: ['Success'] },
    };

    expect(problemsWith({ ...ROTATES, startOn: JSON.stringify([{ pattern: patched }]) })).toEqual([]);
    expect(problemsWith({ ...ROTATES, startOn: JSON.stringify([{ pattern: { source: ['aws.ec2'] } }]) })).toEqual([]);
  });

  it.each([
    [
      'an instance id too short',
      { ...ROTATES, instanceId: 'i-123' },
      'instanceId: "i-123" is not an EC2 instance id; expected i- and 8 or 17 hex digits, e.g. i-0123456789abcdef0',
    ],
    [
      'a five-field cron, as crontab writes it',
      { schedule: 'cron(0 2 * * *)' },
      `schedule: "cron(0 2 * * *)" has 5 fields; EventBridge Scheduler's cron has six (minutes hours day-of-month month day-of-week year), e.g. cron(0 2 * * ? *)`,
    ],
    [
      'a misspelt time zone',
      { timezone: 'Europe/Pairs' },
      'timezone: "Europe/Pairs" is not an IANA time zone; expected one such as UTC or Europe/Paris',
    ],
    [
      'a launch grace of no days (off switches it off)',
      { keepLaunchedWithinDays: '0' },
      'keepLaunchedWithinDays: expected a whole number from 1 to 3650 or off, got "0"',
    ],
    ['a misspelt parameter name', { famliy: 'web-prod' }, '--param famliy: not a parameter of this stack; did you mean family?'],
    [
      'a Region of the right shape that AWS does not publish',
      { region: 'eu-west-9' },
      `region: "eu-west-9" is not an AWS Region in AWS's published partition data; expected one such as us-east-1 or eu-west-1`,
    ],
    [
      'a Region that is no Region at all',
      { region: 'Ireland' },
      'region: "Ireland" is not an AWS Region; expected one such as us-east-1 or eu-west-1',
    ],
    [
      'a distribute that copies to the stack region itself',
      { region: 'eu-west-1', distribute: '{"regions": [{"region": "eu-west-1"}]}' },
      'distribute: regions.0.region: eu-west-1 is the source region, where the image is made; list other regions',
    ],
    [
      'a distribute key of another region',
      { distribute: '{"regions": [{"region": "eu-west-1", "kmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/abc"}]}' },
      'distribute: regions.0: kmsKeyId: expected a key in the region itself (a copy is encrypted with a key of its own region)',
    ],
    [
      'an e-mail without a domain',
      { alertEmail: 'oncall' },
      'alertEmail: "oncall" is not an e-mail address; expected one such as oncall@example.com',
    ],
    [
      'a cron with both day fields',
      { schedule: 'cron(0 2 * * MON *)' },
      'schedule: "cron(0 2 * * MON *)": one of day-of-month and day-of-week must be ?, e.g. cron(0 2 * * ? *)',
    ],
    [
      'a rate in weeks',
      { schedule: 'rate(1 week)' },
      'schedule: "rate(1 week)" is not an EventBridge Scheduler expression; expected cron(...) with six fields, rate(N minutes|hours|days) or at(yyyy-mm-ddThh:mm:ss)',
    ],
    ['keepLast of 0', { keepLast: '0' }, 'keepLast: expected a whole number from 1 to 1000 or off, got "0"'],
    ['freshness beyond a week', { freshnessHours: '200' }, 'freshnessHours: "200"; expected a whole number of hours from 1 to 168'],
    [
      'a log retention CloudWatch does not offer',
      { logRetentionDays: '31' },
      `logRetentionDays: "31"; expected one of CloudWatch Logs' 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653`,
    ],
    [
      'a family without its instance',
      { family: 'web-prod' },
      'family and instanceId: give both for the nightly schedule, or neither (family "web-prod", instanceId "")',
    ],
    [
      'a publish parameter without its leading /',
      { publish: '{"parameter": "golden/web-prod"}' },
      'publish: parameter: expected an SSM parameter name such as /golden/web-prod/latest: a leading /, then letters, digits, _ . - /',
    ],
    [
      'a boot test with no instance type',
      { bootTest: '{"instanceTypes": [], "subnetIds": ["subnet-0123456789abcdef0"]}' },
      /^bootTest: instanceTypes: /,
    ],
    [
      'an event start whose input breaks the contract',
      { startOn: '[{"pattern": {"source": ["my.pipeline"]}, "input": {"dryRun": "yes"}}]' },
      /^startOn\[0\]\.input: .*dryRun/,
    ],
    [
      "an event start on any command's success, which the rotation's own prepare and boot test would match",
      {
        startOn:
          '[{"pattern": {"source": ["aws.ssm"], "detail-type": ["EC2 Command Status-change Notification"], "detail": {"status": ["Success"]}}}]',
      },
      /^startOn\[0\]\.pattern: would match the Run Command events of the rotation's own commands \(AWS-RunPatchBaseline, AWS-RunShellScript, the clean-up document\), so each rotation would start another/,
    ],
    [
      'an event start on a document the rotation itself sends',
      {
        startOn:
          '[{"pattern": {"source": ["aws.ssm"], "detail": {"document-name": ["Acme-PatchFleet", "ami-rotator-prod-clean-up"], "status": ["Success"]}}}]',
      },
      /^startOn\[0\]\.pattern: .*\(ami-rotator-prod-clean-up\)/,
    ],
  ])('refuses %s with one line naming the parameter', (_what, given, problem) => {
    const problems = problemsWith(given);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(typeof problem === 'string' ? new RegExp(`^${problem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : problem);
  });

  it('accepts every Region in the partition data, the newest and other partitions included', () => {
    expect(
      ['us-east-1', 'mx-central-1', 'ap-southeast-7', 'cn-north-1', 'us-gov-west-1'].flatMap((region) => problemsWith({ region })),
    ).toEqual([]);
  });

  it('names every problem at once', () => {
    expect(problemsWith({ ...ROTATES, instanceId: 'i-123', timezone: 'Europe/Pairs', schedule: 'cron(0 2 * * *)' })).toHaveLength(3);
  });

  it('stops `npm run package` with the lines alone, exit 1 and nothing built', async () => {
    const run = promisify(execFile)(process.execPath, [
      'node_modules/osls/bin/serverless.js',
      'package',
      '--stage',
      'ci-settings',
      '--package',
      '/tmp/ami-rotator-never-built',
      '--param=famliy=web-prod',
      '--param=timezone=Europe/Pairs',
      '--param=region=eu-west-9',
    ]);

    const failure = (await run.then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    )) as { code: number; stdout: string; stderr: string } | undefined;

    expect(failure?.code).toBe(1);
    const output = `${failure?.stdout}${failure?.stderr}`;
    expect(output).toContain('  - --param famliy: not a parameter of this stack; did you mean family?');
    expect(output).toContain('  - timezone: "Europe/Pairs" is not an IANA time zone; expected one such as UTC or Europe/Paris');
    expect(output).toContain(`  - region: "eu-west-9" is not an AWS Region in AWS's published partition data`);
    // The project's lines only: not the framework's list of Regions, nor its variable-resolution wrapper.
    expect(output).not.toMatch(/allowed values|Cannot resolve serverless\.yml|Variables resolution errored/);
    expect(output).not.toMatch(/\n\s+at /);
    expect(existsSync('/tmp/ami-rotator-never-built')).toBe(false);
  }, 60_000);
});
