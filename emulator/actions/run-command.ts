/**
 * Systems Manager Run Command, as much as the boot test uses: SendCommand and GetCommandInvocation over
 * AWS JSON 1.1 (`X-Amz-Target: AmazonSSM.<Action>`), with the limits the SSM API reference states. Only
 * an instance launched with an instance profile runs the SSM agent's commands (the agent needs the
 * profile's role to register); a command's outcome comes from the fault plan (`commandOutcomes`).
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../error-response.ts';
import { type Action, type Actions, changes, reads } from './context.ts';

type Body = Record<string, unknown>;
type SsmAction = Action<Body>;

// SendCommand: DocumentName ^[a-zA-Z0-9_\-.:/]{3,128}$ (a name or an ARN); InstanceIds at most 50.
const DOCUMENT = /^[a-zA-Z0-9_\-.:/]{3,128}$/;
const MAX_INSTANCES = 50;
// GetCommandInvocation: CommandId of exactly 36 characters.
const COMMAND_ID = /^.{36}$/;

const sendCommand: SsmAction = (body, { store, faults }) => {
  const document = body.DocumentName;
  if (typeof document !== 'string' || !DOCUMENT.test(document))
    throw new ServiceError('ValidationException', `DocumentName: expected 3 to 128 of a-zA-Z0-9_-.:/, got ${String(document)}`);
  const ids = body.InstanceIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_INSTANCES)
    throw new ServiceError('ValidationException', `InstanceIds: expected 1 to ${MAX_INSTANCES} instance ids`);
  for (const id of ids as string[]) {
    const instance = store.instances.get(String(id));
    // The agent answers only on a running instance that it could register, which needs an instance profile.
    if (instance?.state !== 'running' || !instance.instanceProfile)
      throw new ServiceError('InvalidInstanceId', `Instances [[${String(id)}]] not in a valid state for account 123456789012`);
  }
  const commandId = randomUUID();
  const outcome = faults.commandOutcomeOf(document);
  store.commands.set(commandId, { commandId, documentName: document, instanceIds: ids as string[], reads: 0, outcome });
  return { Command: { CommandId: commandId, DocumentName: document, InstanceIds: ids, Status: 'Pending' } };
};

const getCommandInvocation: SsmAction = (body, { store }) => {
  const commandId = String(body.CommandId ?? '');
  if (!COMMAND_ID.test(commandId)) throw new ServiceError('ValidationException', 'CommandId: expected 36 characters');
  const command = store.commands.get(commandId);
  const instanceId = String(body.InstanceId ?? '');
  if (!command?.instanceIds.includes(instanceId)) throw new ServiceError('InvocationDoesNotExist', '');
  command.reads += 1;
  // The first look finds it running; later ones its outcome.
  const status = command.reads === 1 ? 'InProgress' : command.outcome.status;
  return {
    CommandId: commandId,
    InstanceId: instanceId,
    DocumentName: command.documentName,
    Status: status,
    StatusDetails: status,
    ResponseCode: status === 'Success' ? 0 : status === 'InProgress' ? -1 : 1,
    StandardOutputContent: status === 'InProgress' ? '' : (command.outcome.output ?? ''),
    StandardErrorContent: '',
  };
};

export const runCommandActions: Actions = {
  SendCommand: changes(sendCommand),
  GetCommandInvocation: reads(getCommandInvocation),
};
