/** What must hold after any rotation, whatever went wrong in it. */
import type { Ec2Emulator } from '../../emulator/server.ts';
import type { LocalRunResult } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';

export interface Tally {
  images: number;
  duplicates: number;
  orphans: number;
  lost: number;
  alertsMissing: number;
  extraAlerts: number;
  leftovers: number;
}

export const emptyTally = (): Tally => ({ images: 0, duplicates: 0, orphans: 0, lost: 0, alertsMissing: 0, extraAlerts: 0, leftovers: 0 });

export const tagOf = (tags: readonly { key: string; value: string }[], key: string) => tags.find((t) => t.key === key)?.value;

/**
 * Checks one run: at most one image per execution; a failed execution leaves no image and no snapshot
 * of its own behind (but one that stopped at publishing keeps its image, tagged available) and sent exactly one alert naming its error; a succeeded one sent at most one;
 * every snapshot that an execution made still backs an image (no run orphans one: the grace period is
 * for snapshots whose image someone else removed, and is tested in the planner's unit tests); and every
 * image in `mustKeep` (computed before the run) still exists. Returns the problems found, as sentences.
 */
export const checkRun = (emulator: Ec2Emulator, run: LocalRunResult, mustKeep: readonly string[], tally: Tally): string[] => {
  const problems: string[] = [];
  const images = [...emulator.store.images.values()];
  const snapshots = [...emulator.store.snapshots.values()];
  const ours = images.filter((i) => tagOf(i.tags, TAG.execution) === run.executionArn);
  tally.images += ours.length;
  if (ours.length > 1) {
    tally.duplicates += ours.length - 1;
    problems.push(`${ours.length} images made by one execution`);
  }
  // A rotation that stopped at publishing keeps its good image, tagged available: the previous one stays published.
  const keptForPublishing = run.error === 'PublishFailed' || run.error === 'PublishNotConfirmed';
  if (keptForPublishing && !(ours.length === 1 && ours[0]?.state === 'available' && tagOf(ours[0].tags, TAG.status) === 'available')) {
    problems.push(`a rotation that stopped at publishing did not keep its one image, tagged available`);
  }
  if (run.status === 'FAILED') {
    const leftSnapshots = snapshots.filter((s) => tagOf(s.tags, TAG.execution) === run.executionArn);
    if (ours.length + leftSnapshots.length > 0 && run.error !== 'RotationInProgress' && !keptForPublishing) {
      tally.leftovers += ours.length + leftSnapshots.length;
      problems.push(`failed execution left ${ours.map((i) => `${i.imageId} (${i.state})`).join(', ')} ${leftSnapshots.length} snapshot(s)`);
    }
    if (run.alerts.length !== 1) {
      tally[run.alerts.length === 0 ? 'alertsMissing' : 'extraAlerts'] += 1;
      problems.push(`failed execution sent ${run.alerts.length} alerts`);
    } else if (!run.alerts[0]?.message.includes(run.error ?? '?')) {
      problems.push(`the alert does not name the error ${run.error}`);
    }
  } else if (run.alerts.length > 1) {
    tally.extraAlerts += run.alerts.length - 1;
    problems.push(`succeeded execution sent ${run.alerts.length} alerts`);
  }
  const backing = new Set(images.flatMap((i) => i.blockDevices.map((d) => d.snapshotId)));
  const orphans = snapshots.filter(
    (s) => tagOf(s.tags, TAG.managed) === 'true' && !backing.has(s.snapshotId) && tagOf(s.tags, TAG.execution) !== undefined,
  );
  if (orphans.length > 0) {
    tally.orphans += orphans.length;
    problems.push(`orphaned snapshots: ${orphans.map((s) => s.snapshotId).join(', ')}`);
  }
  const lost = mustKeep.filter((id) => !emulator.store.images.has(id));
  if (lost.length > 0) {
    tally.lost += lost.length;
    problems.push(`images the policy keeps were deregistered: ${lost.join(', ')}`);
  }
  return problems;
};
