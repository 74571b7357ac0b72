import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { optInProblems, stageRegions } from '../../src/deploy-regions.ts';
import { failureOf, serviceClientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const ec2 = () => serviceClientFor(EC2Client, emulator().url);
afterEach(() => {
  delete emulator().options.optInRegions;
});

describe("the stage's opt-in Regions, at deploy time (DescribeRegions)", () => {
  it('names the stage region and each copy region that is an opt-in Region not enabled, by its parameter', async () => {
    emulator().options.optInRegions = { 'af-south-1': 'not-opted-in', 'eu-south-1': 'opted-in', 'me-south-1': 'not-opted-in' };
    const params = {
      region: 'af-south-1',
      distribute: JSON.stringify({ regions: [{ region: 'eu-south-1' }, { region: 'eu-west-1' }, { region: 'me-south-1' }] }),
    };

    expect(await optInProblems(ec2(), stageRegions(params))).toEqual([
      'region: "af-south-1" is an opt-in Region not enabled for this account; enable it (aws account enable-region --region-name af-south-1) or choose another',
      'distribute: regions.2.region: "me-south-1" is an opt-in Region not enabled for this account; enable it (aws account enable-region --region-name me-south-1) or choose another',
    ]);
    expect(await optInProblems(ec2(), stageRegions({ region: 'eu-west-1', distribute: 'not json' }))).toEqual([]);
  });

  it('serves DescribeRegions as the API reference says: enabled Regions unless AllRegions, the filters, unknown names refused', async () => {
    emulator().options.optInRegions = { 'af-south-1': 'not-opted-in' };

    const enabled = await ec2().send(new DescribeRegionsCommand({}));
    const all = await ec2().send(
      new DescribeRegionsCommand({ AllRegions: true, Filters: [{ Name: 'opt-in-status', Values: ['not-opted-in'] }] }),
    );
    const unknown = await failureOf(ec2().send(new DescribeRegionsCommand({ RegionNames: ['eu-west-9'] })));
    const disabled = await failureOf(ec2().send(new DescribeRegionsCommand({ RegionNames: ['af-south-1'] })));

    expect(enabled.Regions?.map((r) => [r.RegionName, r.OptInStatus])).toEqual([['us-east-1', 'opt-in-not-required']]);
    expect(all.Regions?.map((r) => r.RegionName)).toEqual(['af-south-1']);
    expect([unknown?.name, disabled?.name]).toEqual(['InvalidParameterValue', 'InvalidParameterValue']);
  });

  it('stops `osls deploy` of a stage in an opt-in Region not enabled, with one line, before anything is deployed', async () => {
    emulator().options.optInRegions = { 'af-south-1': 'not-opted-in' };

    const failure = (await promisify(execFile)(
      process.execPath,
      ['node_modules/osls/bin/serverless.js', 'deploy', '--stage', 'ci-opt-in', '--param=region=af-south-1'],
      {
        env: { ...process.env, AWS_ENDPOINT_URL_EC2: emulator().url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
        timeout: 60_000,
      },
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    )) as { code: number; stderr: string } | undefined;

    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toBe(
      `the stage's parameters are not valid, nothing was built:\n  - region: "af-south-1" is an opt-in Region not enabled for this account; enable it (aws account enable-region --region-name af-south-1) or choose another\n`,
    );
  }, 60_000);
});
