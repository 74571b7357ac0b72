/**
 * The calls a state machine makes itself, evaluated as its role, as the emulator evaluates the functions' calls: a Task
 * invokes a function, starts and follows a child execution, publishes to SNS or puts events on EventBridge with the
 * state machine's role (Step Functions Developer Guide, "How Step Functions generates IAM policies for integrated
 * services"). A call the role does not allow fails the Task as Step Functions fails it, with the service's error.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Check } from '../emulator/dependent-checks.ts';
import { type Principal, refusalOf } from '../emulator/iam.ts';
import { allStates, type Json } from './definitions.ts';
import { stackRoles } from './stack-roles.ts';
import { PASS_TIME } from './world-clock.ts';

/** The role each state machine runs as, by its file in statemachine/ (serverless.yml, stepFunctions). */
export const stateMachineRoles = (): Record<string, string> => {
  const { stepFunctions } = parse(readFileSync(new URL('../serverless.yml', import.meta.url), 'utf8')) as {
    stepFunctions: { stateMachines: Record<string, { definition: string; role: { 'Fn::GetAtt': [string, string] } }> };
  };
  return Object.fromEntries(
    Object.values(stepFunctions.stateMachines).map((m) => [
      /statemachine\/([a-z-]+)\.asl\.json/.exec(m.definition)?.[1] ?? '',
      m.role['Fn::GetAtt'][0],
    ]),
  );
};

/** The roles of the stack in one account and region, resolved once: policies do not change while a process runs. */
const principals = new Map<string, Map<string, Principal>>();
const principalOf = (role: string, account: string, region: string): Principal => {
  const key = `${account} ${region}`;
  let roles = principals.get(key);
  if (!roles) {
    roles = new Map(stackRoles({ stage: 'local', accountId: account, region }).map((r) => [r.name, { arn: r.arn, policies: r.policies }]));
    principals.set(key, roles);
  }
  const principal = roles.get(role);
  if (!principal) throw new Error(`The state machine's role ${role} is not in infra/`);
  return principal;
};

type Input = Record<string, Json | undefined>;
const text = (value: Json | undefined) => (typeof value === 'string' ? value : '');

/**
 * What a Task asks of AWS as the state machine's role, by its resource and its effective parameters, with the error
 * Step Functions fails it with when refused: a service integration's errors are the service's exception names behind
 * its prefix (Step Functions Developer Guide, "Error names"); an access denial is the service's own or its generic one.
 */
export const taskChecks = (
  resource: string,
  input: Json,
  at: { region: string; account: string },
): { checks: Check[]; error: string } | undefined => {
  const given = (input ?? {}) as Input;
  if (resource === PASS_TIME) return undefined;
  if (resource.includes(':function:'))
    return { checks: [{ action: 'lambda:InvokeFunction', resource, context: {} }], error: 'Lambda.AWSLambdaException' };
  if (resource.endsWith(':states:::lambda:invoke.waitForTaskToken') || resource.endsWith(':states:::lambda:invoke'))
    return {
      checks: [{ action: 'lambda:InvokeFunction', resource: text(given.FunctionName), context: {} }],
      error: 'Lambda.AWSLambdaException',
    };
  if (resource.endsWith(':states:::sns:publish') || resource.endsWith(':states:::sns:publish.waitForTaskToken'))
    return { checks: [{ action: 'sns:Publish', resource: text(given.TopicArn), context: {} }], error: 'SNS.AuthorizationErrorException' };
  if (resource.endsWith(':states:::events:putEvents')) {
    const entries = (Array.isArray(given.Entries) ? given.Entries : []) as Input[];
    const buses = [...new Set(entries.map((e) => text(e.EventBusName) || 'default'))];
    // One authorization per bus, with every entry's source and detail type (EventBridge User Guide, "Using IAM policy conditions").
    return {
      checks: buses.map((bus) => ({
        action: 'events:PutEvents',
        resource: bus.startsWith('arn:') ? bus : `arn:aws:events:${at.region}:${at.account}:event-bus/${bus}`,
        context: {
          'events:source': entries.filter((e) => (text(e.EventBusName) || 'default') === bus).map((e) => text(e.Source)),
          'events:detail-type': entries.filter((e) => (text(e.EventBusName) || 'default') === bus).map((e) => text(e.DetailType)),
        },
      })),
      error: 'EventBridge.AmazonEventBridgeException',
    };
  }
  if (resource.endsWith(':states:::states:startExecution.sync:2')) {
    const machine = text(given.StateMachineArn);
    const executions = `${machine.replace(':stateMachine:', ':execution:')}:*`;
    const rule = `arn:aws:events:${at.region}:${at.account}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`;
    // The synchronous pattern: start the child, read and stop it, and the managed rule that hears it end.
    return {
      checks: [
        { action: 'states:StartExecution', resource: machine, context: {} },
        { action: 'states:DescribeExecution', resource: executions, context: {} },
        { action: 'states:StopExecution', resource: executions, context: {} },
        ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({ action, resource: rule, context: {} })),
      ],
      error: 'StepFunctions.AWSStepFunctionsException',
    };
  }
  throw new Error(`No authorization known for a Task of resource ${resource}: add it to local/state-machine-iam.ts`);
};

/** An error as Step Functions fails a Task with: its name, and the service's words in the cause. */
const refused = (name: string, message: string): Error => Object.assign(new Error(message), { name });

/** The local handler of each Task state, by state name. */
export type TaskHandlers = Record<string, (input: Json) => Promise<Json>>;

/** Each Task handler of a state machine, run only when the state machine's role may make the Task's calls. */
export const asStateMachineRole = (
  handlers: TaskHandlers,
  definition: { States: Record<string, { Resource?: string }> },
  file: string,
  at: { region: string; account: string },
): TaskHandlers => {
  const resources = Object.fromEntries(allStates(definition).map(([name, state]) => [name, state.Resource ?? '']));
  const role = stateMachineRoles()[file];
  if (!role) throw new Error(`statemachine/${file}.asl.json has no role in serverless.yml`);
  const principal = principalOf(role, at.account, at.region);
  return Object.fromEntries(
    Object.entries(handlers).map(([state, handler]) => [
      state,
      async (input: Json) => {
        const asked = taskChecks(resources[state] ?? '', input, at);
        const refusal = asked && (await refusalOf(principal, asked.checks, at.account, at.region));
        if (asked && refusal) throw refused(asked.error, refusal);
        return handler(input);
      },
    ]),
  );
};
