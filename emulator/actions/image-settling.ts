/**
 * How a pending image becomes available (or failed, by its fate): once describes have seen it `pendingPolls` times,
 * or, in time mode (`imageSeconds`), once the emulator's clock reaches its time; EC2's event goes on the bus then.
 */
import { amiStateChange } from '../ami-events.ts';
import type { Image } from '../model.ts';
import type { ActionContext } from './context.ts';

export const readyAtOf = ({ options }: ActionContext): { readyAt?: number } => {
  const seconds = options.imageSecondsIn?.[options.region] ?? options.imageSeconds;
  return seconds === undefined ? {} : { readyAt: options.now().getTime() + seconds * 1000 };
};

/** A pending image settles once describes have seen it `pendingPolls` times, or (time mode) once its time has come. */
export const settle = (image: Image, ctx: ActionContext): void => {
  if (image.state !== 'pending' || image.fate === 'stuck') return;
  image.polls += 1;
  if (image.readyAt !== undefined) {
    if (ctx.options.now().getTime() >= image.readyAt) settleNow(image, ctx);
    return;
  }
  if (image.polls <= (ctx.options.pendingPollsIn?.[ctx.options.region] ?? ctx.options.pendingPolls)) return;
  settleNow(image, ctx);
};

/** The image becomes available (or failed, by its fate), its snapshots with it, and EC2 says so on the bus. */
export const settleNow = (image: Image, ctx: ActionContext): void => {
  image.state = image.fate === 'failed' ? 'failed' : 'available';
  if (image.state === 'failed')
    image.stateReason = image.failReason ?? { code: 'Client.InternalError', message: 'Client.InternalError: Snapshot creation failed' };
  ctx.emit?.(amiStateChange(ctx.options.region, image.imageId, image.state, ctx.options.now(), image.stateReason?.message));
  for (const device of image.blockDevices) {
    const snapshot = ctx.store.snapshots.get(device.snapshotId);
    if (snapshot) snapshot.state = image.state === 'failed' ? 'error' : 'completed';
  }
};
