import { afterEach, describe, expect, it } from 'vitest';
import { localIam } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID, runRotationLocally } from '../../local/workflow.ts';
import { useEmulator } from '../support/emulator.ts';
import { INSTANCE, input, seedInstance } from '../support/workflow.ts';

// A stage whose prepareDocuments lists golden-hardening: the prepare role may send it.
const emulator = useEmulator({ iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { prepareDocuments: 'golden-hardening' }) });
process.env.ROTATOR_LOG_LEVEL = 'silent';
const PREPARE = { documents: ['patch', 'clean'] };
const CLEAN_UP = 'ami-rotator-local-clean-up';
const requestsOf = (action: string) => emulator().requests.filter((r) => r.action === action);
const sent = () => requestsOf('SendCommand').map((r) => r.params.DocumentName);

afterEach(() => {
  delete process.env.ROTATOR_PREPARE_DOCUMENTS;
});

describe('prepare before the snap', () => {
  it('patches (with a reboot), cleans, waits for the status checks, then images the instance', async () => {
    seedInstance(emulator(), { instanceProfile: 'golden-ssm' });
    emulator().injectFaults({ commandOutcomes: [{ documentName: 'AWS-RunPatchBaseline', status: 'Success', reboots: true }] });

    const run = await runRotationLocally({ input: input({ prepare: PREPARE }) });

    expect(run.status).toBe('SUCCEEDED');
    expect(sent()).toEqual(['AWS-RunPatchBaseline', CLEAN_UP]);
    expect(requestsOf('SendCommand')[0]?.params.Parameters).toEqual({ Operation: ['Install'], RebootOption: ['RebootIfNeeded'] });
    // Imaged only after the last document's result and status checks that passed again after the reboot.
    const seq = (action: string) => requestsOf(action).map((r) => r.seq);
    expect(Math.min(...seq('CreateImage'))).toBeGreaterThan(Math.max(...seq('GetCommandInvocation'), ...seq('DescribeInstanceStatus')));
    expect(requestsOf('DescribeInstanceStatus').length).toBeGreaterThanOrEqual(2);
    expect(run.alerts).toEqual([]);
  });

  it.each([
    ['Failed', 'PrepareFailed'],
    ['Undeliverable', 'PrepareFailed'],
  ] as const)('makes no image when patching ends %s: one alert with its output, the instance left running', async (status, error) => {
    seedInstance(emulator(), { instanceProfile: 'golden-ssm' });
    emulator().injectFaults({ commandOutcomes: [{ documentName: 'AWS-RunPatchBaseline', status, output: 'Error: repo unreachable' }] });

    const run = await runRotationLocally({ input: input({ prepare: PREPARE }) });

    expect(run).toMatchObject({ status: 'FAILED', error });
    expect(sent()).toEqual(['AWS-RunPatchBaseline']);
    expect(requestsOf('CreateImage')).toEqual([]);
    expect(
      emulator()
        .mutatingRequests()
        .map((r) => r.action),
    ).toEqual(['SendCommand']);
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]?.subject).toBe(`ami-rotator: web-prod failed at CheckPreparing: ${error}`);
    expect(run.alerts[0]?.message).toContain(`AWS-RunPatchBaseline (patch, 1 of 2) ended ${status}`);
    expect(run.alerts[0]?.message).toContain('Error: repo unreachable');
    expect(run.alerts[0]?.message).toContain('the instance is left running');
    expect(emulator().store.instances.get(INSTANCE)?.state).toBe('running');
  });

  it('gives up on a document stuck in progress after its time limit, and cancels it first', async () => {
    process.env.ROTATOR_PREPARE_DOCUMENTS = 'golden-hardening';
    seedInstance(emulator(), { instanceProfile: 'golden-ssm' });
    emulator().seed({ documents: [{ name: 'golden-hardening' }] });
    emulator().injectFaults({ commandOutcomes: [{ documentName: 'golden-hardening', status: 'InProgress' }] });

    const run = await runRotationLocally({
      input: input({ prepare: { documents: [{ document: 'golden-hardening', timeoutMinutes: 5 }] } }),
    });

    expect(run).toMatchObject({ status: 'FAILED', error: 'PrepareTimedOut' });
    expect(run.alerts[0]?.message).toContain('was not done after 5 minutes');
    expect(run.alerts[0]?.message).toMatch(/it was cancelled \(CancelCommand [0-9a-f-]{36}\)/);
    expect([...emulator().store.commands.values()].map((c) => [c.documentName, c.outcome.status, c.ended])).toEqual([
      ['golden-hardening', 'Cancelled', true],
    ]);
    expect(requestsOf('CreateImage')).toEqual([]);
  });

  it('refuses, before anything runs, a document the account does not have and a parameter a document does not declare', async () => {
    process.env.ROTATOR_PREPARE_DOCUMENTS = 'golden-hardening';
    seedInstance(emulator(), { instanceProfile: 'golden-ssm' });

    const missing = await runRotationLocally({ input: input({ prepare: { documents: ['patch', { document: 'golden-hardening' }] } }) });
    emulator().seed({ documents: [{ name: 'golden-hardening', parameters: [{ name: 'level', defaultValue: '1' }] }] });
    const misspelt = await runRotationLocally({
      input: input({ prepare: { documents: [{ document: 'golden-hardening', parameters: { levle: ['2'] } }] } }),
    });

    expect(missing).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(missing.alerts[0]?.message).toContain(
      'prepare.documents[1].document: golden-hardening does not exist in this account and region',
    );
    expect(misspelt.alerts[0]?.message).toContain(
      'prepare.documents[0].parameters.levle: not a parameter of golden-hardening; did you mean level?',
    );
    expect(requestsOf('SendCommand')).toEqual([]);
  });

  it('sends a document once when the answer to SendCommand is lost after Systems Manager made the command', async () => {
    seedInstance(emulator(), { instanceProfile: 'golden-ssm' });
    emulator().injectFaults({ rules: [{ actions: ['SendCommand'], code: 'InternalServerError', when: 'after', times: 1 }] });

    const run = await runRotationLocally({ input: input({ prepare: { documents: ['patch'] } }) });

    expect(run.status).toBe('SUCCEEDED');
    expect(emulator().requests.filter((r) => r.action === 'SendCommand' && r.acted)).toHaveLength(1);
    expect(emulator().store.commands.size).toBe(1);
  });

  it('refuses an instance Systems Manager does not manage before anything runs', async () => {
    seedInstance(emulator());

    const run = await runRotationLocally({ input: input({ prepare: PREPARE }) });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InstanceNotManaged' });
    expect(run.alerts[0]?.message).toContain('AmazonSSMManagedInstanceCore');
    expect(emulator().mutatingRequests()).toEqual([]);
  });

  it('refuses a document the deployment does not list, naming the field, with no call made', async () => {
    seedInstance(emulator(), { instanceProfile: 'golden-ssm' });

    const run = await runRotationLocally({ input: input({ prepare: { documents: ['patch', { document: 'anything-goes' }] } }) });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(run.alerts[0]?.message).toContain('prepare.documents[1].document: expected "patch", "clean" or one of');
    expect(emulator().requests).toEqual([]);
  });

  it('sends no command to an instance that is not opted in, even one Systems Manager manages', async () => {
    seedInstance(emulator(), { instanceProfile: 'golden-ssm', tags: { Name: 'not-opted-in' } });

    const run = await runRotationLocally({ input: input({ prepare: PREPARE }) });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InstanceNotOptedIn' });
    expect(sent()).toEqual([]);
  });
});
