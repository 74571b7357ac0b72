/**
 * Judges a booting test instance, one look at a time (the state machine waits between looks): EC2's
 * system and instance status checks must both pass (DescribeInstanceStatus); an impaired check, an
 * instance that stopped or terminated, or the time limit fails the test. With Systems Manager (an instance
 * profile), the credential check then runs on the launched copy: an image that holds long-lived credentials
 * is refused (ImageHoldsCredentials), whatever prepare meant to clean. With an SSM document, the document then
 * runs on the instance (SendCommand) and must end in Success (GetCommandInvocation).
 */
import { DescribeInstanceStatusCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ec2Call, fromEc2Error } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';
import type { BootTestProgress } from './boot-test.ts';
import type { BootTest } from './boot-test-request.ts';

/** Between looks: 30 s, doubling to 2 minutes (status checks settle within minutes). */
const nextWait = (checks: number) => Math.min(120, 30 * 2 ** Math.max(0, checks - 1));
/** How much of a command's output the alert quotes. */
const OUTPUT_EXCERPT = 1500;
const COMMAND_DONE_BAD = new Set(['Cancelled', 'TimedOut', 'Failed', 'Cancelling']);

const waitMore = (progress: BootTestProgress, bootTest: BootTest, status: BootTestProgress['status'], reason: string, extra = {}) => {
  const checks = progress.checks + 1;
  const limit = bootTest.timeoutMinutes * 60;
  if (progress.waitedSeconds >= limit)
    return {
      ...progress,
      ...extra,
      checks,
      status: 'failed' as const,
      verdict: 'BootTestFailed' as const,
      nextWaitSeconds: 0,
      reason: `not done after ${bootTest.timeoutMinutes} minutes: ${reason}`,
    };
  const wait = Math.min(nextWait(checks), limit - progress.waitedSeconds);
  return { ...progress, ...extra, checks, status, reason, nextWaitSeconds: wait, waitedSeconds: progress.waitedSeconds + wait };
};

const done = (progress: BootTestProgress, status: 'passed' | 'failed', reason: string): BootTestProgress => ({
  ...progress,
  checks: progress.checks + 1,
  status,
  reason,
  nextWaitSeconds: 0,
  ...(status === 'failed' ? { verdict: 'BootTestFailed' as const } : {}),
});

const lookAtStatus = async (ec2: EC2Client, progress: BootTestProgress): Promise<{ state: string; system: string; instance: string }> => {
  const { InstanceStatuses } = await ec2Call(`read the status of boot test instance ${progress.instanceId}`, () =>
    ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [progress.instanceId], IncludeAllInstances: true })),
  );
  const status = InstanceStatuses?.[0];
  return {
    state: status?.InstanceState?.Name ?? 'unknown',
    system: status?.SystemStatus?.Status ?? 'initializing',
    instance: status?.InstanceStatus?.Status ?? 'initializing',
  };
};

/**
 * Where long-lived credentials are usually left on a Linux image, for root and every user: AWS access keys
 * (~/.aws/credentials), registry logins (~/.docker/config.json), git tokens (~/.git-credentials), passwords for
 * other hosts (~/.netrc), and AWS keys exported from a shell profile or /etc/environment. The script prints the
 * paths of those that exist and are not empty (and, for the profiles, that name an AWS secret key), never contents.
 */
export const CREDENTIAL_FILES = ['.aws/credentials', '.docker/config.json', '.git-credentials', '.netrc'];
const PROFILES = [
  '/etc/environment',
  '/root/.bashrc',
  '/root/.bash_profile',
  '/root/.profile',
  '/home/*/.bashrc',
  '/home/*/.bash_profile',
  '/home/*/.profile',
];
export const CREDENTIAL_CHECK_COMMANDS = [
  `for f in ${CREDENTIAL_FILES.flatMap((f) => [`/root/${f}`, `/home/*/${f}`]).join(' ')}; do [ -s "$f" ] && echo "FOUND $f"; done`,
  `grep -l AWS_SECRET_ACCESS_KEY ${PROFILES.join(' ')} 2>/dev/null | sed 's/^/FOUND /'`,
  'true',
];
/** AWS-RunShellScript: an AWS-owned document every managed Linux instance runs (Systems Manager User Guide, "AWS-RunShellScript"). */
const SHELL_DOCUMENT = 'AWS-RunShellScript';

/** The paths the credential check printed. */
export const foundCredentials = (output: string): string[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('FOUND '))
    .map((line) => line.slice('FOUND '.length).trim())
    .filter(Boolean);

const runCommand = async (ssm: SSMClient, progress: BootTestProgress, bootTest: BootTest): Promise<BootTestProgress> => {
  const checking = progress.status === 'checking-credentials';
  const document = checking ? SHELL_DOCUMENT : (bootTest.ssmDocument ?? '');
  const phase = progress.status as 'checking-credentials' | 'running-command';
  if (!progress.commandId) {
    try {
      const { Command } = await ssm.send(
        new SendCommandCommand({
          DocumentName: document,
          InstanceIds: [progress.instanceId],
          Comment: checking ? 'ami-rotator boot test: credential check' : 'ami-rotator boot test',
          ...(checking ? { Parameters: { commands: CREDENTIAL_CHECK_COMMANDS } } : {}),
        }),
      );
      return waitMore(progress, bootTest, phase, checking ? 'checking the image for credentials' : `running ${document}`, {
        commandId: Command?.CommandId ?? '',
      });
    } catch (error) {
      // Until its agent has registered, SSM does not know the instance: look again.
      if (awsErrorCode(error) === 'InvalidInstanceId') return waitMore(progress, bootTest, phase, 'waiting for the SSM agent to register');
      throw fromEc2Error(error, `run ${document} on ${progress.instanceId}`);
    }
  }
  try {
    const invocation = await ssm.send(new GetCommandInvocationCommand({ CommandId: progress.commandId, InstanceId: progress.instanceId }));
    const status = invocation.Status ?? 'Pending';
    if (status === 'Success' && checking) {
      const found = foundCredentials(invocation.StandardOutputContent ?? '');
      if (found.length > 0)
        return {
          ...done(
            progress,
            'failed',
            `the image holds long-lived credentials: ${found.join(', ')} (paths only; remove them on the source, e.g. with prepare's clean)`,
          ),
          verdict: 'ImageHoldsCredentials',
          credentialFiles: found,
        };
      // Clean: the user's document next, if any.
      if (!bootTest.ssmDocument) return done(progress, 'passed', 'status checks passed and no credential files were found');
      const { commandId: _checked, ...rest } = progress;
      return runCommand(ssm, { ...rest, status: 'running-command' }, bootTest);
    }
    if (status === 'Success') return done(progress, 'passed', `status checks passed, no credential files, and ${document} succeeded`);
    if (COMMAND_DONE_BAD.has(status)) {
      const output = `${invocation.StandardErrorContent ?? ''}\n${invocation.StandardOutputContent ?? ''}`.trim().slice(-OUTPUT_EXCERPT);
      return done(
        progress,
        'failed',
        `${document} ended ${status} (${invocation.StatusDetails ?? status})${output ? `; its output ends: ${output}` : ''}`,
      );
    }
    return waitMore(progress, bootTest, phase, `${document} is ${status}`);
  } catch (error) {
    if (awsErrorCode(error) === 'InvocationDoesNotExist') return waitMore(progress, bootTest, phase, `${document} is not yet known`);
    throw fromEc2Error(error, `read ${document}'s result on ${progress.instanceId}`);
  }
};

export const checkTestInstance = async (
  clients: { ec2: EC2Client; ssm: SSMClient },
  progress: BootTestProgress,
  bootTest: BootTest,
): Promise<BootTestProgress> => {
  if (progress.status === 'running-command' || progress.status === 'checking-credentials')
    return runCommand(clients.ssm, progress, bootTest);
  const { state, system, instance } = await lookAtStatus(clients.ec2, progress);
  if (['stopping', 'stopped', 'shutting-down', 'terminated'].includes(state))
    return done(
      progress,
      'failed',
      `the instance ${state === 'terminated' || state === 'shutting-down' ? 'terminated' : 'stopped'} while booting (${state})`,
    );
  if (system === 'impaired' || instance === 'impaired')
    return done(progress, 'failed', `status checks failed: system ${system}, instance ${instance} (the image does not boot healthy)`);
  if (state === 'running' && system === 'ok' && instance === 'ok')
    // With Systems Manager on the test instance (an instance profile), the credential check first.
    return bootTest.instanceProfile
      ? runCommand(clients.ssm, { ...progress, status: 'checking-credentials' }, bootTest)
      : done(progress, 'passed', 'system and instance status checks passed');
  return waitMore(progress, bootTest, 'booting', `instance ${state}, system status ${system}, instance status ${instance}`);
};
