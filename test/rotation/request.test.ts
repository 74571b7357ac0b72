import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';
import { problemsWith } from '../support/request.ts';

const config = readConfig({ ROTATOR_DEFAULT_FAMILY: 'web-prod', ROTATOR_DEFAULT_INSTANCE_ID: 'i-0123456789abcdef0' });
const bare = readConfig({});
const ENV = { ROTATOR_DEFAULT_FAMILY: 'web-prod', ROTATOR_DEFAULT_INSTANCE_ID: 'i-0123456789abcdef0' };
const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = { tags: value };
  return value;
};

const problemsOf = problemsWith(config);

describe('parseRotationRequest', () => {
  it("rotates the deployment's default family when the input is {}", () => {
    const request = parseRotationRequest({}, config);

    expect(request).toMatchObject({
      family: 'web-prod',
      instanceId: 'i-0123456789abcdef0',
      noReboot: true,
      dryRun: false,
      retention: { keepLast: 7, maxAgeDays: 7, minKeep: 2 },
    });
  });

  it.each([
    [undefined, 'fail'],
    ['fail', 'fail'],
    ['skip', 'skip'],
  ])('takes onConflict %s as %s', (onConflict, expected) => {
    expect(parseRotationRequest(onConflict === undefined ? {} : { onConflict }, config).onConflict).toBe(expected);
  });

  it('refuses an onConflict it does not know, naming both choices', () => {
    expect(problemsOf({ onConflict: 'ignore' })).toEqual([
      'onConflict: expected "fail" (another rotation of the family running: RotationInProgress and an alert) or "skip" (end successfully, no alert)',
    ]);
  });

  it("accepts the console's default input, whose Comment is a note", () => {
    expect(parseRotationRequest({ Comment: 'Insert your JSON here' }, config)).toMatchObject({ family: 'web-prod', dryRun: false });
  });

  it.each([
    ['keepLast alone: the newest 3, no age rule', { keepLast: 3 }, { keepLast: 3, minKeep: 2, keepLaunchedWithinDays: 7 }],
    ['maxAgeDays alone: younger than 5 days, no count rule', { maxAgeDays: 5 }, { maxAgeDays: 5, minKeep: 2, keepLaunchedWithinDays: 7 }],
    ['null switches a rule off', { keepLast: 4, maxAgeDays: null }, { keepLast: 4, minKeep: 2, keepLaunchedWithinDays: 7 }],
    ['minKeep alone keeps the deployment rules', { minKeep: 5 }, { keepLast: 7, maxAgeDays: 7, minKeep: 5, keepLaunchedWithinDays: 7 }],
    ['keepLaunchedWithinDays null: no launch grace', { keepLaunchedWithinDays: null }, { keepLast: 7, maxAgeDays: 7, minKeep: 2 }],
    [
      'keepLaunchedWithinDays alone keeps the expiry rule',
      { keepLaunchedWithinDays: 30 },
      { keepLast: 7, maxAgeDays: 7, minKeep: 2, keepLaunchedWithinDays: 30 },
    ],
  ])('takes the expiry rule from the input as a pair: %s', (_what, retention, expected) => {
    const request = parseRotationRequest({ family: 'db', instanceId: 'i-0aaaaaaaaaaaaaaaa', retention }, config);

    expect(request.retention).toStrictEqual(expected);
  });

  it('switches a deployment rule off with "off"', () => {
    const request = parseRotationRequest(
      {},
      readConfig({ ...ENV, ROTATOR_MAX_AGE_DAYS: 'off', ROTATOR_KEEP_LAST: '5', ROTATOR_KEEP_LAUNCHED_WITHIN_DAYS: 'off' }),
    );

    expect(request.retention).toStrictEqual({ keepLast: 5, minKeep: 2 });
  });

  it.each([
    ['an input nested a hundred thousand levels deep', nested(100_000), 'input: nested more than 7 levels deep; no field takes that'],
    [
      'tags nested inside a tag',
      { tags: { team: { a: { b: { c: { d: { e: { f: 'x' } } } } } } } },
      'input: nested more than 7 levels deep; no field takes that',
    ],
    [
      'a description with an unpaired surrogate',
      { description: 'golden \ud800 image' },
      'description: expected no control characters or unpaired surrogates',
    ],
    [
      'a tag value with an unpaired surrogate',
      { tags: { team: '\udfff' } },
      'tags.team: expected no control characters or unpaired surrogates in a tag value',
    ],
    [
      'a tag named __proto__, which would otherwise be dropped',
      JSON.parse('{"tags": {"__proto__": "x", "team": "web"}}'),
      'tags.__proto__: "__proto__" is not accepted as a key; choose another',
    ],
    [
      'a __proto__ field in retention',
      JSON.parse('{"retention": {"__proto__": {"keepLast": 1}}}'),
      'retention.__proto__: "__proto__" is not accepted as a key; choose another',
    ],
    [
      'a description of 128 emoji: 256 UTF-16 units, which EC2 counts',
      { description: '😀'.repeat(128) },
      'description: expected at most 255 characters, counted as EC2 does (UTF-16 units: an emoji counts 2)',
    ],
    [
      'a Name tag, which is the image name',
      { tags: { Name: 'mine' } },
      'tags.Name: Name is the image name, which ami-rotator sets; choose another key',
    ],
  ])('refuses %s with InvalidInput, never a crash', (_what, input, problem) => {
    expect(problemsOf(input)).toContain(problem);
  });

  it.each([
    ['an aws: tag key in capitals', { tags: { 'AWS:owner': 'me' } }, 'tags.AWS:owner: the "aws:" prefix is reserved by AWS'],
    ['31 tags', { tags: Object.fromEntries(Array.from({ length: 31 }, (_, n) => [`k${n}`, 'v'])) }, 'tags: expected at most 30 tags'],
    [
      'an instance id with something before i-',
      { instanceId: 'xi-0123abcd' },
      'instanceId: expected an EC2 instance id such as i-0123456789abcdef0',
    ],
  ])('refuses %s', (_what, input, problem) => {
    expect(problemsOf(input)).toContain(problem);
  });

  it('accepts a description of 127 emoji and one letter: 255 UTF-16 units, as EC2 counts', () => {
    expect(parseRotationRequest({ description: `${'😀'.repeat(127)}x` }, config).description).toHaveLength(255);
  });

  it('accepts 30 tags, and reads an input of exactly 32 KB field by field but refuses one byte more whole', () => {
    const thirty = { tags: Object.fromEntries(Array.from({ length: 30 }, (_, n) => [`k${n}`, 'v'])) };
    const ofBytes = (bytes: number) => ({ description: 'd'.repeat(bytes - Buffer.byteLength(JSON.stringify({ description: '' }))) });

    expect(parseRotationRequest(thirty, config).tags).toEqual(thirty.tags);
    expect(Buffer.byteLength(JSON.stringify(ofBytes(32 * 1024)))).toBe(32 * 1024);
    expect(problemsOf(ofBytes(32 * 1024))).toEqual([
      'description: expected at most 255 characters, counted as EC2 does (UTF-16 units: an emoji counts 2)',
    ]);
    expect(problemsOf(ofBytes(32 * 1024 + 1))).toEqual(['input: 32769 bytes, expected at most 32768']);
  });

  it('names only the field that is missing when the deployment has one default', () => {
    expect(problemsOf({ family: 'web-prod' }, bare)).toEqual(['instanceId: required (this deployment has no default instance)']);
  });

  it('names both missing fields when the deployment has no defaults', () => {
    expect(problemsOf({}, bare)).toEqual([
      'family: required (this deployment has no default family)',
      'instanceId: required (this deployment has no default instance)',
    ]);
  });

  it('names every bad field at once, with what was expected', () => {
    const problems = problemsOf({ family: 'web prod', instanceId: 'i-xyz', retention: { keepLast: 0 }, colour: 'red' });

    expect([...problems].sort()).toEqual([
      expect.stringMatching(/^colour: unknown field; expected one of family, instanceId, /),
      expect.stringMatching(/^family: expected 1 to 63 letters/),
      expect.stringMatching(/^instanceId: expected an EC2 instance id/),
      'retention.keepLast: expected a whole number of images from 1 to 1000, or null to switch the rule off',
    ]);
  });

  it.each([
    ['an array', []],
    ['a string', 'web-prod'],
    ['null', null],
  ])('refuses %s as the whole input', (_what, input) => {
    expect(problemsOf(input)).toEqual([expect.stringMatching(/^input: expected a JSON object/)]);
  });

  it('refuses an oversized input before looking at it', () => {
    expect(problemsOf({ description: 'x'.repeat(40_000) })).toEqual([expect.stringMatching(/^input: \d+ bytes, expected at most 32768$/)]);
  });

  it("refuses user tags in ami-rotator's own namespace, so ownership cannot be forged", () => {
    expect(problemsOf({ tags: { 'ami-rotator:managed': 'false' } })).toEqual([expect.stringContaining('tags.ami-rotator:managed')]);
  });
});

describe('the boot test in the input', () => {
  const valid = { instanceTypes: ['t3.micro'], subnetIds: ['subnet-0123456789abcdef0'] };

  it('fills in the defaults: no security groups, 15 minutes, the failed image removed', () => {
    expect(parseRotationRequest({ bootTest: valid }, config).bootTest).toEqual({
      instanceTypes: ['t3.micro'],
      subnetIds: ['subnet-0123456789abcdef0'],
      securityGroupIds: [],
      timeoutMinutes: 15,
      keepFailedImage: false,
    });
  });

  it('takes the deployment setting, and null in the input switches it off', () => {
    const deployed = readConfig({ ...ENV, ROTATOR_BOOT_TEST: JSON.stringify(valid) });

    expect(parseRotationRequest({}, deployed).bootTest?.instanceTypes).toEqual(['t3.micro']);
    expect(parseRotationRequest({ bootTest: null }, deployed).bootTest).toBeUndefined();
  });

  it.each([
    ['an SSM document without an instance profile', { ...valid, ssmDocument: 'smoke-test' }, 'bootTest: ssmDocument needs instanceProfile'],
    ['no subnet', { instanceTypes: ['t3.micro'], subnetIds: [] }, 'bootTest.subnetIds: expected at least 1'],
    [
      'a made-up instance type',
      { ...valid, instanceTypes: ['big'] },
      'bootTest.instanceTypes.0: expected an instance type such as t3.micro',
    ],
    [
      'a repeated subnet',
      { ...valid, subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef0'] },
      'bootTest.subnetIds: expected no repeats',
    ],
    ['two minutes', { ...valid, timeoutMinutes: 2 }, 'bootTest.timeoutMinutes: expected a whole number of minutes from 5 to 60'],
  ])('refuses %s, naming the field', (_what, bootTest, problem) => {
    expect(problemsOf({ bootTest }).join('\n')).toContain(problem);
  });

  it('refuses a deployment setting that is not JSON, naming the variable', () => {
    expect(() => parseRotationRequest({}, readConfig({ ...ENV, ROTATOR_BOOT_TEST: '{instanceTypes' }))).toThrow(
      /^ROTATOR_BOOT_TEST: expected JSON/,
    );
  });
});

describe('prepare in the input', () => {
  const listed = readConfig({ ...ENV, ROTATOR_PREPARE_DOCUMENTS: 'golden-hardening, golden-agents' });

  it('resolves patch and clean to their documents, parameters and time limits, and keeps the order', () => {
    expect(parseRotationRequest({ prepare: { documents: ['clean', 'patch'] } }, config).prepare).toEqual({
      documents: [
        { document: 'ami-rotator-local-clean-up', label: 'clean', parameters: {}, timeoutMinutes: 10 },
        {
          document: 'AWS-RunPatchBaseline',
          label: 'patch',
          parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
          timeoutMinutes: 60,
        },
      ],
    });
    expect(
      parseRotationRequest(
        { prepare: { documents: ['clean'] } },
        readConfig({ ...ENV, ROTATOR_CLEAN_UP_DOCUMENT: 'ami-rotator-prod-clean-up' }),
      ).prepare?.documents[0]?.document,
    ).toBe('ami-rotator-prod-clean-up');
  });

  it('runs a document the deployment lists, with its parameters and time, or 10 minutes', () => {
    const prepare = parseRotationRequest(
      {
        prepare: {
          documents: [{ document: 'golden-hardening', parameters: { level: ['2'] }, timeoutMinutes: 30 }, { document: 'golden-agents' }],
        },
      },
      listed,
    ).prepare;

    expect(prepare?.documents).toEqual([
      { document: 'golden-hardening', label: 'golden-hardening', parameters: { level: ['2'] }, timeoutMinutes: 30 },
      { document: 'golden-agents', label: 'golden-agents', parameters: {}, timeoutMinutes: 10 },
    ]);
  });

  it('takes the deployment setting, and null in the input images the instance as it is', () => {
    const deployed = readConfig({ ...ENV, ROTATOR_PREPARE: '{"documents": ["patch"]}' });

    expect(parseRotationRequest({}, deployed).prepare?.documents.map((d) => d.label)).toEqual(['patch']);
    expect(parseRotationRequest({ prepare: null }, deployed).prepare).toBeUndefined();
    expect(parseRotationRequest({}, config).prepare).toBeUndefined();
  });

  it.each([
    [
      'a document the deployment does not list',
      { documents: [{ document: 'golden-wipe' }] },
      'prepare.documents[0].document: expected "patch", "clean" or one of',
    ],
    ['no documents', { documents: [] }, 'prepare.documents: expected at least one document'],
    [
      'six documents',
      { documents: ['patch', 'clean', 'patch', 'clean', 'patch', 'clean'] },
      'prepare.documents: expected at most 5 documents',
    ],
    ['an unknown word', { documents: ['update'] }, 'prepare.documents.0: expected "patch", "clean" or {"document"'],
    [
      'a parameter that is not a list',
      { documents: [{ document: 'golden-hardening', parameters: { level: '2' } }] },
      'expected a list of strings',
    ],
    [
      'four hours and a minute',
      { documents: [{ document: 'golden-hardening', timeoutMinutes: 241 }] },
      'expected a whole number of minutes from 1 to 240',
    ],
    ['a list instead of the object', ['patch'], 'prepare: expected an object with documents'],
    [
      'a document of its own named clean, as if it were the built-in',
      { documents: [{ document: 'clean' }] },
      'prepare.documents[0].document: expected "patch", "clean" or one of this deployment\'s prepareDocuments',
    ],
    [
      'a document of its own named patch',
      { documents: ['clean', { document: 'patch' }] },
      'prepare.documents[1].document: expected "patch", "clean" or one of this deployment\'s prepareDocuments',
    ],
  ])('refuses %s, naming the field', (_what, prepare, problem) => {
    expect(problemsWith(listed)({ prepare }).join('\n')).toContain(problem);
  });

  it("refuses a deployment setting that names a document it does not list, as the deployer's to fix", () => {
    expect(() => parseRotationRequest({}, readConfig({ ...ENV, ROTATOR_PREPARE: '{"documents": [{"document": "golden-wipe"}]}' }))).toThrow(
      /^ROTATOR_PREPARE: prepare.documents\[0\].document: .* list the document in prepareDocuments$/,
    );
  });
});

describe('a misspelt field', () => {
  it.each([
    [{ retention: { keeplast: 3 } }, 'retention.keeplast: unknown field; did you mean keepLast?'],
    [{ keeplast: 3 }, 'keeplast: unknown field; did you mean retention.keepLast?'],
    [{ instanceid: 'i-0123456789abcdef0' }, 'instanceid: unknown field; did you mean instanceId?'],
    [{ prepare: { document: ['patch'] } }, 'prepare.document: unknown field; did you mean documents?'],
    [
      { bootTest: { instanceTypes: ['t3.micro'], subnetIds: ['subnet-0123456789abcdef0'], timeout: 5 } },
      'bootTest.timeout: unknown field; expected one of instanceTypes, subnetIds',
    ],
  ])('is named with the field it most likely meant: %j', (input, problem) => {
    expect(problemsOf(input).join('\n')).toContain(problem);
  });
});
