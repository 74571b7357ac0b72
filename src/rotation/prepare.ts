/**
 * Prepare before the snap: runs the request's Systems Manager documents on the source instance, one after the
 * other, one look at a time (the state machine waits between looks, as for the image). The instance must be
 * opted in and managed by Systems Manager (agent online) before anything runs; after the last document, its
 * status checks must pass again (AWS-RunPatchBaseline may have rebooted it) before it is imaged. Any document
 * that does not end in Success stops the rotation before an image is made; the instance is left running.
 */
import { DescribeInstanceStatusCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  CancelCommandCommand,
  DescribeDocumentCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  ListCommandsCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { ec2Call, fromEc2Error } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';
import { InstanceNotManagedError, InvalidInputError, PrepareFailedError, PrepareTimedOutError } from '../errors.ts';
import { closestName } from '../suggest.ts';
import { COMMAND_FAILED } from './command-status.ts';
import { describeOptedInInstance } from './images.ts';
import type { ExecutionRef } from './naming.ts';
import type { PrepareDocument } from './prepare-request.ts';
import type { RotationRequest } from './request.ts';

export interface PrepareResult {
  label: string;
  document: string;
  commandId: string;
  status: string;
  /** The end of the command's output (standard error, then standard output), never more than OUTPUT_EXCERPT. */
  output: string;
}

/** Where the preparation stands: the state the workflow carries between looks. */
export interface PrepareProgress {
  instanceId: string;
  documents: PrepareDocument[];
  /** The document running (its index), or documents.length once all succeeded. */
  index: number;
  commandId: string;
  /** `running` a document, `settling` (status checks after the last), `done`. */
  status: 'running' | 'settling' | 'done';
  checks: number;
  /** Waited for the current document (or for the status checks). */
  waitedSeconds: number;
  nextWaitSeconds: number;
  /** The status checks were seen initializing after the documents ran: the instance rebooted. */
  rebooted: boolean;
  results: PrepareResult[];
}

/** How much of a command's output is kept for the history and the alert. */
const OUTPUT_EXCERPT = 1500;
/** Between looks: 30 s doubling to 2 minutes. */
const nextWait = (checks: number) => Math.min(120, 30 * 2 ** Math.max(0, checks - 1));
/** After the last document, how long the status checks may take to pass (a reboot included). */
const SETTLE_MINUTES = 15;

const excerpt = (stderr: string | undefined, stdout: string | undefined) =>
  `${stderr ?? ''}\n${stdout ?? ''}`.trim().slice(-OUTPUT_EXCERPT);

/**
 * The command this execution already sent for this document, if any: a send whose answer was lost, or a Lambda retry
 * after it, must not run the document twice (two AWS-RunPatchBaseline at once). Found by its comment, among the
 * instance's commands of that document since the execution started (ListCommands).
 */
const sentBefore = async (ssm: SSMClient, instanceId: string, doc: PrepareDocument, comment: string, execution: ExecutionRef) => {
  const { Commands } = await ssm.send(
    new ListCommandsCommand({
      InstanceId: instanceId,
      Filters: [
        { key: 'DocumentName', value: doc.document },
        { key: 'InvokedAfter', value: execution.startTime },
      ],
    }),
  );
  return Commands?.find((c) => c.Comment === comment)?.CommandId;
};

const send = async (ssm: SSMClient, progress: PrepareProgress, execution: ExecutionRef, index: number): Promise<PrepareProgress> => {
  const doc = progress.documents[index] as PrepareDocument;
  // One comment per execution and document: how a retry finds what was sent (at most 100 characters).
  const comment = `ami-rotator prepare ${index + 1}/${progress.documents.length} ${execution.name}`.slice(0, 100);
  try {
    const earlier = await sentBefore(ssm, progress.instanceId, doc, comment, execution);
    const command = new SendCommandCommand({
      DocumentName: doc.document,
      InstanceIds: [progress.instanceId],
      Parameters: doc.parameters,
      // How long the command may wait to be delivered; the wait here is the document's whole time limit.
      TimeoutSeconds: Math.max(30, doc.timeoutMinutes * 60),
      Comment: comment,
    });
    // SendCommand has no client token: the SDK's own retry of a send whose answer was lost would run the document
    // again. One attempt; a failure is looked up (the command may have been made), and the state machine retries.
    command.middlewareStack.add((next) => (args) => next(args), {
      name: 'retryMiddleware',
      step: 'finalizeRequest',
      tags: ['RETRY'],
      priority: 'high',
      override: true,
    });
    const { Command } = earlier
      ? { Command: { CommandId: earlier } }
      : await ssm.send(command).catch(async (error: unknown) => {
          const made = await sentBefore(ssm, progress.instanceId, doc, comment, execution).catch(() => undefined);
          if (made) return { Command: { CommandId: made } };
          throw error;
        });
    const wait = nextWait(1);
    return {
      ...progress,
      index,
      commandId: Command?.CommandId ?? '',
      status: 'running',
      checks: 0,
      waitedSeconds: wait,
      nextWaitSeconds: wait,
    };
  } catch (error) {
    throw fromEc2Error(error, `run ${doc.document} (${doc.label}) on ${progress.instanceId}`);
  }
};

/**
 * Every document and its parameters as the account holds them (DescribeDocument), before anything runs: a document
 * that is not there, a parameter it does not declare or a required one left out is found before patching reboots
 * the instance, not after.
 */
const checkDocuments = async (ssm: SSMClient, documents: readonly PrepareDocument[]): Promise<void> => {
  const problems: string[] = [];
  for (const [i, doc] of documents.entries()) {
    const field = `prepare.documents[${i}]`;
    let declared: { Name?: string | undefined; DefaultValue?: string | undefined }[];
    try {
      declared = (await ssm.send(new DescribeDocumentCommand({ Name: doc.document }))).Document?.Parameters ?? [];
    } catch (error) {
      if (awsErrorCode(error) !== 'InvalidDocument') throw fromEc2Error(error, `read SSM document ${doc.document}`);
      problems.push(
        doc.label === 'clean'
          ? `${field}: the stack's clean-up document ${doc.document} does not exist in this account and region (ROTATOR_CLEAN_UP_DOCUMENT); deploy the stack here, or set the variable to its name`
          : `${field}.document: ${doc.document} does not exist in this account and region (Systems Manager: InvalidDocument)`,
      );
      continue;
    }
    const names = declared.map((p) => p.Name ?? '');
    for (const name of Object.keys(doc.parameters).filter((n) => !names.includes(n))) {
      const near = closestName(name, names);
      problems.push(
        `${field}.parameters.${name}: not a parameter of ${doc.document}${near ? `; did you mean ${near}?` : `; it declares ${names.join(', ') || 'none'}`}`,
      );
    }
    for (const p of declared.filter((p) => p.DefaultValue === undefined && doc.parameters[p.Name ?? ''] === undefined))
      problems.push(`${field}.parameters.${p.Name}: required by ${doc.document} (it has no default)`);
  }
  if (problems.length > 0) throw new InvalidInputError(problems);
};

/** The instance is opted in to the family and online in Systems Manager, its documents exist, then the first is sent. */
export const startPreparing = async (
  clients: { ec2: EC2Client; ssm: SSMClient },
  request: RotationRequest,
  execution: ExecutionRef,
): Promise<PrepareProgress> => {
  const documents = request.prepare?.documents ?? [];
  // Prepare patches and may reboot: only an instance its owners opted in to this family, as CreateImage checks.
  await describeOptedInInstance(clients.ec2, request.instanceId, request.family);
  const { InstanceInformationList } = await clients.ssm
    .send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [request.instanceId] }] }))
    .catch((error: unknown) => {
      throw fromEc2Error(error, `ask Systems Manager whether ${request.instanceId} is managed`);
    });
  const managed = InstanceInformationList?.find((i) => i.InstanceId === request.instanceId);
  if (managed?.PingStatus !== 'Online')
    throw new InstanceNotManagedError(
      `Instance ${request.instanceId} is ${managed ? `known to Systems Manager but ${managed.PingStatus}` : 'not managed by Systems Manager'}: prepare runs its documents through the SSM agent, which needs an instance profile whose role allows it (AmazonSSMManagedInstanceCore) and a network path to Systems Manager. Nothing was run or made; attach the profile and start again, or set prepare to null`,
    );
  await checkDocuments(clients.ssm, documents);
  const progress: PrepareProgress = {
    instanceId: request.instanceId,
    documents,
    index: 0,
    commandId: '',
    status: 'running',
    checks: 0,
    waitedSeconds: 0,
    nextWaitSeconds: 0,
    rebooted: false,
    results: [],
  };
  return send(clients.ssm, progress, execution, 0);
};

const waitMore = (progress: PrepareProgress, limitMinutes: number, onTimeout: () => Error): PrepareProgress => {
  if (progress.waitedSeconds >= limitMinutes * 60) throw onTimeout();
  const checks = progress.checks + 1;
  const wait = Math.min(nextWait(checks + 1), limitMinutes * 60 - progress.waitedSeconds);
  return { ...progress, checks, nextWaitSeconds: wait, waitedSeconds: progress.waitedSeconds + wait };
};

const settle = async (ec2: EC2Client, progress: PrepareProgress): Promise<PrepareProgress> => {
  const { InstanceStatuses } = await ec2Call(`read the status of ${progress.instanceId} after prepare`, () =>
    ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [progress.instanceId], IncludeAllInstances: true })),
  );
  const status = InstanceStatuses?.[0];
  const state = status?.InstanceState?.Name ?? 'unknown';
  const system = status?.SystemStatus?.Status ?? 'initializing';
  const checks = status?.InstanceStatus?.Status ?? 'initializing';
  if (state === 'running' && system === 'ok' && checks === 'ok') return { ...progress, status: 'done', nextWaitSeconds: 0 };
  const said = `instance ${state}, system status ${system}, instance status ${checks}`;
  if (system === 'impaired' || checks === 'impaired' || ['stopped', 'stopping', 'shutting-down', 'terminated'].includes(state))
    throw new PrepareFailedError(`after its documents ran, ${progress.instanceId} is not healthy (${said}); no image was made`);
  return waitMore(
    { ...progress, rebooted: progress.rebooted || state === 'pending' || system === 'initializing' || checks === 'initializing' },
    SETTLE_MINUTES,
    () =>
      new PrepareTimedOutError(
        `after its documents ran, ${progress.instanceId}'s status checks did not pass within ${SETTLE_MINUTES} minutes (${said}); no image was made`,
      ),
  );
};

/**
 * A document past its time limit is cancelled before the rotation gives up on it, so it does not go on changing the
 * instance after the alert; a cancellation Systems Manager refuses is said instead, with the command to run.
 */
const cancelling = async (ssm: SSMClient, progress: PrepareProgress, look: () => PrepareProgress): Promise<PrepareProgress> => {
  try {
    return look();
  } catch (error) {
    if (!(error instanceof PrepareTimedOutError)) throw error;
    const refused = await ssm
      .send(new CancelCommandCommand({ CommandId: progress.commandId, InstanceIds: [progress.instanceId] }))
      .then(() => undefined)
      .catch((e: unknown) => awsErrorCode(e) ?? (e as Error).name);
    if (refused === undefined) throw error;
    throw new PrepareTimedOutError(
      error.message.replace(
        /it was cancelled \(CancelCommand [^)]*\)/,
        `cancelling it failed (${refused}): it may still be running there (aws ssm cancel-command --command-id ${progress.commandId})`,
      ),
    );
  }
};

/** One look: the running document's result (then the next document, or the status checks), or the next wait. */
export const checkPreparing = async (
  clients: { ec2: EC2Client; ssm: SSMClient },
  progress: PrepareProgress,
  execution: ExecutionRef,
): Promise<PrepareProgress> => {
  if (progress.status === 'settling') return settle(clients.ec2, progress);
  const doc = progress.documents[progress.index] as PrepareDocument;
  const what = `${doc.document} (${doc.label}, ${progress.index + 1} of ${progress.documents.length})`;
  const timedOut = () =>
    new PrepareTimedOutError(
      `${what} was not done after ${doc.timeoutMinutes} minutes on ${progress.instanceId}; it was cancelled (CancelCommand ${progress.commandId}); no image was made`,
    );
  let invocation: GetCommandInvocationCommandOutput;
  try {
    invocation = await clients.ssm.send(
      new GetCommandInvocationCommand({ CommandId: progress.commandId, InstanceId: progress.instanceId }),
    );
  } catch (error) {
    // Just sent, the invocation may not be known yet: look again.
    if (awsErrorCode(error) === 'InvocationDoesNotExist')
      return cancelling(clients.ssm, progress, () => waitMore(progress, doc.timeoutMinutes, timedOut));
    throw fromEc2Error(error, `read ${what}'s result on ${progress.instanceId}`);
  }
  const status = invocation.Status ?? 'Pending';
  const output = excerpt(invocation.StandardErrorContent, invocation.StandardOutputContent);
  if (COMMAND_FAILED.has(status))
    throw new PrepareFailedError(
      `${what} ended ${status} (${invocation.StatusDetails ?? status}) on ${progress.instanceId}${output ? `; its output ends: ${output}` : ''}; no image was made`,
    );
  if (status !== 'Success') return cancelling(clients.ssm, progress, () => waitMore(progress, doc.timeoutMinutes, timedOut));
  const results = [...progress.results, { label: doc.label, document: doc.document, commandId: progress.commandId, status, output }];
  if (progress.index + 1 < progress.documents.length) return send(clients.ssm, { ...progress, results }, execution, progress.index + 1);
  return settle(clients.ec2, { ...progress, results, index: progress.documents.length, status: 'settling', checks: 0, waitedSeconds: 0 });
};
