/**
 * What ties a log line, a metric or a trace to a rotation: the service's name and the execution and
 * family of an event. No logger here, so the AWS clients' modules can use it without making one.
 */
export const SERVICE = 'ami-rotator';

type Fields = Record<string, unknown>;
export const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Fields)[key] : undefined;
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value.slice(0, 256) : undefined);

/**
 * The execution and family an event belongs to, wherever the state machine put them (`execution.id`;
 * `request.family`, `family`, `image.family`, or the raw `input.family` before validation).
 */
export const logKeysOf = (event: unknown): { execution?: string; family?: string } => {
  const execution = text(field(field(event, 'execution'), 'id'));
  const family =
    text(field(field(event, 'request'), 'family')) ??
    text(field(event, 'family')) ??
    text(field(field(event, 'image'), 'family')) ??
    text(field(field(event, 'input'), 'family'));
  return { ...(execution ? { execution } : {}), ...(family ? { family } : {}) };
};

/** The state an invocation runs for: every Lambda task passes `$$.State.Name` as `step`; the function's own step name otherwise. */
export const stepOf = (event: unknown, fallback: string): string => text(field(event, 'step')) ?? fallback;
