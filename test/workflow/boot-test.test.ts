import { describe, expect, it } from 'vitest';
import type { Ec2Emulator } from '../../emulator/server.ts';
import { localIam } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID, type LocalRunOptions, runRotationLocally } from '../../local/workflow.ts';
import { TAG } from '../../src/rotation/tags.ts';
import { useEmulator } from '../support/emulator.ts';
import { FAMILY, input, leftBy, seedInstance, statesEntered } from '../support/workflow.ts';

// Deployed with the stage parameter bootTestInstanceRole=golden-test: BootTestRole may pass that role, and no other.
const emulator = useEmulator({ iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { bootTestInstanceRole: 'golden-test' }) });
process.env.ROTATOR_LOG_LEVEL = 'silent';

const SUBNET = 'subnet-0123456789abcdef0';
const PARAMETER = '/golden/web-prod/latest';
const bootTest = (extra: Record<string, unknown> = {}) => ({ instanceTypes: ['t3.micro'], subnetIds: [SUBNET], ...extra });
const tags = { [TAG.managed]: 'true', [TAG.family]: FAMILY };

/** Test instances (tagged for a boot test) that are not terminated: none may outlive a run. */
const liveTestInstances = (e: Ec2Emulator) =>
  [...e.store.instances.values()].filter((i) => i.tags.some((t) => t.key === TAG.bootTest) && i.state !== 'terminated');
const testInstances = (e: Ec2Emulator) => [...e.store.instances.values()].filter((i) => i.tags.some((t) => t.key === TAG.bootTest));
const calls = (e: Ec2Emulator, action: string) => e.requests.filter((r) => r.action === action && r.status === 200).length;
/** The run's own rotation, with an older image of the family that a prune would delete. */
const seedFamily = () => {
  seedInstance(emulator());
  emulator().seed({
    images: [
      { imageId: 'ami-0aaaaaaaaaaaaaaa1', name: 'web-prod-old', creationDate: '2026-01-01T02:00:00.000Z', tags, snapshotTags: tags },
    ],
    // The team's own smoke test, a document of the account.
    documents: [{ name: 'golden-smoke' }],
  });
};
const rotate = (test: Record<string, unknown>, options: Partial<LocalRunOptions> = {}) =>
  runRotationLocally({
    input: input({ bootTest: test, publish: { parameter: PARAMETER }, retention: { keepLast: 1, maxAgeDays: 1, minKeep: 1 } }),
    ...options,
  });

describe('the boot test', () => {
  it('launches the new image, waits for both status checks, terminates the instance, then publishes and prunes', async () => {
    seedFamily();

    const run = await rotate(bootTest());

    expect(run.status).toBe('SUCCEEDED');
    const image = (run.output as { image: { imageId: string } }).image.imageId;
    expect(testInstances(emulator()).map((i) => [i.imageId, i.instanceType, i.state])).toEqual([[image, 't3.micro', 'terminated']]);
    expect(run.output).toMatchObject({ bootTest: { status: 'passed', reason: 'system and instance status checks passed' } });
    expect(emulator().store.parameters.get(PARAMETER)?.value).toBe(image);
    expect(emulator().store.images.has('ami-0aaaaaaaaaaaaaaa1')).toBe(false);
  });

  it('fails an image that boots impaired with one alert: nothing published, nothing pruned, no instance left, the image removed', async () => {
    seedFamily();
    emulator().injectFaults({ bootFates: [{ imageNameContains: FAMILY, fate: 'impaired' }] });

    const run = await rotate(bootTest());

    expect(run).toMatchObject({ status: 'FAILED', error: 'BootTestFailed' });
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.message).toContain('status checks failed: system ok, instance impaired');
    expect(run.alerts[0]?.subject).toContain('failed at CheckBoot: BootTestFailed');
    expect(calls(emulator(), 'PutParameter')).toBe(0);
    expect(emulator().store.images.has('ami-0aaaaaaaaaaaaaaa1')).toBe(true);
    expect(liveTestInstances(emulator())).toEqual([]);
    expect([...emulator().store.images.values()].filter((i) => i.name.startsWith(`${FAMILY}-2`))).toEqual([]);
  });

  it('says the test instance is gone when it is, and says loudly, naming it, when TerminateInstances kept failing', async () => {
    seedFamily();
    emulator().injectFaults({ bootFates: [{ imageNameContains: FAMILY, fate: 'impaired' }] });
    const terminated = await rotate(bootTest());
    const [instance] = testInstances(emulator()).map((i) => i.instanceId);
    expect(terminated.alerts[0]?.message).toContain(`Test instance: ${instance} terminated`);

    emulator().reset();
    seedFamily();
    emulator().injectFaults({
      bootFates: [{ imageNameContains: FAMILY, fate: 'impaired' }],
      rules: [{ actions: ['TerminateInstances'], code: 'InternalError' }],
    });
    const stuck = await rotate(bootTest());

    const [left] = liveTestInstances(emulator()).map((i) => i.instanceId);
    expect(stuck.error).toBe('BootTestFailed');
    expect(stuck.alerts).toHaveLength(1);
    expect(stuck.alerts[0]?.message).toContain(`Test instance: NOT terminated (${left}): Ec2Unavailable`);
    expect(stuck.alerts[0]?.message).toContain(`aws ec2 terminate-instances --instance-ids ${left}`);
    expect(stuck.alerts[0]?.message).not.toMatch(/test instance was terminated/i);
  });

  it('keeps a failed image for inspection, tagged boot-test-failed, when asked', async () => {
    seedFamily();
    emulator().injectFaults({ bootFates: [{ imageNameContains: FAMILY, fate: 'impaired' }] });

    const run = await rotate(bootTest({ keepFailedImage: true }));

    expect(run.error).toBe('BootTestFailed');
    const made = [...emulator().store.images.values()].filter((i) => i.name.startsWith(`${FAMILY}-2`));
    expect(made.map((i) => i.tags.find((t) => t.key === TAG.status)?.value)).toEqual(['boot-test-failed']);
    expect(liveTestInstances(emulator())).toEqual([]);
  });

  it('fails a boot whose status checks never settle within the time limit', async () => {
    seedFamily();
    emulator().injectFaults({ bootFates: [{ imageNameContains: FAMILY, fate: 'never' }] });

    const run = await rotate(bootTest({ timeoutMinutes: 5 }));

    expect(run.error).toBe('BootTestFailed');
    expect(run.alerts[0]?.message).toContain('not done after 5 minutes');
    expect(liveTestInstances(emulator())).toEqual([]);
  });

  it('launches one instance when the first RunInstances answer is lost', async () => {
    seedFamily();
    emulator().injectFaults({ rules: [{ actions: ['RunInstances'], code: 'InternalError', when: 'after', times: 1 }] });

    const run = await rotate(bootTest());

    expect(run.status).toBe('SUCCEEDED');
    expect(testInstances(emulator())).toHaveLength(1);
    expect(liveTestInstances(emulator())).toEqual([]);
  });

  it('launches one instance, and leaves none, when the Lambda dies after launching', async () => {
    seedFamily();
    let died = false;

    const run = await rotate(bootTest(), {
      interceptInvoke: async (name, invoke) => {
        const result = await invoke();
        if (name === 'boot-test' && !died) {
          died = true;
          throw Object.assign(new Error('Task timed out after 60.00 seconds'), { name: 'Sandbox.Timedout' });
        }
        return result;
      },
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(testInstances(emulator())).toHaveLength(1);
    expect(liveTestInstances(emulator())).toEqual([]);
  });

  it('tries the next instance type when EC2 has no capacity for the first', async () => {
    seedFamily();
    emulator().injectFaults({
      rules: [{ actions: ['RunInstances'], params: { InstanceType: 't3.micro' }, code: 'InsufficientInstanceCapacity' }],
    });

    const run = await rotate(bootTest({ instanceTypes: ['t3.micro', 't3a.micro'] }));

    expect(run.status).toBe('SUCCEEDED');
    expect(testInstances(emulator()).map((i) => i.instanceType)).toEqual(['t3a.micro']);
    expect(run.output).toMatchObject({ bootTest: { instanceType: 't3a.micro' } });
  });

  it('fails with the reason when no type or subnet has capacity', async () => {
    seedFamily();
    emulator().injectFaults({ rules: [{ actions: ['RunInstances'], code: 'InsufficientInstanceCapacity' }] });

    const run = await rotate(bootTest());

    expect(run.error).toBe('BootTestFailed');
    expect(run.alerts[0]?.message).toContain(
      'no instance could be launched: t3.micro in subnet-0123456789abcdef0: InsufficientInstanceCapacity',
    );
  });

  it('runs the SSM document once the checks pass, and quotes its output when it fails', async () => {
    seedFamily();
    emulator().injectFaults({
      commandOutcomes: [{ documentName: 'golden-smoke', status: 'Failed', output: 'nginx: [emerg] bind() failed' }],
    });

    const run = await rotate(bootTest({ instanceProfile: 'golden-test', ssmDocument: 'golden-smoke' }));

    expect(run.error).toBe('BootTestFailed');
    expect(run.alerts[0]?.message).toContain('golden-smoke ended Failed');
    expect(run.alerts[0]?.message).toContain('nginx: [emerg] bind() failed');
    expect(liveTestInstances(emulator())).toEqual([]);
  });

  it('cannot launch with an instance profile whose role the deployment did not name: iam:PassRole is refused', async () => {
    seedFamily();

    const run = await rotate(bootTest({ instanceProfile: 'admin-profile', ssmDocument: 'golden-smoke' }));

    expect(run.error).toBe('Ec2AccessDenied');
    expect(run.cause).toContain('iam:PassRole on resource: arn:aws:iam::123456789012:role/admin-profile');
    expect(emulator().store.instances.size).toBe(1);
  });

  it('refuses to publish an image a copy of which holds long-lived credentials, naming the paths, never the contents', async () => {
    seedFamily();
    emulator().injectFaults({
      commandOutcomes: [
        {
          documentName: 'AWS-RunShellScript',
          status: 'Success',
          output: 'FOUND /root/.aws/credentials\nFOUND /home/ec2-user/.git-credentials\n',
        },
      ],
    });

    const run = await rotate(bootTest({ instanceProfile: 'golden-test' }));

    expect(run).toMatchObject({ status: 'FAILED', error: 'ImageHoldsCredentials' });
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.subject).toBe('ami-rotator: web-prod failed at CheckBoot: ImageHoldsCredentials');
    expect(run.alerts[0]?.message).toContain('/root/.aws/credentials, /home/ec2-user/.git-credentials');
    // The check prints paths only: the command it sends reads no file's contents.
    const check = emulator().requests.find((r) => r.action === 'SendCommand');
    expect(check?.params.DocumentName).toBe('AWS-RunShellScript');
    expect(JSON.stringify(check?.params.Parameters)).toContain('.aws/credentials');
    expect(JSON.stringify(check?.params.Parameters)).not.toMatch(/\bcat\b/);
    // Handled like a failed boot test: nothing published, nothing pruned, the image removed, no test instance left.
    expect(
      emulator()
        .requests.filter((r) => ['PutParameter', 'DeregisterImage'].includes(r.action))
        .map((r) => r.action),
    ).toEqual(['DeregisterImage']);
    expect(emulator().store.images.has('ami-0aaaaaaaaaaaaaaa1')).toBe(true);
    expect(leftBy(emulator(), run.executionArn).images).toEqual([]);
    expect(liveTestInstances(emulator())).toEqual([]);
  });

  it('passes an image whose copy holds no credential files', async () => {
    seedFamily();

    const run = await rotate(bootTest({ instanceProfile: 'golden-test' }));

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ bootTest: { status: 'passed', reason: 'status checks passed and no credential files were found' } });
  });

  it('passes when the SSM document succeeds', async () => {
    seedFamily();

    const run = await rotate(bootTest({ instanceProfile: 'golden-test', ssmDocument: 'golden-smoke' }));

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      bootTest: { status: 'passed', reason: 'status checks passed, no credential files, and golden-smoke succeeded' },
    });
  });

  it("terminates test instances an earlier execution left behind, and no one else's", async () => {
    seedFamily();
    emulator().seed({
      images: [{ imageId: 'ami-0bbbbbbbbbbbbbbb1', name: 'base', creationDate: '2026-01-01T00:00:00.000Z' }],
      instances: [
        {
          instanceId: 'i-0ccccccccccccccc1',
          imageId: 'ami-0bbbbbbbbbbbbbbb1',
          tags: { [TAG.bootTest]: 'arn:aws:states:us-east-1:123456789012:execution:ami-rotator-local:crashed' },
        },
        { instanceId: 'i-0ccccccccccccccc2', imageId: 'ami-0bbbbbbbbbbbbbbb1', tags: { Name: 'someone-elses' } },
      ],
    });
    // Launched an hour before the run: older than any boot test of 15 minutes.
    for (const id of ['i-0ccccccccccccccc1', 'i-0ccccccccccccccc2'])
      Object.assign(emulator().store.instances.get(id) ?? {}, { launchTime: new Date(Date.now() - 3_600_000).toISOString() });

    const run = await rotate(bootTest());

    expect(run.status).toBe('SUCCEEDED');
    expect(emulator().store.instances.get('i-0ccccccccccccccc1')?.state).toBe('terminated');
    expect(emulator().store.instances.get('i-0ccccccccccccccc2')?.state).toBe('running');
    expect(run.output).toMatchObject({ bootTest: { reaped: ['i-0ccccccccccccccc1'] } });
  });

  it('is skipped when not asked for: no instance is launched', async () => {
    seedFamily();

    const run = await runRotationLocally({ input: input() });

    expect(run.status).toBe('SUCCEEDED');
    expect(statesEntered(run.events, 'LaunchTestInstance')).toBe(0);
    expect(calls(emulator(), 'RunInstances')).toBe(0);
  });
});
