/**
 * The boot test's instance: launched from the new image with a token derived from the execution (a
 * retried launch makes no second instance), tagged so that it can always be found again and removed,
 * and terminated on every way out. Instances an earlier execution left (it crashed, or was stopped)
 * are terminated once they are older than any boot test could be.
 */
import { createHash } from 'node:crypto';
import { DescribeInstancesCommand, type EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { ec2Call, fromEc2Error } from '../aws/ec2-errors.ts';
import { awsErrorCode } from '../aws/failures.ts';
import type { BootTest } from './boot-test-request.ts';
import type { ExecutionRef } from './naming.ts';
import { TAG, toEc2Tags } from './tags.ts';

/** Where a boot test stands; the state machine carries it between checks. */
export interface BootTestProgress {
  instanceId: string;
  instanceType: string;
  subnetId: string;
  launchedAt: string;
  status: 'booting' | 'checking-credentials' | 'running-command' | 'passed' | 'failed';
  /** Why it failed, or what passed: for the alert and the summary. */
  reason: string;
  /** The error the workflow raises for a failed test: BootTestFailed, or ImageHoldsCredentials with `credentialFiles`. */
  verdict?: 'BootTestFailed' | 'ImageHoldsCredentials';
  /** Where the credential check found long-lived credentials on the launched copy: paths, never contents. */
  credentialFiles?: string[];
  checks: number;
  nextWaitSeconds: number;
  waitedSeconds: number;
  commandId?: string;
  /** Test instances of earlier executions that this launch terminated. */
  reaped: string[];
}

/** The capacity answers that another type or subnet may not get (EC2 API Reference, Common client error codes). */
const TRY_ELSEWHERE = new Set(['InsufficientInstanceCapacity', 'Unsupported', 'InsufficientCapacity', 'InsufficientFreeAddressesInSubnet']);
/** The first check's wait: EC2 status checks start after the instance is running, a minute or two. */
export const FIRST_BOOT_WAIT_SECONDS = 60;
/** A leftover is an instance older than this many minutes past the longest boot test. */
const LEFTOVER_MARGIN_MINUTES = 15;
const LIVE = ['pending', 'running', 'stopping', 'stopped'];

/** A ClientToken per execution and placement (at most 64 ASCII characters, RunInstances). */
const clientToken = (execution: ExecutionRef, instanceType: string, subnetId: string) =>
  `ami-rotator-${createHash('sha256').update(`${execution.id}\n${instanceType}\n${subnetId}`).digest('hex').slice(0, 48)}`;

/** Live instances tagged as boot tests, with their executions and launch times. */
const testInstances = async (ec2: EC2Client, execution?: string) => {
  const { Reservations } = await ec2Call('list boot test instances', () =>
    ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          execution ? { Name: `tag:${TAG.bootTest}`, Values: [execution] } : { Name: 'tag-key', Values: [TAG.bootTest] },
          { Name: 'instance-state-name', Values: LIVE },
        ],
      }),
    ),
  );
  return (Reservations ?? []).flatMap((r) => r.Instances ?? []);
};

const terminate = async (ec2: EC2Client, instanceIds: string[]): Promise<void> => {
  if (instanceIds.length === 0) return;
  try {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
  } catch (error) {
    // Already gone is what was wanted.
    if (awsErrorCode(error) === 'InvalidInstanceID.NotFound') return;
    throw fromEc2Error(error, `terminate boot test instance(s) ${instanceIds.join(', ')}`);
  }
};

/** Terminates the boot test instances of other executions that outlived any boot test. */
export const reapLeftovers = async (ec2: EC2Client, execution: ExecutionRef, bootTest: BootTest, now: Date): Promise<string[]> => {
  const limit = now.getTime() - (bootTest.timeoutMinutes + LEFTOVER_MARGIN_MINUTES) * 60_000;
  const stale = (await testInstances(ec2))
    .filter((i) => i.Tags?.find((t) => t.Key === TAG.bootTest)?.Value !== execution.id)
    .filter((i) => (i.LaunchTime?.getTime() ?? now.getTime()) < limit)
    .map((i) => i.InstanceId ?? '')
    .filter(Boolean);
  await terminate(ec2, stale);
  return stale;
};

export const launchTestInstance = async (
  ec2: EC2Client,
  image: { imageId: string; name: string },
  bootTest: BootTest,
  execution: ExecutionRef,
  now: Date,
): Promise<BootTestProgress> => {
  const reaped = await reapLeftovers(ec2, execution, bootTest, now);
  const tags = toEc2Tags({ Name: `ami-rotator boot test of ${image.name}`, [TAG.bootTest]: execution.id, [TAG.imageId]: image.imageId });
  const refused: string[] = [];
  for (const instanceType of bootTest.instanceTypes) {
    for (const subnetId of bootTest.subnetIds) {
      try {
        const { Instances } = await ec2.send(
          new RunInstancesCommand({
            ImageId: image.imageId,
            InstanceType: instanceType as never,
            MinCount: 1,
            MaxCount: 1,
            SubnetId: subnetId,
            ...(bootTest.securityGroupIds.length ? { SecurityGroupIds: bootTest.securityGroupIds } : {}),
            ...(bootTest.instanceProfile ? { IamInstanceProfile: { Name: bootTest.instanceProfile } } : {}),
            ClientToken: clientToken(execution, instanceType, subnetId),
            // A test instance that shuts itself down is gone, not left stopped; IMDSv2 only.
            InstanceInitiatedShutdownBehavior: 'terminate',
            MetadataOptions: { HttpTokens: 'required' },
            TagSpecifications: [
              { ResourceType: 'instance', Tags: tags },
              { ResourceType: 'volume', Tags: tags },
            ],
          }),
        );
        return {
          instanceId: Instances?.[0]?.InstanceId ?? '',
          instanceType,
          subnetId,
          launchedAt: now.toISOString(),
          status: 'booting',
          reason: `launched as ${instanceType} in ${subnetId}${refused.length ? ` (${refused.join('; ')})` : ''}`,
          checks: 0,
          nextWaitSeconds: FIRST_BOOT_WAIT_SECONDS,
          waitedSeconds: FIRST_BOOT_WAIT_SECONDS,
          reaped,
        };
      } catch (error) {
        const code = awsErrorCode(error);
        if (code === undefined || !TRY_ELSEWHERE.has(code)) throw fromEc2Error(error, `launch a boot test instance of ${image.imageId}`);
        refused.push(`${instanceType} in ${subnetId}: ${code}`);
      }
    }
  }
  return {
    instanceId: '',
    instanceType: '',
    subnetId: '',
    launchedAt: now.toISOString(),
    status: 'failed',
    verdict: 'BootTestFailed',
    reason: `no instance could be launched: ${refused.join('; ')}. Add instance types or subnets in other zones to bootTest.`,
    checks: 0,
    nextWaitSeconds: 0,
    waitedSeconds: 0,
    reaped,
  };
};

/**
 * Terminates this execution's test instance: the one it knows, and any other tagged with the execution
 * (a launch whose answer was lost, or a Lambda that died after launching). Safe to repeat.
 */
export const terminateTestInstance = async (ec2: EC2Client, execution: ExecutionRef, known?: string): Promise<string[]> => {
  const found = (await testInstances(ec2, execution.id)).map((i) => i.InstanceId ?? '').filter(Boolean);
  const all = [...new Set([...(known ? [known] : []), ...found])];
  await terminate(ec2, all);
  return all;
};
