/**
 * What `ami-rotator history` and `status` cost a stage with a long past: two families rotated nightly for
 * 120 days (240 executions, 60 images kept) on the loopback Step Functions endpoint and the emulator.
 * Calls are counted per command; only the executions inside the window may be described.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { startEmulator } from '../emulator/server.ts';
import { startLocalStepFunctions } from '../local/sfn-endpoint.ts';
import { runHistoryCommand } from '../src/cli/history-command.ts';
import { runStatusCommand } from '../src/cli/status-command.ts';
import { round } from './stats.ts';

export interface HistoryCost {
  command: string;
  executionsInWindow: number;
  calls: Record<string, number>;
  ms: number;
}

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:ami-rotator-bench';
const DAYS = 120;
const FAMILIES = ['web-prod', 'db-prod'];
const DAY_MS = 86_400_000;

/** Counts every call a client sends, by command, below nothing: what AWS would be asked. */
const counted = <C extends SFNClient | EC2Client | SchedulerClient | CloudWatchClient>(client: C, calls: Record<string, number>): C => {
  // One middleware for four clients: their stacks differ only in their input and output types.
  (client.middlewareStack as SFNClient['middlewareStack']).add(
    (next, context) => (args) => {
      calls[context.commandName ?? '?'] = (calls[context.commandName ?? '?'] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize' },
  );
  return client;
};

export const measureHistory = async (): Promise<HistoryCost[]> => {
  const emulator = await startEmulator();
  const sfnEndpoint = await startLocalStepFunctions();
  sfnEndpoint.serve(MACHINE, () => undefined);
  const now = Date.now();
  const images = [];
  for (const [f, family] of FAMILIES.entries()) {
    for (let day = 1; day <= DAYS; day += 1) {
      const start = new Date(now - day * DAY_MS + f * 60_000);
      const name = `nightly-${family}-${day}`;
      const executionArn = `${MACHINE.replace(':stateMachine:', ':execution:')}:${name}`;
      const imageId = `ami-${String(f)}${String(day).padStart(16, '0')}`;
      sfnEndpoint.executions.set(executionArn, {
        executionArn,
        stateMachineArn: MACHINE,
        name,
        status: 'SUCCEEDED',
        startDate: start,
        stopDate: new Date(start.getTime() + 840_000),
        input: JSON.stringify({ family, instanceId: 'i-0a1b2c3d4e5f60001' }),
        output: JSON.stringify({ request: { family }, image: { imageId, name }, prune: { totals: { deleted: 1, expired: 1 } } }),
      });
      // The retention policy keeps the newest 30 of each family.
      if (day <= 30)
        images.push({
          imageId,
          name,
          creationDate: start.toISOString(),
          tags: { 'ami-rotator:managed': 'true', 'ami-rotator:family': family, 'ami-rotator:execution': executionArn },
        });
    }
  }
  emulator.seed({ images });
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
  const results: HistoryCost[] = [];
  try {
    for (const [command, args, days] of [
      ['history --since 30d', ['--since', '30d'], 30],
      ['history --since 90d', ['--since', '90d'], 90],
      ['status', [], 30],
    ] as const) {
      const calls: Record<string, number> = {};
      const clients = {
        sfn: counted(new SFNClient({ ...config, endpoint: sfnEndpoint.url }), calls),
        ec2: counted(new EC2Client({ ...config, endpoint: emulator.url }), calls),
        scheduler: counted(new SchedulerClient({ ...config, endpoint: emulator.url }), calls),
        cloudWatch: counted(new CloudWatchClient({ ...config, endpoint: emulator.url }), calls),
      };
      const argv = ['--stage', 'bench', ...args];
      const began = performance.now();
      await (command === 'status'
        ? runStatusCommand(argv, clients, { now: () => new Date(now) })
        : runHistoryCommand(argv, clients, { now: () => new Date(now) }));
      const executionsInWindow = [...sfnEndpoint.executions.values()].filter((e) => e.startDate.getTime() >= now - days * DAY_MS).length;
      results.push({ command, executionsInWindow, calls, ms: round(performance.now() - began, 1) });
    }
  } finally {
    await emulator.close();
    await sfnEndpoint.close();
  }
  return results;
};
