import type { Ec2Emulator } from '../../emulator/server.ts';
import { type LocalRunOptions, type LocalRunResult, runRotationLocally } from '../../local/workflow.ts';
import { input } from './workflow.ts';

/**
 * A rotation on the emulator's clock (time mode): its waits let the emulator's time pass. Says when the image was seen
 * (TagImage, or ImageCreationFailed for a failed one), in whole seconds after the image workflow started, and how each
 * AwaitImage ended (`States.Timeout`, or `event: available`, `sweep: available`, `look: failed`...). SweepWaits runs at each
 * whole minute of the emulator's clock, as the stack's schedule invokes it.
 */
export const timedRotation = async (
  emulator: Ec2Emulator,
  options: Pick<LocalRunOptions, 'interceptInvoke'> = {},
): Promise<{ run: LocalRunResult; seenAfter: number; endings: string[] }> => {
  let startedAt = 0;
  let seenAt = 0;
  const run = await runRotationLocally({
    ...options,
    input: input(),
    passTime: (seconds) => emulator.passTime(seconds),
    now: () => emulator.options.now(),
    onEvent: (event) => {
      if (event.type !== 'StateEntered') return;
      const name = (event as { state?: { name?: string } }).state?.name;
      if (name === 'ImageInSourceRegion') startedAt = emulator.options.now().getTime();
      if (name === 'TagImage' || name === 'ImageCreationFailed') seenAt = emulator.options.now().getTime();
    },
  });
  return { run, seenAfter: Math.floor((seenAt - startedAt) / 1000), endings: waitEndings(run, 'AwaitImage') };
};

/** How each wait of a callback state ended, in order: its error (`States.Timeout`), or who ended it and the state. */
export const waitEndings = (run: LocalRunResult, state: 'AwaitImage' | 'AwaitCommand'): string[] =>
  run.events
    .filter((e) => e.type === 'StateExited' && (e as { state: { name: string } }).state.name === state)
    .map((e) => {
      const { awaited } = JSON.parse(JSON.stringify((e as { state: { output: unknown } }).state.output)) as {
        awaited?: Record<string, string>;
      };
      return awaited?.Error ?? `${awaited?.endedBy}: ${awaited?.state}`;
    });
