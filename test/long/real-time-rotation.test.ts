import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { expect, it } from 'vitest';

/** Longer than aws-local-stepfunctions' 60-second default for a Task that sets no timeout; Step Functions' is 99999999 s. */
const IMAGE_SECONDS = 75;

it(`rotates through --use-environment against the standalone emulator when the image takes ${IMAGE_SECONDS} s of real time`, async () => {
  const emulator = spawn(
    process.execPath,
    ['emulator/cli.ts', '--port', '0', '--seed', 'fixtures/sample-account.json', '--image-seconds', String(IMAGE_SECONDS)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const [line] = (await once(emulator.stdout, 'data')) as [Buffer];
    const url = /listening on (\S+)/.exec(line.toString())?.[1] ?? '';
    const endpoints = {
      AWS_ENDPOINT_URL_EC2: url,
      AWS_ENDPOINT_URL_AUTO_SCALING: url,
      AWS_ENDPOINT_URL_SSM: url,
      AWS_ENDPOINT_URL_RBIN: url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const started = Date.now();

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        'local/start.ts',
        '--use-environment',
        '--account-id',
        '123456789012',
        '--input',
        JSON.stringify({ family: 'web-prod', instanceId: 'i-0a1b2c3d4e5f60001' }),
      ],
      { env: { ...process.env, ...endpoints }, timeout: 600_000 },
    );

    const ec2 = new EC2Client({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const imageId = /"imageId":"(ami-[0-9a-f]+)"/.exec(stdout)?.[1] ?? '';
    const [image] = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images ?? [];
    expect(stdout).toContain('SUCCEEDED');
    expect(image?.State).toBe('available');
    expect(Date.now() - started).toBeGreaterThan(IMAGE_SECONDS * 1000);
  } finally {
    emulator.kill();
  }
}, 600_000);
