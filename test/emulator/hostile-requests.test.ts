import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();

/** A raw EC2 Query API request, as a hostile or broken client might send it. */
const post = async (body: string) => {
  const response = await fetch(emulator().url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1] };
};

describe('the emulator answers malformed requests as EC2 does, with a 400, and keeps serving', () => {
  it.each([
    ['a __proto__ key', 'Action=DescribeInstances&Version=2016-11-15&__proto__.InstanceId=i-0123456789abcdef0'],
    ['an index past any list EC2 takes', 'Action=DescribeImages&Version=2016-11-15&Filter.4294967294.Name=x'],
    ['a key that is both a value and a list', 'Action=DescribeImages&Version=2016-11-15&ImageId=ami-12345678&ImageId.1=ami-12345678'],
    ['an index of zero', 'Action=DescribeImages&Version=2016-11-15&ImageId.0=ami-12345678'],
  ])('refuses %s', async (_what, body) => {
    const refused = await post(body);
    const after = await post('Action=DescribeInstances&Version=2016-11-15');

    expect(refused).toMatchObject({ status: 400 });
    expect(refused.code).toMatch(/^Invalid|^Malformed|^Unknown/);
    expect(after).toEqual({ status: 200, code: undefined });
    expect(({} as Record<string, unknown>).InstanceId).toBeUndefined();
  });
});

describe('the fault control endpoint', () => {
  it.each([['{"rules":5}'], ['{"rules":[{"rate":1}]}'], ['{"latencyMs":-1}'], ['[1]'], ['not json']])(
    'refuses %s with a 400',
    async (body) => {
      const response = await fetch(`${emulator().url}/_emulator/faults`, { method: 'POST', body });

      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/expected|not JSON/);
    },
  );
});
