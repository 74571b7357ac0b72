/**
 * Serves the EC2 emulator standalone: `npm run emulator -- --port 4566 [--seed fixture.json]`.
 * Point any AWS client at it, e.g. `aws ec2 describe-images --owners self --endpoint-url http://127.0.0.1:4566`.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startEmulator } from './server.ts';

const { values } = (() => {
  try {
    return parseArgs({
      options: { port: { type: 'string', default: '4566' }, seed: { type: 'string' }, 'pending-polls': { type: 'string', default: '1' } },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: npm run emulator -- [--port N] [--seed fixture.json] [--pending-polls N]`);
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
const fixture = values.seed === undefined ? undefined : JSON.parse(await readFile(values.seed, 'utf8'));
const emulator = await startEmulator({ port, fixture, pendingPolls });
console.log(`EC2 emulator listening on ${emulator.url} (account 123456789012, region ${emulator.options.region})`);
console.log(
  `  export AWS_ENDPOINT_URL_EC2=${emulator.url} AWS_ENDPOINT_URL_AUTO_SCALING=${emulator.url} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
);
console.log(
  `  requests: GET ${emulator.url}/_emulator/requests   state: GET ${emulator.url}/_emulator/state   faults: POST ${emulator.url}/_emulator/faults`,
);
const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
