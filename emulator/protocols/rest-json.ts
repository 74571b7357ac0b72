/**
 * The REST JSON protocol of Recycle Bin, EventBridge Scheduler and Lambda, with its one route table: the method and
 * path name the action, the path and query string carry parameters (Recycle Bin API Reference, ListRules
 * `POST /list-rules`, GetRule `GET /rules/{Identifier}`; Scheduler API Reference, ListSchedules `GET /schedules`,
 * GetSchedule `GET /schedules/{Name}`). Errors name the SDK's exception in `x-amzn-errortype`, with `Message` and,
 * where the service has one, `Reason`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Actions } from '../actions/context.ts';
import { lambdaActions } from '../actions/lambda.ts';
import { rbinActions } from '../actions/recycle-bin.ts';
import { schedulerActions } from '../actions/scheduler.ts';
import type { Serve } from '../serve.ts';
import { reply } from './reply.ts';

interface Route {
  method: string;
  /** The path, its named groups the path's parameters. */
  path: RegExp;
  action: string;
  actions: Actions;
  /** The service as IAM names it, when the emulator evaluates its callers (Scheduler is read only by the operator). */
  iam?: 'rbin';
}

const ROUTES: readonly Route[] = [
  { method: 'POST', path: /^\/list-rules$/, action: 'ListRules', actions: rbinActions, iam: 'rbin' },
  { method: 'GET', path: /^\/rules\/(?<Identifier>[^/?]+)$/, action: 'GetRule', actions: rbinActions, iam: 'rbin' },
  { method: 'GET', path: /^\/schedules$/, action: 'ListSchedules', actions: schedulerActions },
  { method: 'GET', path: /^\/schedules\/(?<Name>[^/]+)$/, action: 'GetSchedule', actions: schedulerActions },
  // Lambda API Reference, GetFunctionConfiguration: read by the operator's commands only, as Scheduler is.
  {
    method: 'GET',
    path: /^\/2015-03-31\/functions\/(?<FunctionName>[^/]+)\/configuration$/,
    action: 'GetFunctionConfiguration',
    actions: lambdaActions,
  },
];

/** Whether a request is REST JSON: its operation is a path, where EC2 and Auto Scaling only ever post to `/`. */
export const isRestPath = (url: string | undefined): boolean => url !== undefined && url !== '/' && !url.startsWith('/?');

export const handleRestJson = async (req: IncomingMessage, res: ServerResponse, raw: string, requestId: string, serve: Serve) => {
  const sendJson = (status: number, payload: object, errorType?: string) =>
    reply(res, status, JSON.stringify(payload), 'application/json', { 'x-amzn-requestid': requestId, 'x-amzn-errortype': errorType });
  const url = new URL(req.url ?? '/', 'http://emulator');
  // The path names the action; a method the path does not take is an operation the service does not have.
  const route = ROUTES.find((r) => r.path.test(url.pathname));
  const pathParams = Object.fromEntries(
    Object.entries(route?.path.exec(url.pathname)?.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
  );
  let body: Record<string, unknown>;
  try {
    body = { ...(JSON.parse(raw || '{}') as Record<string, unknown>), ...Object.fromEntries(url.searchParams.entries()), ...pathParams };
  } catch {
    return sendJson(400, { Message: 'Request body is not JSON', Reason: 'INVALID_PARAMETER_VALUE' }, 'ValidationException');
  }
  const definition = route && route.method === req.method ? route.actions[route.action] : undefined;
  return serve(req, route?.action ?? `${req.method} ${url.pathname}`, body, definition, {
    unknown: (name) => ['UnknownOperationException', `No operation ${name}`],
    ...(route?.iam ? { denied: { status: 403, code: 'AccessDeniedException', service: route.iam } } : {}),
    internalCode: 'InternalServerException',
    error: (status, code, message, error) =>
      sendJson(status, { Message: message, ...(error?.reason ? { Reason: error.reason } : {}) }, code),
    ok: (result) => sendJson(200, result),
  });
};
