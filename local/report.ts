/** How `npm start` prints an execution: each state as it is entered, then a summary a person can act on. */
import type { Ec2Emulator } from '../emulator/server.ts';
import { sourcePruneOf } from '../src/workflow/contract.ts';
import type { EventLog, LocalRunResult } from './workflow.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2).padStart(6)}s`;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});

/** The stages of retirement the night carried out, when there were any. */
const stagesDone = (totals: Obj): string => {
  const done = (['deprecated', 'disabled', 'enabled'] as const).filter((k) => Number(totals[k] ?? 0) > 0).map((k) => `${totals[k]} ${k}`);
  return done.length ? `; ${done.join(', ')}` : '';
};

/** What PublishImage did, on one line. */
const publishedNote = (value: unknown): string => {
  const published = obj(value);
  const parameter = obj(published.parameter);
  const templates = (published.launchTemplates as { template: string; version: number; isDefault: boolean }[] | undefined) ?? [];
  const shared = (published.sharedWith as string[] | undefined) ?? [];
  return [
    ...(shared.length ? [`shared with ${shared.join(', ')}`] : []),
    ...(parameter.name ? [`parameter ${parameter.name}`] : []),
    ...templates.map((t) => `launch template ${t.template} version ${t.version}${t.isDefault ? ' (default)' : ''}`),
  ].join(', ');
};

/** One line about what a state produced, for the states whose result a person wants to see. */
const resultNote = (state: string, output: unknown): string => {
  const out = obj(output);
  const image = obj(out.image);
  const prune = obj(out.prune);
  const totals = obj(prune.totals);
  switch (state) {
    // A state whose error was caught exits with the error, not a result: nothing to say here.
    case 'ValidateInput':
      return out.request ? `family ${obj(out.request).family}, instance ${obj(out.request).instanceId}` : '';
    case 'CreateImage':
      return image.imageId ? `${image.imageId} ${image.name} (pending)` : '';
    case 'CopyImage': {
      const copy = obj(obj(out.copy).image);
      return copy.imageId ? `${copy.imageId} (pending) from ${obj(out.image).imageId} in ${out.sourceRegion}` : '';
    }
    case 'CheckImage':
      return image.state === 'pending'
        ? `pending after check ${image.poll}${image.timedOut ? ', past the wait cap' : `, next wait ${image.nextWaitSeconds} s`}`
        : `${image.state} after check ${image.poll}`;
    case 'TagImage':
      return `tagged with ${(image.snapshots as unknown[] | undefined)?.length ?? 0} snapshot(s)`;
    case 'PublishImage':
      return publishedNote(out.published);
    case 'ConfirmPublish': {
      const published = obj(out.published);
      return published.confirmed ? `parameter shows the new image after ${published.checks} read(s)` : `not yet (read ${published.checks})`;
    }
    case 'StartPreparing':
    case 'CheckPreparing': {
      const prepare = obj(out.prepare);
      const documents = (prepare.documents as { label: string }[] | undefined) ?? [];
      const running = documents[Number(prepare.index)];
      const done = ((prepare.results as { label: string; status: string }[] | undefined) ?? []).map((r) => `${r.label} ${r.status}`);
      const doneNote = done.length ? `${done.join(', ')}; ` : '';
      if (prepare.status === 'done') return `${doneNote}status checks passed${prepare.rebooted ? ' after a reboot' : ''}: ready to image`;
      if (prepare.status === 'settling')
        return `${doneNote}waiting for the status checks${prepare.rebooted ? ' (it rebooted)' : ''}, next look in ${prepare.nextWaitSeconds} s`;
      return `${doneNote}running ${running?.label ?? '?'}, next look in ${prepare.nextWaitSeconds} s`;
    }
    case 'AwaitCommand': {
      const awaited = obj(out.awaited);
      if (awaited.Error === 'States.Timeout') return 'no event by the deadline: looking, as a poll would';
      if (awaited.Error) return `the wait could not start (${awaited.Error}): a plain wait instead`;
      return awaited.endedBy === 'event' ? `ended by Systems Manager's event: ${awaited.state}` : `ended at once: already ${awaited.state}`;
    }
    case 'AwaitImage': {
      const awaited = obj(out.awaited);
      if (awaited.Error === 'States.Timeout') return 'neither the event nor the sweeper by the deadline: checking';
      if (awaited.Error) return `the wait could not start (${awaited.Error}): a plain wait instead`;
      if (awaited.endedBy === 'event') return `ended by EC2's event: ${awaited.state}`;
      if (awaited.endedBy === 'sweep')
        return awaited.state === 'pending'
          ? `handed back by SweepWaits after ${obj(awaited.image).poll} check(s): still pending`
          : `ended by SweepWaits's check ${obj(awaited.image).poll}: ${awaited.state} (no event came)`;
      return `ended at once: already ${awaited.state}`;
    }
    case 'LaunchTestInstance':
    case 'CheckBoot': {
      const test = obj(out.bootTest);
      return `${test.instanceId ? `${test.instanceId}: ` : ''}${test.status}, ${test.reason}`;
    }
    case 'TerminateTestInstance':
    case 'TerminateFailedTestInstance':
    case 'TerminateTestInstancesAfterFailure':
      return `terminated ${(obj(out.bootTestCleanup).terminated as unknown[] | undefined)?.join(', ') || 'nothing'}`;
    case 'PlanRetention':
    case 'PruneImages':
    case 'ContinuePruning':
      // A pass whose error was caught has no result to tell.
      if (prune.totals === undefined) return '';
      return `pass ${prune.iteration}: ${totals.deleted} deleted, ${totals.expired} expired of ${totals.images}${
        Array.isArray(prune.awaitingUsageReports)
          ? `, waiting for usage report(s) ${prune.awaitingUsageReports.join(', ')}`
          : prune.done
            ? ''
            : ', more to do'
      }`;
    case 'CleanUpImageAfterFailure':
    case 'CleanUpAfterCreateFailure':
    case 'CleanUpAfterCopyFailure':
      return `image deregistered: ${obj(out.cleanup).deregistered}, snapshots deleted: ${(obj(out.cleanup).deletedSnapshots as unknown[] | undefined)?.length ?? 0}`;
    default:
      return '';
  }
};

/**
 * The other region a state acts in (a copy's: its Map iteration's target, or its image workflow's region), shown before
 * its name so that regions running at once can be told apart; nothing for the source region.
 */
const regionLabel = (event: EventLog): string => {
  const input = obj(obj((event as { state?: unknown }).state).input);
  const region = obj(input.target).region ?? input.region;
  const home = process.env.AWS_REGION ?? 'us-east-1';
  return typeof region === 'string' && region !== home ? `${region}: ` : '';
};

/** Prints each state as it is entered, with the time since the start, and then what it produced. */
export const eventPrinter =
  (realWaits: boolean, waitMs = 0) =>
  (event: EventLog, elapsedMs: number): void => {
    const label = regionLabel(event);
    const at = `[${seconds(elapsedMs)}] ${label}`;
    // What a state produced goes under it, with its region again: regions running at once interleave.
    const under = `${' '.repeat(14)}${label}`;
    if (event.type === 'StateEntered') {
      const image = obj(obj(event.state.input).image);
      const seconds_ = image.nextWaitSeconds;
      const wait =
        event.state.name === 'WaitForImage'
          ? `: waits ${seconds_} s${realWaits ? '' : waitMs > 0 ? ` (slept ${waitMs} ms locally)` : ' (not slept locally)'}`
          : event.state.name === 'AwaitCommand'
            ? `: waits for the command's event, at most ${obj(obj(event.state.input).prepare).nextWaitSeconds} s${realWaits ? '' : ' (not slept locally)'}`
            : event.state.name === 'AwaitImage'
              ? `: waits for the image's event; SweepWaits checks in ${seconds_} s, the deadline is ${image.deadlineSeconds} s${realWaits ? '' : ' (not slept locally)'}`
              : '';
      console.log(`${at}${event.state.name}${wait}`);
    } else if (event.type === 'StateExited') {
      const note = resultNote(event.state.name, event.state.output);
      if (note) console.log(`${under}${note}`);
    } else if (event.type === 'StateRetried') {
      console.log(`${under}retry ${event.retry.attempt} after a transient error`);
    } else if (event.type === 'StateFailed') {
      // A wait's deadline is a designed end (its Catch looks at once, as a poll would), not a failure.
      const name = (event as { state?: { name?: string } }).state?.name ?? '';
      const designed = event.Error === 'States.Timeout' && (name === 'AwaitImage' || name === 'AwaitCommand');
      console.log(designed ? `${under}deadline reached (States.Timeout, caught as designed)` : `${under}failed: ${event.Error}`);
    }
  };

export const printSummary = (result: LocalRunResult, emulator: Ec2Emulator | undefined): void => {
  const out = obj(result.output);
  const image = obj(out.image);
  const prune = obj(sourcePruneOf(out));
  console.log('\nSummary');
  if (result.status === 'SUCCEEDED' && image.imageId) {
    const snapshots = (image.snapshots as { snapshotId: string; deviceName: string }[] | undefined) ?? [];
    console.log(`  new image   ${image.imageId} ${image.name}: available`);
    console.log(`  snapshots   ${snapshots.map((s) => `${s.snapshotId} (${s.deviceName})`).join(', ') || 'none'}`);
    console.log(`  published   ${publishedNote(out.published) || 'nothing (no publish targets)'}`);
  }
  if (prune.totals) {
    const totals = obj(prune.totals);
    console.log(`  retention   ${prune.policy}${prune.dryRun ? ' (dry run: nothing deleted)' : ''}`);
    if (prune.usage) console.log(`  usage       ${prune.usage}`);
    const recycleBin = prune.recycleBin as { note: string } | undefined;
    if (recycleBin) console.log(`  recycle bin ${recycleBin.note}`);
    // What the deletion itself said (a shared image's: who lost access) over what the plan said.
    const deletedAs = new Map(
      ((prune.deleted as { imageId: string; reason: string }[] | undefined) ?? []).map((d) => [d.imageId, d.reason]),
    );
    for (const planned of (prune.plan as { imageId: string; name: string; action: string; reason: string }[] | undefined) ?? []) {
      const d = { ...planned, reason: deletedAs.get(planned.imageId) ?? planned.reason };
      const did =
        d.action === 'delete'
          ? prune.dryRun
            ? 'would delete'
            : 'deleted'
          : d.action === 'keep'
            ? 'kept'
            : prune.dryRun
              ? `would ${d.action}`
              : `${d.action}d`;
      console.log(`    ${did.padEnd(12)} ${d.imageId}  ${d.name.padEnd(26)} ${d.reason}`);
    }
    if (prune.dryRun)
      console.log(`  would prune ${totals.expired} image(s) with their snapshots and ${totals.orphanSnapshots} orphaned snapshot(s)`);
    else
      console.log(
        `  pruned      ${totals.deleted} image(s) deleted with their snapshots, ${totals.orphanSnapshotsDeleted} orphaned snapshot(s) deleted, ${totals.failed} failure(s)${stagesDone(totals)}`,
      );
  }
  for (const region of ((obj(out.distribution).regions as Obj[] | undefined) ?? []).filter((r) => r.source !== true)) {
    const pruned = obj(obj(region.prune).totals);
    console.log(
      `  ${String(region.region).padEnd(11)} ${region.imageId}: copied; published ${publishedNote(region.published) || 'nothing'}; pruned ${pruned.deleted ?? 0} of ${pruned.images ?? 0} image(s)`,
    );
  }
  const bootTest = obj(out.bootTest);
  if (bootTest.status)
    console.log(
      `  boot test   ${bootTest.status}: ${bootTest.reason} (${bootTest.instanceId || 'no instance'}${bootTest.instanceType ? `, ${bootTest.instanceType}` : ''}; terminated)`,
    );
  for (const event of result.busEvents)
    console.log(
      `  event       ${event.detailType} (source ${event.source}) on the ${event.eventBusName} bus: ${JSON.stringify(event.detail)}`,
    );
  // The local run publishes to no topic: it shows each alert as the stack's topic would receive it.
  console.log(
    `  alerts      ${result.alerts.length === 0 ? 'none' : `${result.alerts.length}, as the stack's SNS topic would receive it (a local run publishes nothing):`}`,
  );
  for (const alert of result.alerts) {
    console.log(
      `\n    Subject: ${alert.subject}\n${alert.message
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}\n`,
    );
  }
  if (emulator) {
    const injected = emulator.requests.filter((r) => r.injected);
    if (injected.length > 0)
      console.log(
        `  faults      ${injected.length} of ${emulator.requests.length} calls answered with an injected fault (${[...new Set(injected.map((r) => r.errorCode))].join(', ')}); the SDK's and the state machine's retries absorbed what they could`,
      );
    const calls = Object.entries(emulator.countByAction())
      .map(([action, n]) => `${action} ${n}`)
      .join(', ');
    console.log(`  AWS calls   ${calls}`);
  }
  console.log(`\n${result.status}${result.error ? ` (${result.error})` : ''}: ${result.transitions} state transitions`);
};
