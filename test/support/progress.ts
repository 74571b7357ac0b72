import type { ImageProgress } from '../../src/rotation/create-image.ts';

/** A new image's wait before its first check, as CreateImage leaves it without history: check in 120 s, deadline an hour. */
export const pendingProgress = (imageId = 'ami-0123456789abcdef0'): ImageProgress => ({
  imageId,
  name: 'web-1',
  instanceId: 'i-0123456789abcdef0',
  state: 'pending',
  poll: 0,
  nextWaitSeconds: 120,
  waitedSeconds: 120,
  deadlineSeconds: 3600,
  timedOut: false,
});
