import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Ec2Emulator, type EmulatorSettings, startEmulator } from '../../emulator/server.ts';
import * as amiEventRule from '../../local/ami-event-rule.ts';
import { emulatorClients, localDocuments, localIam } from '../../local/clients.ts';
import { type LocalWaitTable, useLocalWaitTable } from '../../local/wait-table.ts';
import { LOCAL_ACCOUNT_ID, localStepFunctions } from '../../local/workflow.ts';

/**
 * The ports the last test file of this worker served on. Vitest may run several files in one module graph
 * (`isolate: false`), where the functions' clients, made once per container as on Lambda, keep the endpoint they
 * were made with: each file serves on the same ports as the one before, so those clients reach this file's.
 */
const ports = { emulator: 0, table: 0 };

/** Serves on the remembered port, or on any free one when it is taken (by another process since). */
const onPort = async <T>(port: number, start: (port: number) => Promise<T>): Promise<T> => {
  try {
    return await start(port);
  } catch (error) {
    if (port === 0 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    return start(0);
  }
};

/**
 * One emulator per test file, emptied before each test. It also points the SDK's standard
 * settings `AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL_AUTO_SCALING`, `AWS_ENDPOINT_URL_SSM`, `AWS_ENDPOINT_URL_RBIN`, `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_ORGANIZATIONS` and `AWS_ENDPOINT_URL_LAMBDA` at itself, so production modules reach it unmodified.
 */
export const useEmulator = (settings: EmulatorSettings = {}): (() => Ec2Emulator) => {
  let emulator: Ec2Emulator | undefined;
  let table: LocalWaitTable | undefined;
  beforeAll(async () => {
    // Every call signed as a function's role is evaluated against the policies the stack deploys.
    const iam = 'iam' in settings ? settings.iam : localIam(LOCAL_ACCOUNT_ID);
    // The stack's own SSM documents exist in the account, as after a deploy.
    emulator = await onPort(ports.emulator, (port) =>
      startEmulator({ documents: localDocuments(), ...settings, ...(iam ? { iam } : {}), port }),
    );
    ports.emulator = Number(new URL(emulator.url).port);
    // EC2's AMI state changes reach CompleteWait through the stack's rule, and the waits are kept in a real table.
    emulator.onEvent(amiEventRule.deliver);
    // The table and the Step Functions endpoint evaluate the roles' calls too (DynamoDB's, SendTaskSuccess).
    table = await onPort(ports.table, (port) => useLocalWaitTable(iam, port));
    ports.table = Number(new URL(table.url).port);
    const stepFunctions = await localStepFunctions();
    // Executions of an earlier file in this module graph are not this file's (one Step Functions per file, as isolated).
    stepFunctions.executions.clear();
    stepFunctions.enforce(iam);
    process.env.AWS_ENDPOINT_URL_EC2 = emulator.url;
    process.env.AWS_ENDPOINT_URL_AUTO_SCALING = emulator.url;
    process.env.AWS_ENDPOINT_URL_SSM = emulator.url;
    process.env.AWS_ENDPOINT_URL_RBIN = emulator.url;
    process.env.AWS_ENDPOINT_URL_STS = emulator.url;
    process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = emulator.url;
    process.env.AWS_ENDPOINT_URL_LAMBDA = emulator.url;
  });
  beforeEach(() => {
    emulator?.reset();
    amiEventRule.setFaults({});
    amiEventRule.forwardFrom([]);
  });
  afterAll(async () => {
    await amiEventRule.idle();
    await table?.close();
    await emulator?.close();
  });
  return () => {
    if (!emulator) throw new Error('the emulator is started in beforeAll');
    return emulator;
  };
};

/** A client of the test's own, for arranging and inspecting state through the real SDK. */
export const clientFor = (emulator: Ec2Emulator, maxAttempts = 3): EC2Client =>
  new EC2Client({
    endpoint: emulator.url,
    region: 'us-east-1',
    maxAttempts,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

/**
 * Clients for a handler, built as production builds its own (retry settings from `env`), pointed at the emulator and
 * signed as the function's `role`, whose policies the emulator enforces.
 */
export const handlerClientsFor = (emulator: Ec2Emulator, role: string, env: Record<string, string> = { AWS_MAX_ATTEMPTS: '3' }) =>
  emulatorClients(emulator.url, env, role);

/** The same for every function of a local run, each signed as its own role. */
export const roleClientsFor =
  (emulator: Ec2Emulator, env: Record<string, string> = { AWS_MAX_ATTEMPTS: '3' }) =>
  (role: string, region?: string) =>
    // Signed for the region a step acts in (a copy's), as the function's own clients are.
    emulatorClients(emulator.url, region ? { ...env, AWS_REGION: region } : env, role);

/** A client of any AWS service the emulator speaks (SSM, Recycle Bin, ...), for a test's own calls: one attempt, test credentials. */
export const serviceClientFor = <C>(
  Client: new (config: {
    endpoint: string;
    region: string;
    maxAttempts: number;
    credentials: { accessKeyId: string; secretAccessKey: string };
  }) => C,
  endpoint: string,
): C => new Client({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

/** The error a call fails with, or undefined when it succeeds: for asserting on an AWS error's name and fields. */
export const failureOf = (promise: Promise<unknown>): Promise<(Error & Record<string, unknown>) | undefined> =>
  promise.then(
    () => undefined,
    (error: Error & Record<string, unknown>) => error,
  );

/** What a call ended in: `accepted`, or the name of the error it was answered with (the service's code). */
export const codeOf = (call: Promise<unknown>): Promise<string> =>
  call.then(
    () => 'accepted',
    (e: { name: string }) => e.name,
  );
