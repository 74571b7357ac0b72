import { createServer } from 'node:net';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { clientSettings } from '../../src/aws/client-settings.ts';
import { ec2Client } from '../../src/aws/ec2-client.ts';
import { ec2Call, fromEc2Error, isGone, isImageNameTaken, isSnapshotInUse } from '../../src/aws/ec2-errors.ts';
import { ImageNotFoundError } from '../../src/errors.ts';

/** An error as the SDK throws it for a service's answer. */
const answered = (name: string, status: number) =>
  Object.assign(new Error(`${name} from EC2`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

/** The error a real client throws for a call that never reaches a service. */
const thrownBy = async (client: EC2Client): Promise<unknown> => client.send(new DescribeImagesCommand({})).catch((error: unknown) => error);

const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
};

describe('fromEc2Error', () => {
  it.each([
    ['throttling', answered('RequestLimitExceeded', 503), 'Ec2Throttled'],
    ['an internal error', answered('InternalError', 500), 'Ec2Unavailable'],
    ['Unavailable', answered('Unavailable', 503), 'Ec2Unavailable'],
    ['a 5xx with a code the project does not know', answered('SomethingBroke', 502), 'Ec2Unavailable'],
    ['a denied call', answered('UnauthorizedOperation', 403), 'Ec2AccessDenied'],
    ['an unknown instance', answered('InvalidInstanceID.NotFound', 400), 'InstanceNotFound'],
    ['an unknown image', answered('InvalidAMIID.NotFound', 400), 'ImageNotFound'],
    ['another refusal', answered('InvalidParameterValue', 400), 'Ec2RequestError'],
    ['a timeout', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), 'Ec2Unavailable'],
  ])('maps %s to %s', (_what, error, name) => {
    expect(fromEc2Error(error, 'describe images').name).toBe(name);
  });

  it('maps a refused connection to Ec2Unavailable, which the state machine retries', async () => {
    const port = await closedPort();
    const client = new EC2Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });

    const mapped = fromEc2Error(await thrownBy(client), 'describe images');

    expect(mapped.name).toBe('Ec2Unavailable');
    expect((mapped as { transient?: boolean }).transient).toBe(true);
  });

  it.each([
    // The SDK's own errors for a call it cannot make: @smithy/config-resolver's and the credential chain's.
    ['a missing region', new Error('Region is missing'), /Region is missing.*set AWS_REGION/],
    [
      'missing credentials',
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      /Could not load credentials.*AWS_PROFILE/,
    ],
  ])('maps %s to a ConfigurationError that says what to set, never a transient error', (_what, error, message) => {
    const mapped = fromEc2Error(error, 'describe images');

    expect(mapped.name).toBe('ConfigurationError');
    expect(mapped.message).toMatch(message);
    expect((mapped as { transient?: boolean }).transient).toBe(false);
  });

  it('passes a programming error on unchanged, so it is not retried', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'ImageId')");

    expect(fromEc2Error(bug, 'describe images')).toBe(bug);
  });
});

describe('what fromEc2Error keeps', () => {
  it('says what the call was for and the code, and keeps the original as the cause', () => {
    const original = answered('RequestLimitExceeded', 503);

    const mapped = fromEc2Error(original, 'describe images');

    expect(mapped.message).toBe('describe images: RequestLimitExceeded: RequestLimitExceeded from EC2');
    expect(mapped.cause).toBe(original);
  });

  it.each([
    ['AccessDenied', 403],
    ['AccessDeniedException', 400],
    ['AuthFailure', 401],
    ['UnauthorizedOperation', 403],
  ])('maps %s to Ec2AccessDenied', (code, status) => {
    expect(fromEc2Error(answered(code, status), 'x').name).toBe('Ec2AccessDenied');
  });

  it.each(['ProviderError', 'TokenProviderError', 'UnrecognizedResponse'])('maps %s to a ConfigurationError', (name) => {
    expect(fromEc2Error(Object.assign(new Error('no'), { name }), 'x').name).toBe('ConfigurationError');
  });

  it('tells an endpoint that is not AWS apart from missing settings', () => {
    const mapped = fromEc2Error(Object.assign(new Error('no request id'), { name: 'UnrecognizedResponse' }), 'list images');

    expect(mapped.message).toBe('list images: no request id: check the AWS_ENDPOINT_URL_* settings, or a proxy between here and AWS');
  });

  it("passes the project's own errors, and anything thrown that is not an Error, on as bugs", () => {
    const own = new ImageNotFoundError('gone');

    expect(fromEc2Error(own, 'x')).toBe(own);
    expect(fromEc2Error('boom', 'describe images')).toMatchObject({ name: 'Error', message: 'describe images: boom' });
  });

  it('maps what ec2Call runs, and returns what it returns', async () => {
    await expect(ec2Call('tag image', async () => 'done')).resolves.toBe('done');
    await expect(ec2Call('tag image', () => Promise.reject(answered('InternalError', 500)))).rejects.toMatchObject({
      name: 'Ec2Unavailable',
      message: 'tag image: InternalError: InternalError from EC2',
    });
  });
});

describe("EC2's answers the steps act on", () => {
  it.each([
    [isSnapshotInUse, 'InvalidSnapshot.InUse', 'InvalidSnapshot.NotFound'],
    [isImageNameTaken, 'InvalidAMIName.Duplicate', 'InvalidAMIName.Malformed'],
  ])('%o is true for its code only', (check, code, other) => {
    expect(check(answered(code, 400))).toBe(true);
    expect(check(answered(other, 400))).toBe(false);
    expect(check(new Error(code))).toBe(false);
  });
});

describe('isGone', () => {
  it.each(['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable', 'InvalidSnapshot.NotFound'])('counts %s as already gone', (code) => {
    expect(isGone(answered(code, 400))).toBe(true);
  });

  it.each(['InvalidAMIID.Malformed', 'InvalidSnapshot.InUse', 'RequestLimitExceeded'])('does not count %s as gone', (code) => {
    expect(isGone(answered(code, 400))).toBe(false);
  });
});

describe('the clients retry settings', () => {
  it('build a client with the adaptive mode and 6 attempts by default', async () => {
    const client = ec2Client();

    expect(await client.config.maxAttempts()).toBe(6);
    expect(((await client.config.retryStrategy()) as { mode?: string }).mode).toBe('adaptive');
  });

  it("follow the SDK's standard AWS_RETRY_MODE and AWS_MAX_ATTEMPTS", async () => {
    const client = new EC2Client(clientSettings({ AWS_RETRY_MODE: 'standard', AWS_MAX_ATTEMPTS: '3' }));

    expect(await client.config.maxAttempts()).toBe(3);
    expect(((await client.config.retryStrategy()) as { mode?: string }).mode).toBe('standard');
  });
});
