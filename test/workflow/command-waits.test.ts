import { describe, expect, it } from 'vitest';
import * as amiEventRule from '../../local/ami-event-rule.ts';
import { localIam } from '../../local/clients.ts';
import { LOCAL_ACCOUNT_ID, runRotationLocally } from '../../local/workflow.ts';
import { useEmulator } from '../support/emulator.ts';
import { waitEndings } from '../support/timed-rotation.ts';
import { input, seedInstance } from '../support/workflow.ts';

// Time mode: each prepare document takes 5 minutes of the emulator's clock and the image 10; the clock stands still
// but for the time the waits let pass.
const COMMAND_SECONDS = 300;
const STARTED = Date.now();
const emulator = useEmulator({
  iam: localIam(LOCAL_ACCOUNT_ID, 'us-east-1', { prepareDocuments: 'golden-hardening' }),
  commandSeconds: COMMAND_SECONDS,
  imageSeconds: 600,
  now: () => new Date(STARTED),
});
process.env.ROTATOR_LOG_LEVEL = 'silent';

/** A rotation that prepares (patch, clean): when each state was entered on the emulator's clock, and how each AwaitCommand ended. */
const prepareAndRotate = async () => {
  seedInstance(emulator(), { instanceProfile: 'golden-ssm' });
  const entered: [string, number][] = [];
  const run = await runRotationLocally({
    input: input({ prepare: { documents: ['patch', 'clean'] } }),
    passTime: (seconds) => emulator().passTime(seconds),
    now: () => emulator().options.now(),
    onEvent: (event) => {
      const name = (event as { state?: { name?: string } }).state?.name;
      if (event.type === 'StateEntered' && name) entered.push([name, emulator().options.now().getTime()]);
    },
  });
  const started = entered.find(([name]) => name === 'StartPreparing')?.[1] ?? 0;
  const endings = waitEndings(run, 'AwaitCommand');
  // When the workflow saw the patch's end: the look after the wait that ended with it.
  const looks = entered.filter(([name]) => name === 'CheckPreparing').map(([, at]) => (at - started) / 1000);
  return { run, endings, looks };
};

describe("waiting for a prepare document on Systems Manager's event", () => {
  it('sees a document the moment its event says it ended, not at the next look', async () => {
    const { run, endings, looks } = await prepareAndRotate();

    expect(run.status).toBe('SUCCEEDED');
    // Deadlines of 30, 60 and 120 s pass (210 s); the fourth wait is ended by the event at 300 s, not at the poll's 330.
    expect(endings.slice(0, 4)).toEqual(['States.Timeout', 'States.Timeout', 'States.Timeout', 'event: Success']);
    expect(looks.slice(0, 4)).toEqual([30, 90, 210, COMMAND_SECONDS]);
    expect(endings.filter((e) => e === 'event: Success')).toHaveLength(2);
  });

  it('with every event lost, looks as polling did: the document is seen at the first look after it ended', async () => {
    amiEventRule.setFaults({ drop: 1 });

    const { run, endings, looks } = await prepareAndRotate();

    expect(run.status).toBe('SUCCEEDED');
    expect(endings.every((e) => e === 'States.Timeout')).toBe(true);
    expect(looks.slice(0, 4)).toEqual([30, 90, 210, 330]);
  });

  it('takes a failed document from its event: no image, one alert', async () => {
    emulator().injectFaults({
      commandOutcomes: [{ documentName: 'AWS-RunPatchBaseline', status: 'Failed', output: 'Error: repo unreachable' }],
    });

    const { run, endings } = await prepareAndRotate();

    expect(run).toMatchObject({ status: 'FAILED', error: 'PrepareFailed' });
    expect(endings.at(-1)).toBe('event: Failed');
    expect(emulator().requests.filter((r) => r.action === 'CreateImage')).toEqual([]);
    expect(run.alerts).toHaveLength(1);
  });
});
