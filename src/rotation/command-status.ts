/**
 * Run Command's statuses that end a command invocation other than Success (Systems Manager API Reference,
 * GetCommandInvocation, Status): prepare fails on them, and a wait for a command ends on them. A module of its own, so
 * that AwaitCommand's bundle does not carry prepare's EC2 client.
 */
export const COMMAND_FAILED: ReadonlySet<string> = new Set([
  'Failed',
  'TimedOut',
  'Cancelled',
  'Cancelling',
  'Undeliverable',
  'Terminated',
]);
