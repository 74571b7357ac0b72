/** What a local run of a state machine file is given and gives back (local/workflow.ts runs it). */

import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RbinClient } from '@aws-sdk/client-rbin';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { TopicMessage } from './callback-task.ts';
import type { BusEvent } from './event-bus.ts';
import type { LocalStepFunctions } from './sfn-endpoint.ts';
import type { EventLog } from './sfn-history.ts';

/** Every client a handler may take; each module picks the ones it needs. */
export interface AwsClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  sfn: SFNClient;
  ssm: SSMClient;
  recycleBin: RbinClient;
}

export interface Alert {
  subject: string;
  message: string;
  state: string;
}

export interface LocalRunOptions {
  input: unknown;
  executionName?: string;
  region?: string;
  accountId?: string;
  /** Milliseconds each Wait state really waits; 0 by default (the planned seconds are still reported). */
  waitMs?: number;
  /** Milliseconds between Retry attempts; 0 by default. */
  retryMs?: number;
  /** Wait and retry for real, as Step Functions would (for a real account); `waitMs` and `retryMs` are then ignored. */
  realTime?: boolean;
  /** Each function's time limit, by function name (e.g. `prune-images`); 900 s when absent. */
  lambdaTimeoutMs?: Readonly<Record<string, number>>;
  /**
   * Lets the world's time pass while a callback task waits (locally, time is not slept): moves a clock on by at most
   * the seconds given and returns how many passed (the emulator's `passTime`, in its time mode). Absent: a waiting
   * task's deadline passes at once.
   */
  passTime?: (seconds: number) => number;
  /**
   * The world's clock (the emulator's, in its time mode), with `passTime`: the waits' checks are planned by it, and
   * SweepWaits runs at each of its whole minutes while a callback task waits, as the stack's schedule invokes it.
   */
  now?: () => Date;
  /** Called for every execution event as it happens, e.g. to print progress. */
  onEvent?: (event: EventLog, elapsedMs: number) => void;
  /** Where the run's executions are listed for the concurrency guard; one shared per process when absent. */
  stepFunctions?: LocalStepFunctions;
  /**
   * AWS clients for each function, by the role it runs as (serverless.yml), instead of the defaults; or one set for
   * every function. By default each function's clients follow the standard AWS settings and are signed as its role,
   * so the emulator evaluates every call against that role's policies; with `identity: 'environment'` (a real
   * account) every function uses the environment's own credentials.
   */
  clients?: Partial<AwsClients> | ((role: string, region: string | undefined) => Partial<AwsClients>);
  identity?: 'roles' | 'environment';
  /** Wraps a handler call (by function file) or an SNS publish (`sns:publish`), e.g. to inject a crash after EC2 accepted a request. */
  interceptInvoke?: (functionName: string, invoke: () => Promise<unknown>, attempt: number) => Promise<unknown>;
  /** Which state machine of the stack runs, by its file in statemachine/: the rotation unless told (`rollback`). */
  stateMachine?: 'rotate-ami' | 'rollback' | 'promote';
  /**
   * The folder whose functions/ and statemachine/ run: this repository's unless told (an earlier release's, for the
   * upgrade test). Read at each invocation and at each execution's start, as Lambda and Step Functions run what is
   * deployed at that moment: switching it mid-execution is an upgrade under way.
   */
  files?: () => URL;
  /**
   * A subscriber of the alert topic: each message a callback task publishes there (a promotion's approval request),
   * delivered before the task waits for its answer; a person reading it may answer (`ami-rotator approve`) at once.
   */
  onTopicMessage?: (message: TopicMessage) => Promise<void>;
}

export interface LocalRunResult {
  status: 'SUCCEEDED' | 'FAILED';
  output: unknown;
  error: string | undefined;
  cause: string | undefined;
  alerts: Alert[];
  /** What the execution put on the event bus (AMI Rotated, AMI Rotation Failed). */
  busEvents: BusEvent[];
  events: EventLog[];
  /** States entered: what Step Functions bills as state transitions. */
  transitions: number;
  executionArn: string;
}
