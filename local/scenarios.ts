/**
 * The scenarios of `npm start -- --scenario NAME`: each an input (and the account, faults and regions it needs) for one
 * path of the rotation on the embedded emulator; the rollback scenario goes on after its rotation (`rollbackAfterwards`).
 */
import type { FaultPlan } from '../emulator/faults.ts';
import type { Fixture } from '../emulator/fixture.ts';
import type { OrganizationFixture } from '../emulator/organization.ts';
import type { Ec2Emulator } from '../emulator/server.ts';
import { ACCOUNT_ID } from '../emulator/store.ts';
import { TAG } from '../src/rotation/tags.ts';
import { sourcePruneOf } from '../src/workflow/contract.ts';
import type { TopicMessage } from './callback-task.ts';
import { consumerRole } from './consumer-role.ts';
import { localStateMachineName } from './definitions.ts';
import { DEMO_DISTRIBUTE, DEMO_FAMILY, DEMO_INSTANCE_ID, DEMO_KEY_ARN, DEMO_PARAMETER } from './demo-account.ts';
import type { EventLog } from './workflow.ts';

/** The demo's account, the emulator's own (the runner itself is loaded only when a scenario runs). */
const LOCAL_ACCOUNT_ID = ACCOUNT_ID;

export interface Scenario {
  about: string;
  input: Record<string, unknown>;
  faults?: FaultPlan;
  /** The demo account as this scenario changes it. */
  account?: (account: Fixture) => Fixture;
  /** The deployment copies to the demo's other regions (its distribute parameter), seeded with the family's copies. */
  distribute?: boolean;
  /** The organization's other accounts: consumers, with or without the consumer stack's role. */
  organization?: OrganizationFixture;
  /** After the rotation: another night (the bad image), `ami-rotator rollback`, and the night after it. */
  rollback?: boolean;
  /** After the rotation (to the candidate channel): its promotion after the soak, then a rejected and an unanswered one. */
  promote?: boolean;
}

const baseInput = {
  family: DEMO_FAMILY,
  instanceId: DEMO_INSTANCE_ID,
  // The template by its name, as the README says it: its id means nothing to a reader.
  publish: { parameter: DEMO_PARAMETER, launchTemplates: [{ name: 'web-prod', setDefault: true }] },
};
/** Where the demo's boot test launches: any well-formed ids do on the emulator. */
const DEMO_BOOT_TEST = { instanceTypes: ['t3.micro', 't3a.micro'], subnetIds: ['subnet-0d000000000000001'] };
/** The demo stage's bootTestInstanceRole: the boot test may pass it (with Systems Manager on the test instance). */
export const DEMO_BOOT_TEST_PROFILE = 'web-prod-boot-test';
const shareInput = {
  ...baseInput,
  distribute: {
    share: {
      accounts: ['111122223333', '444455556666'],
      organizationalUnits: ['arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56'],
    },
  },
};
/** The demo family with a candidate channel: the candidate parameter first, the stable ones after a day's soak. */
export const DEMO_CANDIDATE = '/golden/web-prod/candidate';
const PROMOTE_SOAK = { ...baseInput.publish, candidate: { parameter: DEMO_CANDIDATE, promoteAfterHours: 24 } };
const PROMOTE_APPROVAL = { ...baseInput.publish, candidate: { parameter: DEMO_CANDIDATE, approval: { deadlineHours: 4 } } };
/** An expired image of the demo family, shared with 111122223333 by an earlier rotation. */
const SHARED_EARLIER = 'ami-0d000000000000010';
const sharedEarlier = (account: Fixture, consumers: NonNullable<Fixture['consumers']>): Fixture => ({
  ...account,
  images: account.images?.map((i) =>
    i.imageId === SHARED_EARLIER ? { ...i, tags: { ...i.tags, [TAG.shared]: 'true' }, launchPermissions: [{ userId: '111122223333' }] } : i,
  ),
  consumers,
});
/** Three consumer accounts in one OU; the last has not deployed the consumer stack (infra/consumer-stack.yml). */
const DEMO_CONSUMERS = ['111111111111', '222222222222', '333333333333'];
const DEMO_ORGANIZATION: OrganizationFixture = {
  id: 'o-a1b2c3d4e5',
  managementAccount: '999999999999',
  accounts: DEMO_CONSUMERS.map((id, n) => ({
    id,
    ou: 'ou-ab12-cd34ef56',
    roles: n < 2 ? [consumerRole(id, { ImageAccountId: LOCAL_ACCOUNT_ID })] : [],
  })),
};
export const SCENARIOS: Record<string, Scenario> = {
  rotation: { about: 'a full rotation: create, wait, tag, publish, prune', input: baseInput },
  'dry-run': { about: 'plan the prune with reasons and change nothing', input: { ...baseInput, dryRun: true } },
  'image-fails': {
    about: 'EC2 fails the new image: cleanup, then one alert',
    input: baseInput,
    faults: { imageFates: [{ nameContains: DEMO_FAMILY, fate: 'failed' }] },
  },
  'image-stuck': {
    about: 'the image stays pending past the wait cap: cleanup, then one alert',
    input: baseInput,
    faults: { imageFates: [{ nameContains: DEMO_FAMILY, fate: 'stuck' }] },
  },
  throttling: {
    about: 'EC2 throttles 40% of calls: retries absorb it (about 45 s: the SDK backs off for real between attempts)',
    input: baseInput,
    faults: { seed: 42, rules: [{ code: 'RequestLimitExceeded', rate: 0.4 }] },
  },
  'invalid-input': {
    about: 'a malformed input: rejected at once, no EC2 change, one alert',
    input: { family: 'web prod!', instanceId: 'i-123', retention: { keepLast: -1 } },
  },
  'publish-dropped': {
    about: 'SSM silently drops the parameter write: PublishNotConfirmed, one alert, nothing pruned',
    input: baseInput,
    faults: { dropParameterWrites: 1 },
  },
  'soft-delete': {
    about: 'disableBeforeDeleteDays 3: the expired images are disabled tonight, deleted by a night 3 days on if still unused',
    input: { ...baseInput, retention: { disableBeforeDeleteDays: 3 } },
  },
  'boot-test': {
    about: 'launch the new image, wait for both status checks, terminate the test instance, then publish and prune',
    input: { ...baseInput, bootTest: DEMO_BOOT_TEST },
  },
  'boot-fails': {
    about: 'the new image boots impaired: one alert, nothing published, nothing pruned, no test instance left running',
    input: { ...baseInput, bootTest: DEMO_BOOT_TEST },
    faults: { bootFates: [{ imageNameContains: DEMO_FAMILY, fate: 'impaired' }] },
  },
  'recycle-bin-gap': {
    about: 'the Recycle Bin keeps deleted AMIs but not their snapshots: the prune plan warns',
    input: baseInput,
    account: (account) => ({ ...account, recycleBinRules: account.recycleBinRules?.filter((r) => r.resourceType === 'EC2_IMAGE') }),
  },
  prepare: {
    about: 'patch (the instance reboots), clean, wait for its status checks, then image, publish and prune',
    input: { ...baseInput, prepare: { documents: ['patch', 'clean'] } },
    faults: {
      commandOutcomes: [
        { documentName: 'AWS-RunPatchBaseline', status: 'Success', reboots: true, output: 'Installed 12 packages; reboot required' },
      ],
    },
  },
  'prepare-fails': {
    about: 'patching fails on the instance: one alert with its output, no image, nothing published or pruned',
    input: { ...baseInput, prepare: { documents: ['patch', 'clean'] } },
    faults: {
      commandOutcomes: [
        { documentName: 'AWS-RunPatchBaseline', status: 'Failed', output: 'Error: Failed to download metadata for repo amzn2023-core' },
      ],
    },
  },
  'credentials-found': {
    about: 'the boot test finds /root/.aws/credentials on a copy of the new image: one alert naming it, nothing published or pruned',
    input: { ...baseInput, bootTest: { ...DEMO_BOOT_TEST, instanceProfile: DEMO_BOOT_TEST_PROFILE } },
    faults: { commandOutcomes: [{ documentName: 'AWS-RunShellScript', status: 'Success', output: 'FOUND /root/.aws/credentials' }] },
  },
  distribute: {
    about: 'copy to eu-west-1 and (encrypted) ap-southeast-2 at once: each copy waited for, tagged, published and pruned there',
    input: baseInput,
    distribute: true,
  },
  'copy-fails': {
    about: 'the copy to ap-southeast-2 fails (its key is disabled): that copy removed, eu-west-1 still published, one alert',
    input: baseInput,
    distribute: true,
    faults: { disabledKeys: [DEMO_KEY_ARN] },
  },
  share: {
    about:
      "share the new image with two accounts and an OU before publishing it; an expired image shared earlier that its usage report shows nobody uses is made private tonight, and deregistered on a later night once EC2's launch record covers it",
    input: shareInput,
    account: (account) => sharedEarlier(account, []),
  },
  organization: {
    about:
      'share with three accounts of an OU and write each one its own /golden/web-prod/latest, in us-east-1 and eu-west-1; the third has no consumer role yet: one alert names it, the others are done, nothing is pruned tonight',
    input: {
      ...baseInput,
      publish: { ...baseInput.publish, consumers: { parameter: DEMO_PARAMETER } },
      distribute: { regions: [{ region: 'eu-west-1' }], share: { accounts: DEMO_CONSUMERS } },
    },
    distribute: true,
    organization: DEMO_ORGANIZATION,
  },
  'shared-in-use': {
    about: 'an expired image shared earlier is still launched by account 111122223333: kept after its usage report, the plan says by whom',
    input: shareInput,
    account: (account) => sharedEarlier(account, [{ accountId: '111122223333', instances: [SHARED_EARLIER, SHARED_EARLIER] }]),
  },
  'usage-unknown': {
    about: 'EC2 refuses the usage report of an expired shared image: kept, never deleted on a guess, one alert',
    input: shareInput,
    account: (account) => sharedEarlier(account, []),
    faults: { rules: [{ code: 'UnauthorizedOperation', actions: ['CreateImageUsageReport'] }] },
  },
  rollback: {
    about:
      "tonight's image (published in us-east-1 and its copy regions) is bad: one rollback publishes the previous image again in both, sets the bad one aside, and the next night neither publishes nor counts it",
    input: baseInput,
    distribute: true,
    rollback: true,
  },
  promote: {
    about:
      "the family publishes to a candidate channel first: tonight's candidate is promoted to stable after a 24-hour soak; the next night's, which needs an approval, is rejected (stable unchanged, one alert); the third's approval is never answered (deadline: neither promoted nor pruned, one alert)",
    input: { ...baseInput, publish: PROMOTE_SOAK },
    promote: true,
  },
  'not-opted-in': {
    about: 'an instance without the tag ami-rotator:family=web-prod: refused before any change, one alert',
    input: { ...baseInput, instanceId: 'i-0a1b2c3d4e5f60002' },
  },
};

/**
 * The rollback scenario after its first night: a second night publishes the image that turns out bad, `ami-rotator
 * rollback` (the stage's rollback state machine, as the command starts it) publishes the first night's again in both
 * regions, and a third night publishes a new one, neither publishing nor counting the bad one. True when all did so.
 */
export const rollbackAfterwards = async (emulator: Ec2Emulator, nightly: unknown, print: (event: EventLog, elapsedMs: number) => void) => {
  const { runRollbackLocally, runRotationLocally } = await import('./workflow.ts');
  const regions = ['us-east-1', ...DEMO_DISTRIBUTE.regions.map((r) => r.region)];
  const published = () => regions.map((r) => `${r} ${emulator.storeIn(r).parameters.get(DEMO_PARAMETER)?.value ?? '(nothing)'}`).join(', ');
  const template = () => {
    const t = [...emulator.store.launchTemplates.values()].find((l) => l.launchTemplateName === 'web-prod');
    return t
      ? `web-prod default version ${t.defaultVersion} (${t.versions.find((v) => v.versionNumber === t.defaultVersion)?.imageId})`
      : '(none)';
  };
  // The stage's settings, as its rollback function reads them: its publishing, its default family.
  process.env.ROTATOR_PUBLISH = JSON.stringify(baseInput.publish);
  process.env.ROTATOR_DEFAULT_FAMILY = DEMO_FAMILY;
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  const bad = await runRotationLocally({ input: nightly });
  console.log(`\nThe next night: ${bad.status}; ${DEMO_PARAMETER}: ${published()}; launch template ${template()}`);
  console.log('It turns out bad. On call: npx ami-rotator rollback --stage prod --family web-prod\n');
  const rollback = await runRollbackLocally({ input: { family: DEMO_FAMILY }, onEvent: print });
  const plan = (rollback.output as { plan?: { changes?: string[]; withdrawn?: { imageId: string } } } | undefined)?.plan;
  console.log(`\nRollback: ${rollback.status}${rollback.error ? ` (${rollback.error})` : ''}`);
  for (const change of plan?.changes ?? []) console.log(`  ${change}`);
  console.log(`  ${DEMO_PARAMETER}: ${published()}; launch template ${template()}`);
  for (const event of rollback.busEvents) console.log(`  event       ${event.detailType}: ${JSON.stringify(event.detail).slice(0, 300)}`);
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  const next = await runRotationLocally({ input: nightly });
  const decisions = (sourcePruneOf(next.output)?.plan as { imageId: string; reason: string }[] | undefined) ?? [];
  const withdrawn = plan?.withdrawn?.imageId ?? '';
  const previous = next.busEvents.find((e) => e.detailType === 'AMI Rotated')?.detail.previousImageId;
  console.log(`\nThe night after: ${next.status}; ${DEMO_PARAMETER}: ${published()}`);
  console.log(`  its previous image: ${previous} (not the bad one: ${previous !== withdrawn})`);
  console.log(`  the bad image ${withdrawn}: ${decisions.find((d) => d.imageId === withdrawn)?.reason ?? '(not in the plan)'}`);
  return bad.status === 'SUCCEEDED' && rollback.status === 'SUCCEEDED' && next.status === 'SUCCEEDED' && previous !== withdrawn;
};

/**
 * The promote scenario after its first night (published to the candidate channel): its AMI Rotated event starts the
 * promotion, which publishes it to stable after its soak on the emulator's clock; the second night's candidate needs an
 * approval and the person on call rejects it with `ami-rotator reject` (the command its request names); the third's is
 * never answered and ends at its deadline. True when each ended so and the stable channel is the first candidate.
 */
export const promoteAfterwards = async (
  emulator: Ec2Emulator,
  first: { busEvents: readonly { detailType: string; detail: Record<string, unknown> }[] },
  nightly: Record<string, unknown>,
  print: (event: EventLog, elapsedMs: number) => void,
): Promise<boolean> => {
  const { runPromotionLocally, runRotationLocally } = await import('./workflow.ts');
  const { sfnClient } = await import('../src/aws/sfn-client.ts');
  const { runApproveCommand } = await import('../src/cli/approve-command.ts');
  const regions = ['us-east-1', ...(process.env.ROTATOR_DISTRIBUTE ? DEMO_DISTRIBUTE.regions.map((r) => r.region) : [])];
  const channel = (name: string) => regions.map((r) => `${r} ${emulator.storeIn(r).parameters.get(name)?.value ?? '(nothing)'}`).join(', ');
  const channels = () =>
    `  stable ${DEMO_PARAMETER}: ${channel(DEMO_PARAMETER)}\n  candidate ${DEMO_CANDIDATE}: ${channel(DEMO_CANDIDATE)}`;
  const clock = { passTime: (seconds: number) => emulator.passTime(seconds), now: () => emulator.options.now() };
  const rotated = (run: typeof first) => run.busEvents.find((e) => e.detailType === 'AMI Rotated')?.detail ?? {};
  const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  // The stage's settings, as its functions read them: its publishing with the candidate channel, its default family.
  process.env.ROTATOR_DEFAULT_FAMILY = DEMO_FAMILY;
  process.env.ROTATOR_PUBLISH = JSON.stringify(PROMOTE_SOAK);
  console.log(`\nTonight's image is on the candidate channel only:\n${channels()}`);
  console.log('Its AMI Rotated event (published.channel "candidate") starts the stage\'s promotion; it soaks 24 hours.\n');
  const soaked = await runPromotionLocally({ input: rotated(first), ...clock, onEvent: print });
  const candidate = rotated(first).imageId;
  console.log(`\nPromotion after the soak: ${soaked.status}\n${channels()}`);
  for (const event of soaked.busEvents) console.log(`  event       ${event.detailType}: ${JSON.stringify(event.detail).slice(0, 200)}`);

  // The next night's candidate needs a person's approval; the person on call rejects it.
  process.env.ROTATOR_PUBLISH = JSON.stringify(PROMOTE_APPROVAL);
  await nextSecond();
  const second = await runRotationLocally({ input: { ...nightly, publish: PROMOTE_APPROVAL } });
  const answer = (verb: 'reject' | undefined) => async (message: TopicMessage) => {
    console.log(`\nOn the alert topic: ${message.subject}\n${message.message.replace(/^/gm, '  | ')}`);
    if (!verb) return console.log('Nobody answers.');
    console.log(`On call: npx ami-rotator ${verb} --stage prod --family ${DEMO_FAMILY} --reason "login page fails"`);
    // The local promotion state machine, by its ARN: the demo serves no stage for the command to find by name.
    const machine = `arn:aws:states:${process.env.AWS_REGION ?? 'us-east-1'}:${LOCAL_ACCOUNT_ID}:stateMachine:${localStateMachineName('promote')}`;
    const args = ['--family', DEMO_FAMILY, '--state-machine-arn', machine, '--reason', 'login page fails'];
    await runApproveCommand(verb, args, sfnClient(), (line) => console.log(`  ${line}`));
  };
  const rejected = await runPromotionLocally({ input: rotated(second), ...clock, onTopicMessage: answer('reject') });
  console.log(`\nPromotion of the second night's candidate: ${rejected.status} (${rejected.error})\n${channels()}`);
  for (const alert of rejected.alerts.slice(1)) console.log(`  alert       ${alert.subject}`);

  // The third night's approval is never answered: it ends at its deadline.
  await nextSecond();
  const third = await runRotationLocally({ input: { ...nightly, publish: PROMOTE_APPROVAL } });
  const unanswered = await runPromotionLocally({ input: rotated(third), ...clock, onTopicMessage: answer(undefined) });
  const expired = String(rotated(third).imageId);
  const kept = emulator.store.images.get(expired);
  console.log(`\nPromotion of the third night's candidate: ${unanswered.status} (${unanswered.error})\n${channels()}`);
  for (const alert of unanswered.alerts.slice(1)) console.log(`  alert       ${alert.subject}`);
  console.log(`  ${expired}: ${kept ? `kept, ${TAG.promotion}=${kept.tags.find((t) => t.key === TAG.promotion)?.value}` : 'GONE'}`);
  const stable = emulator.store.parameters.get(DEMO_PARAMETER)?.value;
  return (
    soaked.status === 'SUCCEEDED' &&
    rejected.error === 'PromotionRejected' &&
    rejected.alerts.length === 2 &&
    unanswered.error === 'PromotionExpired' &&
    unanswered.alerts.length === 2 &&
    kept !== undefined &&
    stable === candidate
  );
};
