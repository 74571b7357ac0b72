/**
 * An upgrade, proven on the previous release's own images (docs/release.md, "Upgrade"). The previous release's
 * functions and state machines (test/upgrade/previous-release.tar.gz, kept by scripts/previous-release.sh) run two
 * nights that publish and share images; the third night starts on them and the stack is upgraded while its image is
 * awaited (its wait in flight, its definition the old one, its functions from then on this version's); two more
 * nights run on this version. The same five nights run on this version alone. After the upgrade every night decides,
 * prunes and protects exactly as this version's own do, the execution started before it finishes, and nothing is made
 * twice.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as amiEventRule from '../../local/ami-event-rule.ts';
import { runRotationLocally } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { sourcePruneOf } from '../../src/workflow/contract.ts';
import { useEmulator } from '../support/emulator.ts';
import { input, seedInstance } from '../support/workflow.ts';

const previous = JSON.parse(readFileSync(new URL('./previous-release.json', import.meta.url), 'utf8')) as {
  commit: string;
  version: string;
};
const PREVIOUS = new URL(`../../.upgrade/${previous.commit}/`, import.meta.url);
const PARAMETER = '/golden/web-prod/latest';
const SETTINGS = {
  ROTATOR_PUBLISH: JSON.stringify({ parameter: PARAMETER }),
  ROTATOR_DISTRIBUTE: JSON.stringify({ share: { accounts: ['111122223333'] } }),
  ROTATOR_KEEP_LAST: '2',
  ROTATOR_MAX_AGE_DAYS: '2',
  ROTATOR_MIN_KEEP: '1',
};
const DAY_MS = 86_400_000;
const emulator = useEmulator();
process.env.ROTATOR_LOG_LEVEL = 'silent';
beforeAll(() => {
  // A day between nights for everyone: the images' creation, the executions' start (the prune's now), the tags' times.
  vi.useFakeTimers({ toFake: ['Date'] });
  // The previous release's files, under the repository so that they resolve its node_modules.
  if (!existsSync(new URL('functions/', PREVIOUS))) {
    mkdirSync(PREVIOUS, { recursive: true });
    execFileSync('tar', ['-xzf', new URL('./previous-release.tar.gz', import.meta.url).pathname, '-C', PREVIOUS.pathname]);
  }
  Object.assign(process.env, SETTINGS);
});
afterAll(() => {
  vi.useRealTimers();
  for (const name of Object.keys(SETTINGS)) delete process.env[name];
  amiEventRule.deployFunctions();
});

interface Night {
  imageId: string;
  status: string;
  /** What its prune decided, each image named by the night that made it. */
  decisions: string[];
  output: unknown;
}

/**
 * Five nights a day apart; with `upgradeOnNight`, the nights before it run the previous release, and that night starts
 * on it and is upgraded while its image is awaited.
 */
const fiveNights = async (upgradeOnNight?: number): Promise<{ nights: Night[]; final: string[] }> => {
  seedInstance(emulator());
  const nightOf = new Map<string, string>();
  const named = (text: string) =>
    text.replace(/ami-[0-9a-f]{17}/g, (id) => nightOf.get(id) ?? 'an unknown image').replace(/amiur-[0-9a-f]+/g, 'amiur-(its id)');
  const nights: Night[] = [];
  const start = Date.parse('2027-01-01T02:00:00Z');
  for (let n = 1; n <= 5; n += 1) {
    vi.setSystemTime(start + (n - 1) * DAY_MS);
    let current = upgradeOnNight !== undefined && n <= upgradeOnNight ? PREVIOUS : undefined;
    amiEventRule.deployFunctions(current);
    const run = await runRotationLocally({
      input: input(),
      files: () => current ?? new URL('../../', import.meta.url),
      interceptInvoke: async (file, invoke) => {
        // The upgrade: from the night's first wait on, every function is this version's; its definition stays the old one.
        if (n === upgradeOnNight && file === 'await-image' && current) {
          current = undefined;
          amiEventRule.deployFunctions();
        }
        return invoke();
      },
    });
    const imageId = String(run.busEvents.find((e) => e.detailType === 'AMI Rotated')?.detail.imageId ?? '');
    nightOf.set(imageId, `night ${n}`);
    const plan = (sourcePruneOf(run.output)?.plan ?? []) as { imageId: string; action: string; reason: string }[];
    nights.push({
      imageId,
      status: run.status,
      decisions: plan.map((d) => named(`${d.imageId} ${d.action}: ${d.reason}`)),
      output: run.output,
    });
  }
  const images = [...emulator().store.images.values()].filter((i) => i.tags.some((t) => t.key === TAG.managed));
  const final = [
    ...images.map((i) => {
      const keys = i.tags.map((t) => t.key).filter((k) => k.startsWith('ami-rotator:') && k !== TAG.completedAt && k !== TAG.execution);
      return `${nightOf.get(i.imageId) ?? 'an unknown image'} ${i.state}, shared with ${(i.launchPermissions ?? []).map((p) => p.userId).join(' ') || 'no one'}, tags ${keys.sort().join(' ')}`;
    }),
    `${PARAMETER} = ${nightOf.get(emulator().store.parameters.get(PARAMETER)?.value ?? '') ?? 'nothing'}`,
    `${[...emulator().store.snapshots.values()].length} snapshots`,
  ].sort();
  return { nights, final };
};

describe(`an upgrade from the previous release (${previous.version} at ${previous.commit.slice(0, 7)}) to this one`, () => {
  it('decides, prunes and protects the old images as its own, finishes the execution under way, and makes nothing twice', async () => {
    const alone = await fiveNights();
    emulator().reset();
    const upgraded = await fiveNights(3);

    expect(upgraded.nights.map((n) => n.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    // The night under way when the stack was upgraded: its old definition ran this version's functions to the end.
    expect((upgraded.nights[2]?.output as { published?: { channel?: string } } | undefined)?.published?.channel).toBe('stable');
    // Every night from the upgrade on decided as this version alone did, and the account ends the same.
    expect(upgraded.nights.slice(2).map((n) => n.decisions)).toEqual(alone.nights.slice(2).map((n) => n.decisions));
    expect(upgraded.final).toEqual(alone.final);
    // Something was pruned and something shared was protected: the comparison is not of empty plans.
    expect(alone.nights.flatMap((n) => n.decisions).some((d) => / delete: /.test(d))).toBe(true);
    expect(new Set(upgraded.nights.map((n) => n.imageId)).size).toBe(5);
  }, 120_000);
});
