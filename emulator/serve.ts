/**
 * One request, whatever the protocol: recorded, authorized as its caller, faults injected before or after acting,
 * the action run, answered in the protocol's own words (its Dialect). Every protocol of emulator/protocols/ ends here.
 */
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext, ActionDef } from './actions/context.ts';
import { ServiceError } from './error-response.ts';
import { type Faults, faultStatus } from './faults.ts';
import { authorize, type IamSettings } from './iam.ts';
import type { Query } from './query.ts';

export interface RecordedRequest {
  seq: number;
  action: string;
  params: Query;
  status: number;
  errorCode: string | undefined;
  /** The error was injected by a fault rule rather than produced by the action. */
  injected: boolean;
  /** The action was carried out (its effects are in the store), whatever the response said. */
  acted: boolean;
  /** The action changes the account (as its definition declares), whether or not it was carried out. */
  mutating: boolean;
  /** The region the request was signed for (the emulator's own when it was not signed). */
  region?: string;
}

/** How one service's protocol names and renders what `serve` decides. */
export interface Dialect {
  /** The service's code and message for an action it does not have. */
  unknown: (action: string) => [code: string, message: string];
  internalCode: string;
  /** The service's answer to a call its caller may not make, and the service as IAM names it. */
  denied?: { status: number; code: string; service: 'ec2' | 'ssm' | 'autoscaling' | 'rbin' | 'sts' | 'organizations' };
  /** Renders a refusal; `error` is the action's own ServiceError when it threw one. */
  error: (status: number, code: string, message: string, error?: ServiceError) => void;
  ok: (result: object) => void;
}

export interface ServeDeps {
  requests: RecordedRequest[];
  faults: Faults;
  /** The account as the region the request is signed for holds it: each region's resources are its own. */
  contextFor: (req: IncomingMessage) => ActionContext;
  iam: IamSettings | undefined;
}

export type Serve = <P extends Record<string, unknown>>(
  req: IncomingMessage,
  action: string,
  params: P,
  definition: ActionDef<P> | undefined,
  dialect: Dialect,
) => Promise<void>;

export const makeServe =
  ({ requests, faults, contextFor, iam }: ServeDeps): Serve =>
  async (req, action, params, definition, dialect) => {
    const ctx = contextFor(req);
    const record: RecordedRequest = {
      seq: requests.length + 1,
      action,
      params: params as Query,
      status: 200,
      errorCode: undefined,
      injected: false,
      acted: false,
      mutating: definition?.mutating ?? false,
      region: ctx.options.region,
    };
    requests.push(record);
    const fail = (status: number, code: string, message: string, injected: boolean, error?: ServiceError) => {
      Object.assign(record, { status, errorCode: code, injected });
      dialect.error(status, code, message, error);
    };
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (definition === undefined) return fail(400, ...dialect.unknown(action), false);
    const authorization = dialect.denied
      ? await authorize(iam, req.headers.authorization, {
          ...dialect.denied,
          action,
          params,
          store: ctx.store,
          region: ctx.options.region,
          storeIn: ctx.storeIn,
          organization: ctx.organization,
        })
      : { allowed: true as const };
    if (!authorization.allowed) return fail(authorization.status, authorization.code, authorization.message, false);
    const requestCtx =
      authorization.callerMayDescribeImages === undefined
        ? ctx
        : { ...ctx, callerMayDescribeImages: authorization.callerMayDescribeImages };
    const before = faults.pick(action, params, 'before', ctx.options.region);
    if (before) return fail(faultStatus(before.code), before.code, `Injected fault: ${before.code}`, true);
    let result: object;
    try {
      result = definition.run(params, requestCtx);
    } catch (error) {
      if (error instanceof ServiceError) return fail(error.status, error.code, error.message, false, error);
      return fail(500, dialect.internalCode, `Emulator error: ${error instanceof Error ? error.message : String(error)}`, false);
    }
    record.acted = true;
    const after = faults.pick(action, params, 'after', ctx.options.region);
    if (after) return fail(faultStatus(after.code), after.code, `Injected fault after the action was carried out: ${after.code}`, true);
    dialect.ok(result);
  };
