import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import { ConfigurationError } from '../../src/errors.ts';

describe('readConfig', () => {
  it('reads the deployment settings, treating empty ones as unset', () => {
    const config = readConfig({
      ROTATOR_DEFAULT_FAMILY: 'web-prod',
      ROTATOR_DEFAULT_INSTANCE_ID: '',
      ROTATOR_NO_REBOOT: 'false',
      ROTATOR_KEEP_LAST: '14',
      ROTATOR_MAX_WAIT_MINUTES: '60',
    });

    expect(config).toMatchObject({
      defaultFamily: 'web-prod',
      defaultInstanceId: undefined,
      noReboot: false,
      retention: { keepLast: 14, maxAgeDays: 7, minKeep: 2 },
      wait: { timeoutSeconds: 3600 },
    });
  });

  it('keeps a shared image launched within 7 days unless the stage says another number of days, or off', () => {
    expect(readConfig({}).retention.keepLaunchedWithinDays).toBe(7);
    expect(readConfig({ ROTATOR_KEEP_LAUNCHED_WITHIN_DAYS: '30' }).retention.keepLaunchedWithinDays).toBe(30);
    expect(readConfig({ ROTATOR_KEEP_LAUNCHED_WITHIN_DAYS: 'off' }).retention).not.toHaveProperty('keepLaunchedWithinDays');
  });

  it('names every bad setting at once', () => {
    const read = () => readConfig({ ROTATOR_NO_REBOOT: 'maybe', ROTATOR_KEEP_LAST: '0', ROTATOR_MIN_KEEP: 'two' });

    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(
      'Invalid deployment settings: ROTATOR_NO_REBOOT: expected true or false, got "maybe"; ROTATOR_KEEP_LAST: expected a whole number from 1 to 1000 or off, got "0"; ROTATOR_MIN_KEEP: expected a whole number from 1 to 1000, got "two"',
    );
  });
});
