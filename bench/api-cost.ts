/**
 * EC2 (and Auto Scaling) calls per rotation, from the emulator's record, against the minimum the job needs. (State
 * transitions per image duration: bench/event-waits.ts, on the emulator's clock.)
 */
import { type Ec2Emulator, startEmulator } from '../emulator/server.ts';
import { emulatorClients, localIam } from '../local/clients.ts';
import { DEMO_EXPECTED, DEMO_FAMILY, DEMO_INSTANCE_ID, demoAccount } from '../local/demo-account.ts';
import { LOCAL_ACCOUNT_ID, runRotationLocally } from '../local/workflow.ts';
import { DEFAULT_WAIT } from '../src/rotation/backoff.ts';
import { advanceWait } from '../src/rotation/check-image.ts';
import type { ImageProgress } from '../src/rotation/create-image.ts';

interface CallCount {
  action: string;
  calls: number;
  minimum: number;
  why: string;
}

export interface ApiCost {
  calls: CallCount[];
}

/** How many checks the backoff makes before it sees an image that takes `minutes`, and when. */
export const checksFor = (minutes: number): { checks: number; seenAfter: number } => {
  let progress: ImageProgress = {
    imageId: 'ami-0',
    name: 'x',
    instanceId: 'i-0',
    state: 'pending',
    poll: 0,
    nextWaitSeconds: DEFAULT_WAIT.initialSeconds,
    waitedSeconds: DEFAULT_WAIT.initialSeconds,
    deadlineSeconds: 3600,
    timedOut: false,
  };
  for (;;) {
    const seenAt = progress.waitedSeconds;
    progress = advanceWait(progress, seenAt >= minutes * 60 ? 'available' : 'pending', undefined, DEFAULT_WAIT);
    if (progress.state === 'available') return { checks: progress.poll, seenAfter: seenAt / 60 };
  }
};

/** One rotation of the demo account, on a fresh copy of it; the image settles after `pendingPolls` checks. */
const rotate = async (emulator: Ec2Emulator, pendingPolls: number) => {
  emulator.reset();
  emulator.seed(demoAccount(new Date()));
  emulator.options.pendingPolls = pendingPolls;
  const run = await runRotationLocally({
    input: { family: DEMO_FAMILY, instanceId: DEMO_INSTANCE_ID },
    // Each function signed as its role: the emulator evaluates every call against the stack's policies.
    clients: (role, region) => emulatorClients(emulator.url, region ? { AWS_REGION: region } : {}, role),
  });
  if (run.status !== 'SUCCEEDED') throw new Error(`the benchmark rotation failed: ${run.error} ${run.cause}`);
  return { run, counts: emulator.countByAction() };
};

export const measureApiCost = async (): Promise<ApiCost> => {
  const emulator = await startEmulator({ iam: localIam(LOCAL_ACCOUNT_ID) });
  try {
    return await measureWith(emulator);
  } finally {
    await emulator.close();
  }
};

const measureWith = async (emulator: Ec2Emulator): Promise<ApiCost> => {
  const { counts } = await rotate(emulator, 2);
  // The minimums come from the demo account as a person reads it, never from this run's output.
  const polls = 3;
  const snapshots = demoAccount(new Date()).instances?.find((i) => i.instanceId === DEMO_INSTANCE_ID)?.volumes?.length ?? 0;
  const { deregistrations: deleted, orphanSnapshots: orphanSnapshotsDeleted, familyImages: images } = DEMO_EXPECTED;
  const minimum: Record<string, [number, string]> = {
    DescribeInstances: [1, 'the instance check'],
    CreateImage: [1, 'one call, image and snapshot tags on create'],
    DescribeImages: [polls + Math.ceil(images / 1000), `the ${polls} polls and one listing page per 1,000 images`],
    CreateTags: [1 + snapshots, 'completion tags on the image, then each snapshot its own image id and device'],
    DescribeImageReferences: [1, "usage of up to 10 expiry candidates per call (EC2's limit)"],
    DescribeLaunchTemplates: [1, 'default versions older than the newest 10, one page per 200 templates'],
    DescribeAutoScalingGroups: [1, 'the groups that launch images, one page per 100 groups'],
    DescribeSnapshots: [1, 'the orphaned-snapshot sweep, one page per 1,000 snapshots'],
    DeregisterImage: [deleted, 'one per expired image, snapshots deleted with it'],
    DeleteSnapshot: [orphanSnapshotsDeleted, 'one per orphaned snapshot'],
  };
  const calls = Object.entries(minimum).map(([action, [min, why]]) => ({ action, calls: counts[action] ?? 0, minimum: min, why }));

  return { calls };
};
