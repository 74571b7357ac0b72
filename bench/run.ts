/**
 * `npm run bench [-- --quick]`: cold start, API cost and prune scale, side by side with the naive
 * way, written to bench/reports/ as Markdown and JSON. Exits non-zero when a budget that is a ratio
 * or a count is missed (absolute times are reported, never judged: machines differ).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { localIam } from '../local/clients.ts';
import { useLocalWaitTable } from '../local/wait-table.ts';
import { LOCAL_ACCOUNT_ID, localStepFunctions } from '../local/workflow.ts';
import { measureApiCost } from './api-cost.ts';
import { measureColdStarts } from './cold-start.ts';
import { measureConsumers } from './consumers.ts';
import { measureCopyEvents, measureDistribution } from './distribution.ts';
import { measureEventWaits } from './event-waits.ts';
import { measureHistory } from './history-scale.ts';
import { measureMemory } from './memory.ts';
import { measurePlanning, measurePrune } from './prune-scale.ts';
import { round } from './stats.ts';
import { measureTracer, tracerSummary } from './tracer.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick;
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'bench';
process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const OUT = 'bench/reports';
await mkdir(OUT, { recursive: true });
const log = (line: string) => process.stderr.write(`${line}\n`);

// Quick (CI): three imports of each of the 17 bundles, enough for the gated figures (bytes; imports are reported only).
log(`cold start: packaging and importing each bundle ${quick ? 3 : 11} times...`);
const coldStarts = await measureColdStarts(OUT, quick ? 3 : 11);
log('tracer: create-image with and without Powertools Tracer...');
const tracer = await measureTracer(OUT, quick ? 5 : 11);
const createImage = coldStarts.find((c) => c.fn === 'create-image');
// What the traced bundle's ratio to the naive one would be (the budget below that decides against adopting it).
const tracedRatio = createImage
  ? round(Math.max(0, tracer.tracedMs.min - createImage.floorMs.min) / Math.max(1, createImage.naiveMs.min - createImage.floorMs.min), 2)
  : 0;
log('memory: one invocation of each bundle in a fresh process...');
const memory = await measureMemory();
// The wait table of every rotation below (AwaitImage's clients read its endpoint once, when first made).
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
// The table and the Step Functions endpoint evaluate the roles' calls, as the emulator does.
const waitTable = await useLocalWaitTable(localIam(LOCAL_ACCOUNT_ID));
(await localStepFunctions()).enforce(localIam(LOCAL_ACCOUNT_ID));
log('API cost: rotations on the emulator...');
const apiCost = await measureApiCost();
log('event-driven waits: images of 5, 30 and 120 minutes, events delivered or lost...');
const eventWaits = await measureEventWaits();
log('distribution: a rotation into three other regions...');
const distribution = await measureDistribution();
log("copy regions' events: the same three copies on the emulator's clock, events forwarded or not...");
const copyEvents = await measureCopyEvents();
const forwarded = copyEvents.find((r) => r.events === 'forwarded');
const COPY_REGIONS = forwarded?.regions.map((r) => r.region) ?? [];
log('consumers: 100 accounts of an OU, in three regions...');
const consumers = await measureConsumers();
log('prune at scale: planning, then 10,000 expired images on a simulated clock...');
const planning = measurePlanning(quick ? [1_000, 10_000] : [1_000, 10_000, 100_000], quick ? 3 : 7);
const prune = await measurePrune(10_000);
log('history and status: 240 executions over 120 days...');
const history = await measureHistory();

const budgets = [
  ...coldStarts.map((c) => ({ budget: `${c.fn}: bundle at most 1 MB`, value: `${round(c.bytes / 1e6, 3)} MB`, ok: c.bytes <= 1_000_000 })),
  // Budgets gate only what does not vary with the machine's load: a bundle's bytes against the naive bundle's
  // (an SDK bundle imports in proportion to its size). The import time above Node's floor, the minimum of
  // alternated runs, is reported beside it and in the cold-start table, never gated: on a machine shared with
  // the test suite it swings by 2x, and a gate on it fails for the neighbours' sake, not the code's.
  ...coldStarts.map((c) =>
    c.carriesSdk
      ? {
          budget: `${c.fn}: carries the SDK, so bundle at most 0.15x the naive bundle's size`,
          value: `${round(c.bytes / c.naiveBytes, 3)}x (import above the floor ${c.ratio}x the naive bundle's, not gated)`,
          ok: c.bytes <= 0.15 * c.naiveBytes,
        }
      : {
          budget: `${c.fn}: no SDK, so bundle at most 0.6x the naive bundle's size`,
          value: `${round(c.bytes / c.naiveBytes, 2)}x (import ${round(c.importMs.median - c.floorMs.median, 1)} ms above the floor)`,
          ok: c.bytes <= 0.6 * c.naiveBytes,
        },
  ),
  ...memory.map((m) => ({
    budget: `${m.fn}: peak memory under 70% of its ${m.configuredMiB} MB`,
    value: `${m.maxRssMiB} MiB`,
    ok: m.maxRssMiB < m.configuredMiB * 0.7,
  })),
  ...eventWaits.runs
    .filter((r) => r.events === 'delivered')
    .map((r) => ({
      budget: `events delivered, ${r.minutes}-minute image${r.history ? ' (family history)' : ''}: seen within 60 s of available`,
      value: `${r.lateSeconds} s late`,
      ok: r.lateSeconds <= 60,
    })),
  ...eventWaits.runs
    .filter((r) => r.events === 'delivered')
    .map((r) => ({
      budget: `events delivered, ${r.minutes}-minute image${r.history ? ' (family history)' : ''}: the wait in at most 12 transitions`,
      value: `${r.waitTransitions} (rotation ${r.transitions})`,
      ok: r.waitTransitions <= 12,
    })),
  ...eventWaits.runs
    .filter((r) => r.events === 'lost' && !r.history)
    .map((r) => ({
      budget: `every event lost, ${r.minutes}-minute image: no worse than polling (its transitions, no later than it)`,
      value: `${r.transitions} transitions, ${r.lateSeconds} s late (polling: ${eventWaits.polling.find((p) => p.minutes === r.minutes)?.transitions}, ${eventWaits.polling.find((p) => p.minutes === r.minutes)?.lateSeconds} s)`,
      ok: (() => {
        const before = eventWaits.polling.find((p) => p.minutes === r.minutes);
        return before !== undefined && r.transitions <= before.transitions && r.lateSeconds <= before.lateSeconds;
      })(),
    })),
  ...eventWaits.runs
    .filter((r) => r.events === 'lost' && r.history)
    .map((r) => ({
      budget: `every event lost, ${r.minutes}-minute image with family history: no worse than polling`,
      value: `${r.transitions} transitions, ${r.lateSeconds} s late (polling: ${eventWaits.polling.find((p) => p.minutes === r.minutes)?.transitions}, ${eventWaits.polling.find((p) => p.minutes === r.minutes)?.lateSeconds} s)`,
      ok: (() => {
        const before = eventWaits.polling.find((p) => p.minutes === r.minutes);
        return before !== undefined && r.transitions <= before.transitions && r.lateSeconds <= before.lateSeconds;
      })(),
    })),
  {
    budget: 'three regions copied at once: the distribution within the slowest copy plus 2 minutes',
    value: `${distribution.distributionMinutes} min for a slowest copy of ${distribution.slowestCopyMinutes} min (one after another: ${distribution.sequentialMinutes} min)`,
    ok: distribution.concurrent && distribution.distributionMinutes <= distribution.slowestCopyMinutes + 2,
  },
  {
    budget: "every copy seen within 60 s of available, the copy regions' events forwarded",
    value: (forwarded?.regions ?? []).map((r) => `${r.region} ${r.lateSeconds} s`).join(', '),
    ok: forwarded?.regions.every((r) => r.lateSeconds <= 60) === true,
  },
  {
    budget: "three regions' distribution within the slowest copy plus 1 minute, events forwarded (emulator's clock)",
    value: `${forwarded?.distributionMinutes} min for a slowest copy of ${forwarded?.slowestCopyMinutes} min`,
    ok: forwarded !== undefined && forwarded.distributionMinutes <= forwarded.slowestCopyMinutes + 1,
  },
  {
    budget: `an organization of ${consumers.consumers} consumer accounts in ${consumers.regions} regions updated within 5 minutes of publishing`,
    value: `${consumers.resolved} of ${consumers.consumers * consumers.regions} resolve the new image; slowest region ${consumers.slowestMinutes} min (emulator's clock), ${consumers.wallSeconds} s of real time`,
    ok: consumers.resolved === consumers.consumers * consumers.regions && consumers.slowestMinutes <= 5,
  },
  { budget: 'prune of 10,000 within 1.2x of the token-bucket limit', value: `${prune.ratioToLimit}x`, ok: prune.ratioToLimit <= 1.2 },
  {
    budget: 'no prune pass past the 900 s Lambda timeout',
    value: `longest ${prune.longestPassSeconds} s`,
    ok: prune.longestPassSeconds < 900,
  },
  ...history.map((h) => ({
    budget: `${h.command}: describes only the ${h.executionsInWindow} executions in its window, in one listing page`,
    value: `${h.calls.DescribeExecutionCommand ?? 0} described, ${h.calls.ListExecutionsCommand ?? 0} page(s)`,
    ok: h.calls.DescribeExecutionCommand === h.executionsInWindow && h.calls.ListExecutionsCommand === 1,
  })),
  { budget: 'no deregistration faster than EC2 refills', value: `${prune.earlyCalls} early`, ok: prune.earlyCalls === 0 },
  {
    budget: 'every expired image and its snapshots deleted',
    value: `${prune.callsByAction.DeregisterImage} images, ${prune.snapshots} snapshots`,
    ok: prune.callsByAction.DeregisterImage === 10_000 && prune.snapshots === 20_000,
  },
];

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: round(totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString(),
  quick,
};
const ms = (n: number) => round(n, 1);
const md = [
  `# ami-rotator benchmark${quick ? ' (quick)' : ''}`,
  '',
  `${machine.date} — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`,
  '',
  '## Cold start per function (import of the bundle in a fresh process, ms: median [min–max]; the files take turns, and the ratio is of the minimums, which noise can only raise; the last columns import the deployed bundle as Lambda does, with the stack NODE_OPTIONS (none: source maps are read when an error is logged), and map one stack trace as the first error does)',
  '',
  '| function | bundle | import | naive bundle | naive import | SDK from node_modules | empty module (floor) | ratio to naive above the floor | as Lambda imports it | its ratio | first stack trace mapped |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...coldStarts.map(
    (c) =>
      `| ${c.fn} | ${round(c.bytes / 1024)} KiB | ${ms(c.importMs.median)} [${ms(c.importMs.min)}–${ms(c.importMs.max)}] | ${round(c.naiveBytes / 1024)} KiB | ${ms(c.naiveMs.median)} [${ms(c.naiveMs.min)}–${ms(c.naiveMs.max)}] | ${ms(c.runtimeSdkMs.median)} [${ms(c.runtimeSdkMs.min)}–${ms(c.runtimeSdkMs.max)}] | ${ms(c.floorMs.median)} | ${c.ratio}x | ${ms(c.lambdaMs.median)} [${ms(c.lambdaMs.min)}–${ms(c.lambdaMs.max)}] | ${c.carriesSdk ? `${round(Math.max(0, c.lambdaMs.min - c.floorMs.min) / Math.max(1, c.naiveMs.min - c.floorMs.min), 2)}x` : 'no SDK'} | ${ms(c.stackTraceMs.median)} ms |`,
  ),
  '',
  `Runs per figure: ${coldStarts[0]?.importMs.runs}. Naive: esbuild on the SDK's CommonJS build, not minified. SDK from node_modules: the handler bundled, the SDK imported as a runtime-provided one would be.`,
  '',
  '## Powertools Tracer (X-Ray) on the AWS clients: what it costs (adopted)',
  '',
  '| function | bundle without Tracer | import, ms (median) | with Tracer (deployed) | import with Tracer, ms | difference |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  tracerSummary(tracer),
  '',
  `Both built with the deployed settings and imported alternately, ${tracer.importMs.runs} times each. With Tracer, create-image's import above the floor is ${tracedRatio}x the naive bundle's (the adoption decision asked for at most 0.4x; reported, not gated).`,
  '',
  '## Peak memory per invocation (maximum resident set of a fresh process running the bundle)',
  '',
  '| function | invocation | peak | configured |',
  '| --- | --- | ---: | ---: |',
  ...memory.map((m) => `| ${m.fn} | ${m.what} | ${m.maxRssMiB} MiB | ${m.configuredMiB} MB |`),
  '',
  '## EC2 and Auto Scaling calls per rotation (the demo rotation: 3 checks, 16 images, 6 expired, 1 orphaned snapshot)',
  '',
  '| action | calls | minimum | why |',
  '| --- | ---: | ---: | --- |',
  ...apiCost.calls.map((c) => `| ${c.action} | ${c.calls} | ${c.minimum} | ${c.why} |`),
  '',
  "## Waiting for the image: its event, against polling (the emulator's clock)",
  '',
  '| image ready after | events | family history | seen late | CheckImage | SweepWaits looks | wait transitions | rotation transitions |',
  '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ...eventWaits.runs.map(
    (r) =>
      `| ${r.minutes} min | ${r.events} | ${r.history ? 'yes' : 'no'} | ${r.lateSeconds} s | ${r.checks} | ${r.sweeperLooks} | ${r.waitTransitions} | ${r.transitions} |`,
  ),
  ...eventWaits.polling.map(
    (p) => `| ${p.minutes} min | polling (before) | no | ${p.lateSeconds} s | ${p.checks} | 0 | ${3 * p.checks} | ${p.transitions} |`,
  ),
  '',
  '## A rotation into three other regions (copies of 20, 45 and 30 minutes; one encrypted)',
  '',
  '| region | copy takes | waited (copy seen, then publishing) | transitions | EC2 and SSM calls |',
  '| --- | ---: | ---: | ---: | ---: |',
  `| ${'us-east-1'} (source) | 10 min | ${distribution.sourceMinutes} min | | |`,
  ...distribution.regions.map((r) => `| ${r.region} | ${r.copyMinutes} min | ${r.waitedMinutes} min | ${r.transitions} | ${r.calls} |`),
  '',
  `The regions ran at once (every CopyImage before any copy was first looked at: ${distribution.concurrent}): the distribution took ${distribution.distributionMinutes} min of planned waits, its slowest region; one after another it would take ${distribution.sequentialMinutes} min. ${distribution.transitions} state transitions in all, the children's included.`,
  '',
  "On the emulator's clock (each copy takes its minutes; SweepWaits looks each minute), with the copy regions' AMI events forwarded to the stack's region (infra/region-events-stack.yml) and without:",
  '',
  `| events | ${COPY_REGIONS.map((r) => `${r} seen after available`).join(' | ')} | distribution (slowest copy) |`,
  `| --- | ${COPY_REGIONS.map(() => '---:').join(' | ')} | ---: |`,
  ...copyEvents.map(
    (run) =>
      `| ${run.events} | ${run.regions.map((r) => `${r.lateSeconds} s (copy ${r.copyMinutes} min)`).join(' | ')} | ${run.distributionMinutes} min (${run.slowestCopyMinutes} min) |`,
  ),
  '',
  `## An organization: ${consumers.consumers} consumer accounts of one OU, in ${consumers.regions} regions`,
  '',
  '| region | from PublishImage until every consumer there is confirmed (emulator clock) |',
  '| --- | ---: |',
  ...Object.entries(consumers.minutesByRegion).map(([region, minutes]) => `| ${region} | ${minutes} min |`),
  '',
  `${consumers.resolved} of ${consumers.consumers * consumers.regions} consumer parameters resolve their region's new image; ${consumers.assumeRoleCalls} AssumeRole calls (one a consumer, region and run); ${consumers.wallSeconds} s of real time on this machine.`,
  '',
  '## Prune at scale',
  '',
  '| images planned | planning time, ms: median [min–max] |',
  '| ---: | ---: |',
  ...planning.map((p) => `| ${p.images.toLocaleString('en')} | ${ms(p.ms.median)} [${ms(p.ms.min)}–${ms(p.ms.max)}] |`),
  '',
  `10,000 expired images with 20,000 snapshots, on a simulated clock (60 ms a call, 4 in flight): ${prune.passes} passes of the prune loop, longest ${prune.longestPassSeconds} s; ${prune.simulatedSeconds} s in all against the physical limit of ${prune.limitSeconds} s (10,000 deregistrations at 5 per second): **${prune.ratioToLimit}x**. Deregistrations our pacing let through before EC2's bucket had a token: ${prune.earlyCalls}. Real time: ${prune.realSeconds} s.`,
  '',
  `Calls: ${Object.entries(prune.callsByAction)
    .map(([a, n]) => `${a} ${n}`)
    .join(', ')}.`,
  '',
  '## History and status on a long past (2 families, nightly for 120 days: 240 executions, 60 images kept)',
  '',
  '| command | executions in window | calls | time, ms |',
  '| --- | ---: | --- | ---: |',
  ...history.map(
    (h) =>
      `| ${h.command} | ${h.executionsInWindow} | ${Object.entries(h.calls)
        .map(([c, n]) => `${c.replace(/Command$/, '')} ${n}`)
        .join(', ')} | ${ms(h.ms)} |`,
  ),
  '',
  "On the loopback endpoints, so the time is the command's own; against AWS each DescribeExecution is a round trip (eight in flight).",
  '',
  '## Budgets',
  '',
  '| budget | measured | met |',
  '| --- | --- | --- |',
  ...budgets.map((b) => `| ${b.budget} | ${b.value} | ${b.ok ? 'yes' : '**NO**'} |`),
  '',
].join('\n');

await writeFile(`${OUT}/latest.md`, md);
await writeFile(
  `${OUT}/latest.json`,
  JSON.stringify(
    {
      machine,
      coldStarts,
      tracer: { ...tracer, tracedRatio },
      memory,
      apiCost,
      eventWaits,
      distribution,
      planning,
      prune,
      history,
      budgets,
    },
    null,
    2,
  ),
);
console.log(md);
const missed = budgets.filter((b) => !b.ok);
await waitTable.close();
console.log(missed.length === 0 ? `bench: ${budgets.length} budgets met` : `bench: ${missed.length} of ${budgets.length} budgets missed`);
process.exit(missed.length === 0 ? 0 : 1);
