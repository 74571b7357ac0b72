/**
 * Systems Manager Run Command, as much as the boot test and prepare use: DescribeInstanceInformation,
 * SendCommand and GetCommandInvocation over AWS JSON 1.1 (`X-Amz-Target: AmazonSSM.<Action>`), with the limits
 * the SSM API reference states. Only a running instance launched with an instance profile runs the SSM agent's
 * commands (the agent needs the profile's role to register); a command's outcome comes from the fault plan
 * (`commandOutcomes`), a reboot included: the instance's status checks start over. A command ends on the second read
 * or, in time mode (`commandSeconds`), at its time on the emulator's clock; Systems Manager's event goes on the bus then.
 */
import { randomUUID } from 'node:crypto';
import { commandStatusChange } from '../ami-events.ts';
import { ServiceError } from '../error-response.ts';
import type { RunCommand } from '../model.ts';
import { type Action, type ActionContext, type Actions, changes, reads } from './context.ts';
import { checkParameters, documentActions, documentOf } from './documents.ts';

type Body = Record<string, unknown>;
type SsmAction = Action<Body>;

// SendCommand: DocumentName ^[a-zA-Z0-9_\-.:/]{3,128}$ (a name or an ARN); InstanceIds at most 50; TimeoutSeconds
// 30 to 2592000; Comment at most 100 characters; Parameters a map of names to lists of strings.
const DOCUMENT = /^[a-zA-Z0-9_\-.:/]{3,128}$/;
const MAX_INSTANCES = 50;
// GetCommandInvocation: StandardOutputContent and StandardErrorContent are cut at 24,000 characters.
const MAX_OUTPUT = 24_000;
// GetCommandInvocation: CommandId of exactly 36 characters.
const COMMAND_ID = /^.{36}$/;

const sendCommand: SsmAction = (body, ctx) => {
  const { store, faults, options } = ctx;
  const document = body.DocumentName;
  if (typeof document !== 'string' || !DOCUMENT.test(document))
    throw new ServiceError('ValidationException', `DocumentName: expected 3 to 128 of a-zA-Z0-9_-.:/, got ${String(document)}`);
  const ids = body.InstanceIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_INSTANCES)
    throw new ServiceError('ValidationException', `InstanceIds: expected 1 to ${MAX_INSTANCES} instance ids`);
  const timeout = body.TimeoutSeconds;
  if (timeout !== undefined && !(Number.isInteger(timeout) && (timeout as number) >= 30 && (timeout as number) <= 2_592_000))
    throw new ServiceError('ValidationException', `TimeoutSeconds: expected 30 to 2592000, got ${String(timeout)}`);
  if (body.Comment !== undefined && !(typeof body.Comment === 'string' && body.Comment.length <= 100))
    throw new ServiceError('ValidationException', 'Comment: expected at most 100 characters');
  const parameters = body.Parameters;
  if (
    parameters !== undefined &&
    (typeof parameters !== 'object' ||
      parameters === null ||
      !Object.values(parameters).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string')))
  )
    throw new ServiceError('InvalidParameters', 'Parameters: expected a map of parameter names to lists of strings');
  // The document must exist for the account and declare every parameter given; one it requires must be given.
  checkParameters(documentOf(document, ctx), (parameters ?? {}) as Record<string, unknown>);
  const invalid = (id: unknown) =>
    new ServiceError('InvalidInstanceId', `Instances [[${String(id)}]] not in a valid state for account 123456789012`);
  for (const id of ids as string[]) {
    const instance = store.instances.get(String(id));
    // The agent answers only on a running instance that it could register, which needs an instance profile.
    if (instance?.state !== 'running' || !instance.instanceProfile) throw invalid(id);
  }
  // A just-launched instance's agent registers some moments after boot ("SSM Agent isn't running" is one cause
  // SendCommand names for InvalidInstanceId): the first command to it is refused, and it is registered after.
  const unregistered = (ids as string[]).filter((id) => store.instances.get(String(id))?.agentUnregistered);
  for (const id of unregistered) delete store.instances.get(String(id))?.agentUnregistered;
  if (unregistered.length > 0) throw invalid(unregistered[0]);
  const commandId = randomUUID();
  const outcome = faults.commandOutcomeOf(document);
  const requestedAt = options.now();
  store.commands.set(commandId, {
    commandId,
    documentName: document,
    ...(typeof body.Comment === 'string' ? { comment: body.Comment } : {}),
    instanceIds: ids as string[],
    reads: 0,
    outcome,
    requestedAt,
    // SendCommand's TimeoutSeconds (3600 when absent: its documented default).
    timeoutSeconds: typeof timeout === 'number' ? timeout : 3600,
    ...(options.commandSeconds === undefined ? {} : { readyAt: requestedAt.getTime() + options.commandSeconds * 1000 }),
    ended: false,
  });
  return { Command: { CommandId: commandId, DocumentName: document, InstanceIds: ids, Status: 'Pending' } };
};

/**
 * The command ends with its outcome: Systems Manager says so on the bus (`EC2 Command Status-change Notification`), and
 * a document that reboots the instance has its status checks start over.
 */
export const endCommand = (command: RunCommand, ctx: ActionContext): void => {
  if (command.ended || command.outcome.status === 'InProgress') return;
  command.ended = true;
  for (const id of command.instanceIds) {
    const instance = ctx.store.instances.get(id);
    if (command.outcome.reboots && instance) instance.boot = { fate: 'ok', polls: 0 };
  }
  ctx.emit?.(commandStatusChange(ctx.options.region, command, command.outcome.status, ctx.options.now()));
};

const getCommandInvocation: SsmAction = (body, ctx) => {
  const { store } = ctx;
  const commandId = String(body.CommandId ?? '');
  if (!COMMAND_ID.test(commandId)) throw new ServiceError('ValidationException', 'CommandId: expected 36 characters');
  const command = store.commands.get(commandId);
  const instanceId = String(body.InstanceId ?? '');
  if (!command?.instanceIds.includes(instanceId)) throw new ServiceError('InvocationDoesNotExist', '');
  command.reads += 1;
  // Just after SendCommand the invocation may not exist yet: botocore's CommandExecuted waiter (ssm waiters-2.json)
  // retries on InvocationDoesNotExist. The first read finds none.
  if (command.reads === 1) throw new ServiceError('InvocationDoesNotExist', '');
  // Time mode: it ends at its time, whoever reads it; else the next look finds it running, later ones its outcome.
  const due = command.readyAt === undefined ? command.reads > 2 : ctx.options.now().getTime() >= command.readyAt;
  if (due) endCommand(command, ctx);
  const status = command.ended ? command.outcome.status : 'InProgress';
  return {
    CommandId: commandId,
    InstanceId: instanceId,
    DocumentName: command.documentName,
    Status: status,
    StatusDetails: status,
    ResponseCode: status === 'Success' ? 0 : status === 'InProgress' ? -1 : 1,
    StandardOutputContent: status === 'InProgress' ? '' : (command.outcome.output ?? '').slice(0, MAX_OUTPUT),
    StandardErrorContent: '',
  };
};

const INFORMATION_FILTER_KEYS = [
  'InstanceIds',
  'AgentVersion',
  'PingStatus',
  'PlatformTypes',
  'ActivationIds',
  'IamRole',
  'ResourceType',
  'AssociationStatus',
  'tag-key',
];

// DescribeInstanceInformation: MaxResults 5 to 50; Filters (Key 1 to 200 characters, 1 to 100 values each) and
// InstanceInformationFilterList not together. An instance is managed when its agent registered (an instance profile)
// and Online while it runs, ConnectionLost otherwise.
const describeInstanceInformation: SsmAction = (body, { store }) => {
  const max = body.MaxResults;
  if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 5 && (max as number) <= 50))
    throw new ServiceError('ValidationException', `MaxResults: expected 5 to 50, got ${String(max)}`);
  if (body.Filters !== undefined && body.InstanceInformationFilterList !== undefined)
    throw new ServiceError('InvalidFilter', 'Filters and InstanceInformationFilterList cannot be used together');
  const filters = (Array.isArray(body.Filters) ? body.Filters : []) as { Key?: unknown; Values?: unknown }[];
  for (const f of filters)
    if (
      typeof f.Key !== 'string' ||
      f.Key.length < 1 ||
      f.Key.length > 200 ||
      !Array.isArray(f.Values) ||
      f.Values.length < 1 ||
      f.Values.length > 100
    )
      throw new ServiceError('InvalidFilter', 'Filters: expected a Key of 1 to 200 characters and 1 to 100 Values each');
  // The keys the API reference lists for InstanceInformationStringFilter; any other is refused.
  for (const f of filters)
    if (!INFORMATION_FILTER_KEYS.includes(String(f.Key)) && !String(f.Key).startsWith('tag:'))
      throw new ServiceError('InvalidFilterKey', `${String(f.Key)} is not a valid filter key`);
  const wanted = filters.find((f) => f.Key === 'InstanceIds')?.Values as string[] | undefined;
  const managed = [...store.instances.values()]
    .filter((i) => i.instanceProfile && !i.agentUnregistered && i.state !== 'terminated')
    .filter((i) => wanted === undefined || wanted.includes(i.instanceId));
  return {
    InstanceInformationList: managed.map((i) => ({
      InstanceId: i.instanceId,
      PingStatus: i.state === 'running' ? 'Online' : 'ConnectionLost',
      ResourceType: 'EC2Instance',
      PlatformType: 'Linux',
    })),
  };
};

// ListCommands: CommandId (36), InstanceId, MaxResults 1 to 50, Filters of 1 to 5 {key, value}, key one of InvokedAfter,
// InvokedBefore, Status, ExecutionStage, DocumentName (others: InvalidFilterKey), value 1 to 150 characters.
const LIST_FILTER_KEYS = ['InvokedAfter', 'InvokedBefore', 'Status', 'ExecutionStage', 'DocumentName'];

const statusOf = (command: RunCommand): string => (command.ended ? command.outcome.status : 'InProgress');

const listCommands: SsmAction = (body, { store }) => {
  const max = body.MaxResults;
  if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 1 && (max as number) <= 50))
    throw new ServiceError('ValidationException', `MaxResults: expected 1 to 50, got ${String(max)}`);
  const filters = (Array.isArray(body.Filters) ? body.Filters : []) as { key?: unknown; value?: unknown }[];
  if (filters.length > 5) throw new ServiceError('ValidationException', 'Filters: expected at most 5');
  for (const f of filters) {
    if (typeof f.key !== 'string' || !LIST_FILTER_KEYS.includes(f.key)) throw new ServiceError('InvalidFilterKey', `${String(f.key)}`);
    if (typeof f.value !== 'string' || f.value.length < 1 || f.value.length > 150)
      throw new ServiceError('InvalidFilterValue', `${f.key}: expected 1 to 150 characters`);
  }
  const matches = (c: RunCommand) =>
    filters.every((f) => {
      const value = String(f.value);
      if (f.key === 'DocumentName') return c.documentName === value;
      if (f.key === 'Status') return statusOf(c) === value;
      if (f.key === 'InvokedAfter') return c.requestedAt.getTime() >= Date.parse(value);
      if (f.key === 'InvokedBefore') return c.requestedAt.getTime() <= Date.parse(value);
      return true;
    });
  const commands = [...store.commands.values()]
    .filter((c) => body.CommandId === undefined || c.commandId === body.CommandId)
    .filter((c) => body.InstanceId === undefined || c.instanceIds.includes(String(body.InstanceId)))
    .filter(matches)
    .slice(0, typeof max === 'number' ? max : 50);
  return {
    Commands: commands.map((c) => ({
      CommandId: c.commandId,
      DocumentName: c.documentName,
      ...(c.comment === undefined ? {} : { Comment: c.comment }),
      InstanceIds: c.instanceIds,
      Status: statusOf(c),
      RequestedDateTime: c.requestedAt.getTime() / 1000,
    })),
  };
};

/** CancelCommand: a command still running ends Cancelled (with its event); one that ended stays as it ended. */
const cancelCommand: SsmAction = (body, ctx) => {
  const commandId = String(body.CommandId ?? '');
  if (!COMMAND_ID.test(commandId)) throw new ServiceError('ValidationException', 'CommandId: expected 36 characters');
  const command = ctx.store.commands.get(commandId);
  if (!command) throw new ServiceError('InvalidCommandId', '');
  if (!command.ended) {
    command.outcome = { status: 'Cancelled' };
    endCommand(command, ctx);
  }
  return {};
};

export const runCommandActions: Actions = {
  ...documentActions,
  DescribeInstanceInformation: reads(describeInstanceInformation),
  SendCommand: changes(sendCommand),
  GetCommandInvocation: reads(getCommandInvocation),
  ListCommands: reads(listCommands),
  CancelCommand: changes(cancelCommand),
};
