import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import { ConfigurationError } from '../../src/errors.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { problemsWith } from '../support/request.ts';

const KEY = 'arn:aws:kms:ap-southeast-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const DEPLOYED = { regions: [{ region: 'eu-west-1' }, { region: 'ap-southeast-2', kmsKeyId: KEY }] };
const ENV = {
  ROTATOR_DEFAULT_FAMILY: 'web-prod',
  ROTATOR_DEFAULT_INSTANCE_ID: 'i-0123456789abcdef0',
  AWS_REGION: 'us-east-1',
  ROTATOR_PUBLISH: '{"parameter": "/golden/web-prod/latest"}',
  ROTATOR_DISTRIBUTE: JSON.stringify(DEPLOYED),
};
const config = readConfig(ENV);
const problemsOf = problemsWith(config);

describe('the distribute field of the input', () => {
  it("copies where the deployment says, each region publishing the source's parameter under the same name, with the family's retention", () => {
    const request = parseRotationRequest({ retention: { keepLast: 3 } }, config);

    expect(request.distribute).toEqual({
      regions: [
        { region: 'eu-west-1', publish: { parameter: '/golden/web-prod/latest', launchTemplates: [] }, retention: request.retention },
        {
          region: 'ap-southeast-2',
          kmsKeyId: KEY,
          publish: { parameter: '/golden/web-prod/latest', launchTemplates: [] },
          retention: request.retention,
        },
      ],
    });
  });

  it("takes a region's own publishing (null: none there) and a retention over the family's", () => {
    const request = parseRotationRequest(
      {
        distribute: {
          regions: [
            { region: 'eu-west-1', publish: null, retention: { minKeep: 5 } },
            { region: 'ap-southeast-2', kmsKeyId: KEY, publish: { launchTemplates: [{ name: 'web-ap' }] } },
          ],
        },
      },
      config,
    );

    expect(request.distribute?.regions[0]).toEqual({ region: 'eu-west-1', retention: { ...request.retention, minKeep: 5 } });
    expect(request.distribute?.regions[1]?.publish).toEqual({ launchTemplates: [{ name: 'web-ap', setDefault: false }] });
  });

  it('copies nowhere with null, or when the deployment copies nowhere and the input says nothing', () => {
    expect(parseRotationRequest({ distribute: null }, config).distribute).toBeUndefined();
    expect(parseRotationRequest({}, readConfig({ ...ENV, ROTATOR_DISTRIBUTE: '' })).distribute).toBeUndefined();
  });

  it.each([
    [
      'a region the deployment does not copy to',
      { regions: [{ region: 'sa-east-1' }] },
      "distribute.regions.0.region: expected one of this deployment's regions (eu-west-1, ap-southeast-2), got sa-east-1: its roles may copy to no other",
    ],
    [
      "a key that is not the deployment's for the region",
      { regions: [{ region: 'ap-southeast-2', kmsKeyId: KEY.replace('1234abcd', '9999abcd') }] },
      `distribute.regions.0.kmsKeyId: expected this deployment's key for ap-southeast-2 (${KEY}): its role may use no other`,
    ],
    [
      'the source region',
      { regions: [{ region: 'us-east-1' }] },
      'distribute.regions.0.region: us-east-1 is the source region, where the image is made; list other regions',
    ],
    ['a malformed region', { regions: [{ region: 'Europe' }] }, 'distribute.regions.0.region: expected a region name such as eu-west-1'],
    [
      'a key alias',
      { regions: [{ region: 'eu-west-1', kmsKeyId: 'alias/golden' }] },
      'distribute.regions.0.kmsKeyId: expected a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (a key id or alias cannot be named in IAM)',
    ],
    [
      'a key of another region',
      { regions: [{ region: 'eu-west-1', kmsKeyId: KEY }] },
      'distribute.regions.0: kmsKeyId: expected a key in the region itself (a copy is encrypted with a key of its own region)',
    ],
    ['a region twice', { regions: [{ region: 'eu-west-1' }, { region: 'eu-west-1' }] }, 'distribute.regions: expected each region once'],
    ['no region', { regions: [] }, 'distribute.regions: expected at least one region (null copies nowhere)'],
    [
      'eleven regions',
      { regions: Array.from({ length: 11 }, (_, n) => ({ region: `eu-west-${n + 1}` })) },
      'distribute.regions: expected at most 10 regions',
    ],
    [
      'a misspelt field',
      { regions: [{ region: 'eu-west-1', kmsKeyID: KEY }] },
      'distribute.regions.0.kmsKeyID: unknown field; did you mean kmsKeyId?',
    ],
    [
      'a retention out of range',
      { regions: [{ region: 'eu-west-1', retention: { keepLast: 0 } }] },
      'distribute.regions.0.retention.keepLast: expected a whole number of images from 1 to 1000, or null to switch the rule off',
    ],
  ])('refuses %s, naming the field', (_what, distribute, problem) => {
    expect(problemsOf({ distribute })).toContain(problem);
  });

  it("refuses a deployment setting that copies to its own region, or is not JSON, as the deployer's to fix", () => {
    const parse = (raw: string) => () => parseRotationRequest({}, readConfig({ ...ENV, ROTATOR_DISTRIBUTE: raw }));

    expect(parse('{"regions": [{"region": "us-east-1"}]}')).toThrow(ConfigurationError);
    expect(parse('{"regions": [{"region": "us-east-1"}]}')).toThrow('ROTATOR_DISTRIBUTE: regions.0.region: us-east-1 is the source region');
    expect(parse('eu-west-1')).toThrow('ROTATOR_DISTRIBUTE: expected JSON such as {"regions": [{"region": "eu-west-1"}]}');
  });
});

describe('the share field of distribute', () => {
  const ACCOUNT_A = '111122223333';
  const OU = 'arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56';

  it('shares the source region image before it is published, and each copy unless its region says otherwise', () => {
    const request = parseRotationRequest(
      {
        distribute: {
          share: { accounts: [ACCOUNT_A], organizationalUnits: [OU] },
          regions: [{ region: 'eu-west-1' }, { region: 'ap-southeast-2', kmsKeyId: KEY, share: null }],
        },
      },
      config,
    );
    const shared = { accounts: [ACCOUNT_A], organizations: [], organizationalUnits: [OU] };

    expect(request.publish?.share).toEqual(shared);
    expect(request.distribute?.regions[0]?.publish?.share).toEqual(shared);
    expect(request.distribute?.regions[1]?.publish?.share).toBeUndefined();
  });

  it('shares without copying, and without anything else to publish', () => {
    const request = parseRotationRequest({ publish: null, distribute: { share: { accounts: [ACCOUNT_A] } } }, config);

    expect(request.distribute).toBeUndefined();
    expect(request.publish).toEqual({ launchTemplates: [], share: { accounts: [ACCOUNT_A], organizations: [], organizationalUnits: [] } });
  });

  it('takes share: null, as the docs and the hint for an empty share say, and shares with no one', () => {
    const hint = problemsOf({ distribute: { share: {} } }).find((p) => p.startsWith('distribute.share:')) ?? '';
    const followed = hint.includes('null shares with no one') ? { distribute: { share: null, regions: [{ region: 'eu-west-1' }] } } : {};

    const request = parseRotationRequest(followed, config);

    expect(request.publish?.share).toBeUndefined();
    expect(request.distribute?.regions.map((r) => [r.region, r.publish?.share])).toEqual([['eu-west-1', undefined]]);
  });

  it.each([
    ['an account id of 11 digits', { accounts: ['11112222333'] }, 'distribute.share.accounts.0: expected account ids of 12 digits'],
    [
      'an OU id instead of its ARN',
      { organizationalUnits: ['ou-ab12-cd34ef56'] },
      'distribute.share.organizationalUnits.0: expected OU ARNs',
    ],
    ['no one', {}, 'distribute.share: expected at least one account, organization or OU (null shares with no one)'],
    [
      '201 accounts',
      { accounts: Array.from({ length: 201 }, (_, n) => String(100000000000 + n)) },
      'distribute.share.accounts: expected at most 200',
    ],
  ])('refuses %s, naming the field', (_what, share, problem) => {
    expect(problemsOf({ distribute: { share } }).some((p) => p.startsWith(problem))).toBe(true);
  });
});
