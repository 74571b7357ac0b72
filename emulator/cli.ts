/**
 * Serves the EC2 emulator standalone: `npm run emulator -- --port 4566 [--seed fixture.json] [--image-seconds N]`.
 * Point any AWS client at it, e.g. `aws ec2 describe-images --owners self --endpoint-url http://127.0.0.1:4566`.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startEmulator } from './server.ts';

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '4566' },
        seed: { type: 'string' },
        'pending-polls': { type: 'string', default: '1' },
        'image-seconds': { type: 'string' },
      },
    });
  } catch (error) {
    console.error(
      `${(error as Error).message}\nusage: npm run emulator -- [--port N] [--seed fixture.json] [--pending-polls N] [--image-seconds N]`,
    );
    return process.exit(2);
  }
})();
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: expected a port number from 0 to 65535, got "${values.port}"`);
  process.exit(2);
}
const pendingPolls = Number(values['pending-polls']);
if (!Number.isInteger(pendingPolls) || pendingPolls < 0) {
  console.error(`--pending-polls: expected how many describes see a new image pending (0 or more), got "${values['pending-polls']}"`);
  process.exit(2);
}
// A new image takes this many seconds of real time (time mode on the wall clock), whoever looks and however often.
const imageSeconds = values['image-seconds'] === undefined ? undefined : Number(values['image-seconds']);
if (imageSeconds !== undefined && !(Number.isInteger(imageSeconds) && imageSeconds >= 0)) {
  console.error(
    `--image-seconds: expected how many seconds a new image stays pending (a whole number, 0 or more), got "${values['image-seconds']}"`,
  );
  process.exit(2);
}
/** One line and an exit code, never a stack trace: 2 for what the caller gave, 1 for what the machine refused. */
const fail = (message: string, code: 1 | 2): never => {
  console.error(message);
  return process.exit(code);
};
const readSeed = async (path: string): Promise<unknown> => {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) =>
    fail(`--seed: cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, 2),
  );
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail(`--seed: ${path} is not JSON: ${(error as Error).message}`, 2);
  }
};
/** A fixture's schema problems on one line: `instances.0.bogus: Unrecognized key`. */
const describeInvalid = (error: Error & { issues?: { path: PropertyKey[]; message: string }[] }): string =>
  error.issues ? error.issues.map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`).join('; ') : error.message;
const fixture = values.seed === undefined ? undefined : await readSeed(values.seed);
const emulator = await startEmulator({ port, fixture, pendingPolls, ...(imageSeconds === undefined ? {} : { imageSeconds }) }).catch(
  (error: NodeJS.ErrnoException) =>
    error.code === 'EADDRINUSE'
      ? fail(`--port: ${port} is already in use; stop what listens there or choose another port`, 1)
      : fail(`--seed: ${values.seed} is not a valid fixture: ${describeInvalid(error)}`, 2),
);
console.log(`EC2 emulator listening on ${emulator.url} (account 123456789012, region ${emulator.options.region})`);
console.log(
  `  export AWS_ENDPOINT_URL_EC2=${emulator.url} AWS_ENDPOINT_URL_AUTO_SCALING=${emulator.url} AWS_ENDPOINT_URL_SSM=${emulator.url} AWS_ENDPOINT_URL_RBIN=${emulator.url} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
);
console.log(
  `  requests: GET ${emulator.url}/_emulator/requests   state: GET ${emulator.url}/_emulator/state   faults: POST ${emulator.url}/_emulator/faults`,
);
const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
