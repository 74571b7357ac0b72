/**
 * Peak memory per function: each deployed bundle runs one representative invocation in a fresh Node
 * process against the emulator (the prune one plans 10,000 images), and reports its maximum resident
 * set, beside the memory serverless.yml gives the function.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startEmulator } from '../emulator/server.ts';
import { DAY_MS } from '../src/retention/policy.ts';
import { TAG } from '../src/rotation/tags.ts';
import { BENCH_BUILD_DIR } from './cold-start.ts';

const run = promisify(execFile);

export interface MemoryUse {
  fn: string;
  maxRssMiB: number;
  configuredMiB: number;
  what: string;
}

const execution = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:ami-rotator-bench:bench',
  name: 'bench',
  startTime: new Date().toISOString(),
};
const request = {
  family: 'web-prod',
  instanceId: 'i-0a1b2c3d4e5f60001',
  noReboot: true,
  tags: {},
  retention: { keepLast: 3, maxAgeDays: 7, minKeep: 2 },
  dryRun: true,
  wait: { initialSeconds: 120, factor: 2, maxSeconds: 600, timeoutSeconds: 14_400 },
};
const image = {
  imageId: 'ami-0b000000000000001',
  name: 'web-prod-bench',
  instanceId: request.instanceId,
  state: 'pending',
  poll: 0,
  nextWaitSeconds: 120,
  waitedSeconds: 120,
  timedOut: false,
};

const INVOCATIONS: Record<string, { event: unknown; what: string }> = {
  'validate-input': {
    event: { input: { family: 'web-prod', instanceId: request.instanceId }, execution },
    what: 'one input',
  },
  'check-image': { event: { request, image }, what: 'one check' },
  'describe-failure': {
    event: { failure: { failed: { ValidateInput: { Error: 'InvalidInput', Cause: 'bad' } } }, input: {}, execution },
    what: 'one alert',
  },
  'prune-images': { event: { request, execution }, what: 'a dry-run plan of 10,000 images' },
};

/** The `memorySize` of each function in serverless.yml (provider default when absent). */
const configuredMemory = async (): Promise<Record<string, number>> => {
  const yml = await readFile('serverless.yml', 'utf8');
  const byDefault = Number(/^ {2}memorySize: (\d+)/m.exec(yml)?.[1] ?? 1024);
  const sizes: Record<string, number> = {};
  for (const match of yml.matchAll(/handler: functions\/([\w-]+)\.handler\n((?: {4}\w+: .*\n)*)/g)) {
    sizes[match[1] ?? ''] = Number(/memorySize: (\d+)/.exec(match[2] ?? '')?.[1] ?? byDefault);
  }
  return sizes;
};

export const measureMemory = async (): Promise<MemoryUse[]> => {
  const managed = { [TAG.managed]: 'true', [TAG.family]: 'web-prod' };
  const emulator = await startEmulator({
    fixture: {
      images: [
        { imageId: image.imageId, name: image.name, creationDate: new Date().toISOString(), tags: managed },
        ...Array.from({ length: 10_000 }, (_, n) => ({
          name: `web-prod-${n}`,
          creationDate: new Date(Date.now() - (n + 8) * DAY_MS).toISOString(),
          tags: managed,
        })),
      ],
    },
  });
  const memory = await configuredMemory();
  const results: MemoryUse[] = [];
  try {
    for (const [fn, { event, what }] of Object.entries(INVOCATIONS)) {
      const bundle = pathToFileURL(`${BENCH_BUILD_DIR}/.build/functions/${fn}.mjs`).href;
      const script = `const { handler } = await import(${JSON.stringify(bundle)});
await handler(${JSON.stringify(event)}, { awsRequestId: 'bench', getRemainingTimeInMillis: () => 60000 });
process.stdout.write(String(process.resourceUsage().maxRSS));`;
      const env = {
        ...process.env,
        AWS_ENDPOINT_URL_EC2: emulator.url,
        AWS_ENDPOINT_URL_AUTO_SCALING: emulator.url,
        AWS_ENDPOINT_URL_SSM: emulator.url,
        AWS_ENDPOINT_URL_RBIN: emulator.url,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
      };
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env, maxBuffer: 1 << 20 }).catch(
        (error: { stderr?: string }) => {
          throw new Error(
            `${fn}: the invocation failed: ${String(error.stderr ?? error)
              .split('\n')
              .filter((l) => /Error|error:/.test(l))
              .slice(-3)
              .join(' | ')
              .slice(0, 600)}`,
          );
        },
      );
      results.push({ fn, maxRssMiB: Math.round(Number(stdout) / 1024), configuredMiB: memory[fn] ?? 0, what });
    }
  } finally {
    await emulator.close();
  }
  return results;
};
