import { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { emulatorClients } from '../../local/clients.ts';
import { autoScalingClient } from '../../src/aws/auto-scaling-client.ts';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { recycleBinClient } from '../../src/aws/recycle-bin-client.ts';
import { UsageError } from '../../src/cli/flags.ts';
import { runPlanCommand } from '../../src/cli/plan-command.ts';
import { readStageSettings } from '../../src/cli/stage-settings.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { serviceClientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const tags = { [TAG.managed]: 'true', [TAG.family]: 'web-prod' };
const seed = () =>
  emulator().seed({
    images: [
      { imageId: 'ami-0aaaaaaaaaaaaaaa1', name: 'web-prod-20261120-020000', creationDate: '2026-11-20T02:00:00.000Z', tags },
      { imageId: 'ami-0aaaaaaaaaaaaaaa2', name: 'web-prod-20261110-020000', creationDate: '2026-11-10T02:00:00.000Z', tags },
    ],
  });
const plan = (...args: string[]) => runPlanCommand(args, { ec2: ec2Client(), autoScaling: autoScalingClient() }, {});

/** As the binary wires `--stage`: the deployed stage's settings, from its ValidateInput function's configuration. */
const planStage = (env: Record<string, string>, ...args: string[]) =>
  runPlanCommand(args, { ec2: ec2Client(), autoScaling: autoScalingClient() }, env, undefined, (stage) =>
    readStageSettings(serviceClientFor(LambdaClient, emulator().url), stage),
  );

describe('ami-rotator plan --stage', () => {
  // The stage was deployed keeping the newest 1 for 5 days; the operator's shell says something else.
  const deployed = { ROTATOR_DEFAULT_FAMILY: 'web-prod', ROTATOR_KEEP_LAST: '1', ROTATOR_MAX_AGE_DAYS: '5', ROTATOR_MIN_KEEP: '1' };
  const shell = { ROTATOR_KEEP_LAST: '9', ROTATOR_MAX_AGE_DAYS: '90' };
  const stage = () => emulator().seed({ functions: [{ name: 'ami-rotator-prod-validateInput', environment: deployed }] });

  it("plans the stage's default family as the stage prunes it, whatever the shell's settings", async () => {
    seed();
    stage();

    const out = (await planStage(shell, '--stage', 'prod', '--now', '2026-11-21T00:00:00Z')).split('\n');

    expect(out[0]).toBe(
      "As stage prod is deployed (its ValidateInput function's settings): family web-prod, keep the newest 1, keep anything younger than 5 days, never fewer than 1 available, keep a shared image launched within 7 days",
    );
    expect(out).toContainEqual(
      expect.stringMatching(/^DELETE\s+ami-0aaaaaaaaaaaaaaa2 .* expired: 10 days old, beyond the newest 1 and older than 5 days$/),
    );
    expect(
      await runPlanCommand(
        ['--family', 'web-prod', '--now', '2026-11-21T00:00:00Z'],
        { ec2: ec2Client(), autoScaling: autoScalingClient() },
        shell,
      ),
    ).not.toMatch(/DELETE/);
  });

  it('refuses a family the stage does not rotate, and a stage that is not deployed here', async () => {
    seed();
    stage();

    await expect(planStage(shell, '--stage', 'prod', '--family', 'db-prod')).rejects.toThrow(
      '--family db-prod: stage prod does not rotate this family (its default family: web-prod; families with images: web-prod)',
    );
    await expect(planStage(shell, '--stage', 'staging')).rejects.toThrow(
      '--stage staging: no function ami-rotator-staging-validateInput in this account and region, so no stage staging is deployed here',
    );
  });
});

describe('ami-rotator plan', () => {
  it('refuses a family with no images that is one typo from one with images, naming it; says so for any other', async () => {
    seed();

    await expect(plan('--family', 'web-prd')).rejects.toThrow(
      '--family web-prd: no images of this family here; did you mean web-prod? (families with images: web-prod)',
    );
    expect(await plan('--family', 'db-archive')).toBe(
      'No images of family db-archive here (families with images: web-prod): nothing to plan.',
    );
  });

  it('prints a table with a reason for every image, as of the date given', async () => {
    seed();

    const out = await plan(
      '--family',
      'web-prod',
      '--keep-last',
      '1',
      '--max-age-days',
      '5',
      '--min-keep',
      '1',
      '--now',
      '2026-11-21T00:00:00Z',
    );

    expect(out.split('\n')).toEqual([
      'Retention plan as of 2026-11-21T00:00:00.000Z: keep the newest 1, keep anything younger than 5 days, never fewer than 1 available, keep a shared image launched within 7 days',
      'Usage of expired images: checked with DescribeImageReferences (instances, every version of each launch template, SSM parameters) and Auto Scaling groups',
      '',
      expect.stringMatching(/^ACTION\s+IMAGE\s+NAME\s+CREATED\s+REASON$/),
      expect.stringMatching(/^keep\s+ami-0aaaaaaaaaaaaaaa1 .* kept: newest 1 \(number 1\)$/),
      expect.stringMatching(/^DELETE\s+ami-0aaaaaaaaaaaaaaa2 .* expired: 10 days old, beyond the newest 1 and older than 5 days$/),
      '',
      '2 image(s): 1 would be deleted with their snapshots, 1 kept; 0 orphaned snapshot(s) would be deleted.',
    ]);
    expect(emulator().mutatingRequests()).toEqual([]);
  });

  it('says whether a deleted image could be restored from the Recycle Bin', async () => {
    seed();
    emulator().seed({
      recycleBinRules: [
        { identifier: 'amis0000001', resourceType: 'EC2_IMAGE', retentionDays: 30 },
        { identifier: 'snaps000001', resourceType: 'EBS_SNAPSHOT', retentionDays: 7 },
      ],
    });

    const out = await runPlanCommand(
      ['--family', 'web-prod', '--json'],
      { ec2: ec2Client(), autoScaling: autoScalingClient(), recycleBin: recycleBinClient() },
      {},
    );

    expect(JSON.parse(out).recycleBin).toEqual({
      warning: true,
      note: "WARNING: the Recycle Bin keeps this family's deleted images for 30 days but their snapshots only 7 days: an image restored later could not launch (2 image(s))",
    });
    expect(emulator().mutatingRequests()).toEqual([]);
  });

  it('shows what will expire later when asked about a later date', async () => {
    seed();

    const actionsAsOf = async (now: string) => {
      const out = JSON.parse(
        await plan('--family', 'web-prod', '--keep-last', '1', '--max-age-days', '30', '--min-keep', '1', '--now', now, '--json'),
      );
      return out.images.map((d: { action: string }) => d.action);
    };

    const soon = await actionsAsOf('2026-11-21T00:00:00Z');
    const later = await actionsAsOf('2026-12-31T00:00:00Z');

    expect(soon).toEqual(['keep', 'keep']);
    expect(later).toEqual(['keep', 'delete']);
  });

  it.each([
    [['--family', 'web prod'], /^--family: expected 1 to 63 letters/],
    [
      ['--family', 'web-prod', '--keep-last', '0'],
      /^--keep-last: expected a whole number of images from 1 to 1000, or off to switch the rule off$/,
    ],
    [['--family', 'web-prod', '--keep-last', '0x10'], /^--keep-last: expected a whole number of images/],
    [['--family', 'web-prod', '--max-age-days', '1e3'], /^--max-age-days: expected a whole number of days/],
    [['--family', 'web-prod', '--now', 'yesterday'], /^--now: expected an ISO 8601 date/],
    [['--family', 'web-prod', '--now', '2027-02-30'], /^--now: expected an ISO 8601 date/],
    [['--family', 'web-prod', '--now', '0'], /^--now: expected an ISO 8601 date/],
    [['--family', 'web-prod', '--colour'], /Unknown option '--colour'/],
  ])('refuses %j with a message naming the flag', async (args, message) => {
    await expect(plan(...args)).rejects.toThrow(UsageError);
    await expect(plan(...args)).rejects.toThrow(message);
  });

  it("plans each region the family is copied to under that region's retention, after the source region", async () => {
    seed();
    emulator().seed(
      {
        images: ['1', '2', '3'].map((n) => ({
          imageId: `ami-0eeeeeeeeeeeeeee${n}`,
          name: `web-prod-2026112${n}-020000`,
          creationDate: `2026-11-2${n}T02:00:00.000Z`,
          tags,
        })),
      },
      'eu-west-1',
    );
    const distribute = JSON.stringify({ regions: [{ region: 'eu-west-1', retention: { keepLast: 2, maxAgeDays: null } }] });
    const inRegion = (region: string) => {
      const env = { AWS_REGION: region };
      return emulatorClients(emulator().url, env);
    };

    const out = await runPlanCommand(
      ['--family', 'web-prod', '--now', '2026-11-25T00:00:00Z'],
      { ec2: ec2Client(), autoScaling: autoScalingClient() },
      { AWS_REGION: 'us-east-1', ROTATOR_DISTRIBUTE: distribute },
      inRegion,
    );
    const [source, copies] = out.split('Region eu-west-1 (copies)');

    expect(source).toMatch(/^Region us-east-1 \(source\)/);
    expect(source).toContain('ami-0aaaaaaaaaaaaaaa1');
    expect(copies).toMatch(/newest 2/);
    expect(copies).toMatch(/DELETE\s+ami-0eeeeeeeeeeeeeee1/);
    expect(copies).toMatch(/keep\s+ami-0eeeeeeeeeeeeeee3/);
    expect(copies).not.toContain('ami-0aaaaaaaaaaaaaaa1');
    expect(emulator().mutatingRequests()).toEqual([]);
  });
});
