import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import { ConfigurationError } from '../../src/errors.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { problemsWith } from '../support/request.ts';

const ENV = { ROTATOR_DEFAULT_FAMILY: 'web-prod', ROTATOR_DEFAULT_INSTANCE_ID: 'i-0123456789abcdef0' };
const config = readConfig(ENV);
const problemsOf = problemsWith(config);

describe('the publish field of the input', () => {
  it('publishes nowhere unless the input or the deployment says where', () => {
    expect(parseRotationRequest({}, config).publish).toBeUndefined();
    expect(parseRotationRequest({ publish: {} }, config).publish).toBeUndefined();
    expect(parseRotationRequest({ publish: { launchTemplates: [] } }, config).publish).toBeUndefined();
  });

  it('takes a parameter and templates by id or name, setDefault false unless said', () => {
    const request = parseRotationRequest(
      {
        publish: {
          parameter: '/golden/web-prod/latest',
          launchTemplates: [{ id: 'lt-0123456789abcdef0' }, { name: 'web-prod', setDefault: true }],
        },
      },
      config,
    );

    expect(request.publish).toEqual({
      parameter: '/golden/web-prod/latest',
      launchTemplates: [
        { id: 'lt-0123456789abcdef0', setDefault: false },
        { name: 'web-prod', setDefault: true },
      ],
    });
  });

  it.each([
    ['a relative name', { parameter: 'golden/web' }, 'publish.parameter: expected an SSM parameter name such as /golden/web-prod/latest'],
    ['a name under /aws', { parameter: '/aws/service/x' }, 'publish.parameter: names under /aws and /ssm are reserved by AWS'],
    ['a name under /SSM', { parameter: '/SSM/x' }, 'publish.parameter: names under /aws and /ssm are reserved by AWS'],
    ['16 levels', { parameter: `/golden${'/l'.repeat(15)}` }, 'publish.parameter: expected at most 15 levels'],
    [
      'a template with both id and name',
      { launchTemplates: [{ id: 'lt-0123456789abcdef0', name: 'web' }] },
      'publish.launchTemplates.0: expected exactly one of id and name',
    ],
    [
      'a template with neither',
      { launchTemplates: [{ setDefault: true }] },
      'publish.launchTemplates.0: expected exactly one of id and name',
    ],
    [
      'a malformed template id',
      { launchTemplates: [{ id: 'lt-123' }] },
      'publish.launchTemplates.0.id: expected a launch template id such as lt-0123456789abcdef0',
    ],
    [
      'a two-character template name',
      { launchTemplates: [{ name: 'ab' }] },
      'publish.launchTemplates.0.name: expected a launch template name of 3 to 128',
    ],
    [
      'six templates',
      { launchTemplates: Array.from({ length: 6 }, (_, n) => ({ name: `web-${n}` })) },
      'publish.launchTemplates: expected at most 5 launch templates',
    ],
    [
      'setDefault as a string',
      { launchTemplates: [{ name: 'web', setDefault: 'yes' }] },
      'publish.launchTemplates.0.setDefault: expected true',
    ],
    ['an unknown field', { parameters: '/golden/x' }, 'publish.parameters: unknown field'],
    ['a list', ['/golden/x'], 'publish: expected an object with parameter, launchTemplates, consumers and/or candidate'],
    [
      "consumers' parameter without its leading /",
      { consumers: { parameter: 'golden/web' } },
      'publish.consumers.parameter: expected an SSM parameter name',
    ],
    ['consumers without a parameter', { consumers: {} }, 'publish.consumers.parameter: expected a string'],
    [
      'consumers with an unknown field',
      { consumers: { parameter: '/golden/x', accounts: [] } },
      'publish.consumers.accounts: unknown field',
    ],
  ])('refuses %s, naming the field', (_, publish, problem) => {
    expect(problemsOf({ publish }).some((p) => p.startsWith(problem))).toBe(true);
  });

  it("refuses a parameter outside the deployment's publish path, which its role may not write", () => {
    expect(problemsOf({ publish: { parameter: '/prod/ami' } })).toEqual([
      "publish.parameter: expected a name under /golden/ (the deployment's publish path, where its role may write), got /prod/ami",
    ]);
    expect(
      parseRotationRequest({ publish: { parameter: '/teams/web/ami' } }, readConfig({ ...ENV, ROTATOR_PUBLISH_PATH: '/teams/' })).publish,
    ).toEqual({
      parameter: '/teams/web/ami',
      launchTemplates: [],
    });
  });

  it("uses the deployment's setting unless the input gives its own, or null for none", () => {
    const deployed = readConfig({ ...ENV, ROTATOR_PUBLISH: '{"parameter": "/golden/web-prod/latest"}' });

    expect(parseRotationRequest({}, deployed).publish).toEqual({ parameter: '/golden/web-prod/latest', launchTemplates: [] });
    expect(parseRotationRequest({ publish: { launchTemplates: [{ name: 'web' }] } }, deployed).publish).toEqual({
      launchTemplates: [{ name: 'web', setDefault: false }],
    });
    expect(parseRotationRequest({ publish: null }, deployed).publish).toBeUndefined();
  });

  it('refuses a deployment setting that is not JSON, or breaks the rules, as a configuration error', () => {
    const parse = (raw: string) => () => parseRotationRequest({}, readConfig({ ...ENV, ROTATOR_PUBLISH: raw }));

    expect(parse('{parameter: x}')).toThrow(ConfigurationError);
    expect(parse('{parameter: x}')).toThrow('ROTATOR_PUBLISH: expected JSON such as {"parameter": "/golden/web-prod/latest"}');
    expect(parse('{"parameter": "golden"}')).toThrow('ROTATOR_PUBLISH: parameter: expected an SSM parameter name');
    expect(parse('{"parameter": "/prod/ami"}')).toThrow(ConfigurationError);
    expect(parse('{"parameter": "/prod/ami"}')).toThrow(
      "ROTATOR_PUBLISH: parameter: expected a name under /golden/ (the deployment's publish path, where its role may write), got /prod/ami; change ROTATOR_PUBLISH or ROTATOR_PUBLISH_PATH",
    );
  });

  it('refuses a publish path that is not an SSM path', () => {
    expect(() => readConfig({ ROTATOR_PUBLISH_PATH: 'golden' })).toThrow('ROTATOR_PUBLISH_PATH: expected an SSM path such as /golden/');
  });
});

describe('deprecateAfterDays', () => {
  it("overrides the deployment's on its own, and null switches it off", () => {
    const deployed = readConfig({ ...ENV, ROTATOR_DEPRECATE_AFTER_DAYS: '30' });

    expect(parseRotationRequest({}, deployed).retention.deprecateAfterDays).toBe(30);
    expect(parseRotationRequest({ retention: { keepLast: 3 } }, deployed).retention.deprecateAfterDays).toBe(30);
    expect(parseRotationRequest({ retention: { deprecateAfterDays: 5 } }, deployed).retention.deprecateAfterDays).toBe(5);
    expect(parseRotationRequest({ retention: { deprecateAfterDays: null } }, deployed).retention).not.toHaveProperty('deprecateAfterDays');
    expect(readConfig({ ...ENV, ROTATOR_DEPRECATE_AFTER_DAYS: 'off' }).retention).not.toHaveProperty('deprecateAfterDays');
    expect(problemsOf({ retention: { deprecateAfterDays: 0 } })).toEqual([
      'retention.deprecateAfterDays: expected a whole number of days from 1 to 3650, or null to switch the rule off',
    ]);
    expect(() => readConfig({ ROTATOR_DEPRECATE_AFTER_DAYS: '3651' })).toThrow(
      'ROTATOR_DEPRECATE_AFTER_DAYS: expected a whole number from 1 to 3650 or off',
    );
  });
});

describe('a candidate channel (publish.candidate)', () => {
  const STABLE = { parameter: '/golden/web-prod/latest', consumers: { parameter: '/golden/web-prod/latest' } };

  it('publishes the night to the candidate, and keeps the stable targets and when to promote for the promotion', () => {
    const request = parseRotationRequest(
      { publish: { ...STABLE, candidate: { parameter: '/golden/web-prod/candidate', approval: { deadlineHours: 48 } } } },
      config,
    );

    expect(request.publish).toEqual({
      parameter: '/golden/web-prod/candidate',
      launchTemplates: [],
      promotion: { stable: { ...STABLE, launchTemplates: [] }, approval: { deadlineHours: 48 } },
    });
  });

  it('gives a copy region without its own publishing the candidate and stable parameters under the same names', () => {
    const local = readConfig({ ...ENV, ROTATOR_DISTRIBUTE: JSON.stringify({ regions: [{ region: 'eu-west-1' }] }) });
    const request = parseRotationRequest(
      { publish: { ...STABLE, candidate: { parameter: '/golden/web-prod/candidate', promoteAfterHours: 24 } } },
      local,
    );

    expect(request.distribute?.regions[0]?.publish).toEqual({
      parameter: '/golden/web-prod/candidate',
      launchTemplates: [],
      promotion: { stable: { ...STABLE, launchTemplates: [] }, promoteAfterHours: 24 },
    });
  });

  it.each([
    ['neither soak nor approval', { parameter: '/golden/c' }, 'publish.candidate: expected exactly one of promoteAfterHours'],
    [
      'both soak and approval',
      { parameter: '/golden/c', promoteAfterHours: 1, approval: { deadlineHours: 1 } },
      'publish.candidate: expected exactly one of promoteAfterHours',
    ],
    ['nowhere to publish', { promoteAfterHours: 1 }, 'publish.candidate: expected a parameter or a launch template'],
    [
      'a soak of 0 hours',
      { parameter: '/golden/c', promoteAfterHours: 0 },
      'publish.candidate.promoteAfterHours: expected a whole number of hours from 1 to 720',
    ],
    [
      'a deadline of 721 hours',
      { parameter: '/golden/c', approval: { deadlineHours: 721 } },
      'publish.candidate.approval.deadlineHours: expected a whole number of hours from 1 to 720',
    ],
    [
      'half an hour',
      { parameter: '/golden/c', promoteAfterHours: 0.5 },
      'publish.candidate.promoteAfterHours: expected a whole number of hours',
    ],
  ])('refuses %s, naming the field', (_, candidate, problem) => {
    expect(problemsOf({ publish: { parameter: '/golden/web-prod/latest', candidate } }).join('\n')).toContain(problem);
  });

  it('refuses a candidate parameter outside the publish path', () => {
    expect(problemsOf({ publish: { candidate: { parameter: '/other/c', promoteAfterHours: 1 } } }).join('\n')).toContain(
      'publish.candidate.parameter: expected a name under /golden/',
    );
  });
});
