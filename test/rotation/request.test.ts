import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';

const config = readConfig({ ROTATOR_DEFAULT_FAMILY: 'web-prod', ROTATOR_DEFAULT_INSTANCE_ID: 'i-0123456789abcdef0' });
const bare = readConfig({});

const problemsOf = (input: unknown, cfg = config): readonly string[] => {
  try {
    parseRotationRequest(input, cfg);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems;
    throw error;
  }
  throw new Error('the input was accepted');
};

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

  it("accepts the console's default input, whose Comment is a note", () => {
    expect(parseRotationRequest({ Comment: 'Insert your JSON here' }, config)).toMatchObject({ family: 'web-prod', dryRun: false });
  });

  it('lets the input override each retention field on its own', () => {
    const request = parseRotationRequest(
      { family: 'db', instanceId: 'i-0aaaaaaaaaaaaaaaa', noReboot: false, retention: { keepLast: 3 } },
      config,
    );

    expect(request).toMatchObject({ family: 'db', noReboot: false, retention: { keepLast: 3, maxAgeDays: 7, minKeep: 2 } });
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
      expect.stringMatching(/^\(known fields: family, instanceId/),
      'colour: unknown field',
      expect.stringMatching(/^family: expected 1 to 63 letters/),
      expect.stringMatching(/^instanceId: expected an EC2 instance id/),
      'retention.keepLast: expected a whole number of images from 1 to 1000',
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
