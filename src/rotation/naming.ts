/** The identity of the Step Functions execution a step runs in, taken from the context object. */
export interface ExecutionRef {
  /** The execution ARN. */
  id: string;
  name: string;
  /** ISO 8601; fixed for the whole execution, so retries name things the same way. */
  startTime: string;
}

const stamp = (iso: string): string => {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a date: ${iso}`);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
};

/**
 * `<family>-<UTC yyyyMMdd-HHmmss of the execution's start>`. The family's own rule (letters, digits,
 * `._-`, at most 63) keeps the name within EC2's (3 to 128 of letters, digits and `()[] ./-'@_`),
 * and the execution's start time makes a retried step ask for the same name.
 */
export const imageName = (family: string, execution: ExecutionRef): string => `${family}-${stamp(execution.startTime)}`;

export const imageDescription = (family: string, instanceId: string, noReboot: boolean, execution: ExecutionRef): string =>
  `ami-rotator ${family} from ${instanceId} (${noReboot ? 'live, no reboot' : 'rebooted for a consistent filesystem'}), execution ${execution.name}`.slice(
    0,
    255,
  );
