/**
 * What SNS accepts in a Publish (Amazon SNS API Reference, Publish): a subject of fewer than 100 printable
 * ASCII characters without line breaks, and a message of at most 256 KiB. An alert that breaks either is
 * refused, so it is never sent: these keep every alert inside them.
 */
export const MAX_SUBJECT_CHARS = 99;

/**
 * Our own cap on a message, well under SNS's 256 KiB: the text of an alert that could not be published is
 * kept as the cause of the execution's AlertNotDelivered failure, and a Step Functions cause holds at most
 * 32,768 characters. Bytes, since the message may carry non-ASCII text from a cause.
 */
export const MAX_MESSAGE_BYTES = 16_384;

/** One line of printable ASCII, cut to fit. */
export const toSubject = (text: string): string =>
  text
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, MAX_SUBJECT_CHARS)
    .trimEnd();

const bytes = (text: string) => Buffer.byteLength(text);

/**
 * Fits a message into MAX_MESSAGE_BYTES by cutting only `cut` (a cause or a list, which stays whole in the
 * execution's history), never the lines around it: what failed and what to do always arrive.
 */
export const fitMessage = (
  render: (cut: string) => string,
  cut: string,
  whereWhole = 'the whole cause is in the execution history',
): string => {
  const whole = render(cut);
  if (bytes(whole) <= MAX_MESSAGE_BYTES) return whole;
  const note = (dropped: number) => ` [... ${dropped} more characters; ${whereWhole}]`;
  const room = MAX_MESSAGE_BYTES - (bytes(whole) - bytes(cut)) - bytes(note(cut.length));
  // Code points, not UTF-16 units, so no surrogate pair is split: the longest prefix whose bytes fit.
  const points = [...cut];
  let [low, high] = [0, points.length];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (bytes(points.slice(0, mid).join('')) <= room) low = mid;
    else high = mid - 1;
  }
  return render(points.slice(0, low).join('') + note(points.length - low));
};
