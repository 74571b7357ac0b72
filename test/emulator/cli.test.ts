import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { expect, it } from 'vitest';

it('serves the emulator standalone, seeded from a fixture, to any AWS client', async () => {
  const child = spawn(process.execPath, ['emulator/cli.ts', '--port', '0', '--seed', 'fixtures/sample-account.json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const url = /listening on (\S+)/.exec(line.toString())?.[1] ?? '';

    const ec2 = new EC2Client({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const { Images } = await ec2.send(
      new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'tag:ami-rotator:family', Values: ['web-prod'] }] }),
    );

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Images?.length).toBeGreaterThan(0);
  } finally {
    child.kill();
  }
});
