/**
 * The AWS JSON protocols, told apart by `X-Amz-Target`: Systems Manager's 1.1 (`AmazonSSM.<Action>`, errors
 * as `__type`) and CloudWatch's 1.0, query-compatible (the SDK names an error by the Query code that
 * `x-amzn-query-error` carries; `__type` is the JSON shape's name).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cloudWatchActions } from '../actions/cloudwatch.ts';
import { organizationsActions } from '../actions/organizations.ts';
import { ssmActions } from '../actions/ssm.ts';
import type { Serve } from '../serve.ts';
import { reply } from './reply.ts';

const SSM_TARGET = 'AmazonSSM.';
const ORGANIZATIONS_TARGET = 'AWSOrganizationsV20161128.';
/** CloudWatch's AWS JSON 1.0 target prefix (its Smithy service name). */
const CLOUDWATCH_TARGET = 'GraniteServiceVersion20100801.';

/** Whether a request speaks one of the JSON protocols. */
export const isJsonTarget = (target: unknown): target is string =>
  typeof target === 'string' && [SSM_TARGET, CLOUDWATCH_TARGET, ORGANIZATIONS_TARGET].some((prefix) => target.startsWith(prefix));

const parseBody = (raw: string): Record<string, unknown> | undefined => {
  try {
    const body: unknown = JSON.parse(raw || '{}');
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

export const handleJson = async (
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
  raw: string,
  requestId: string,
  serve: Serve,
) => {
  if (target.startsWith(SSM_TARGET) || target.startsWith(ORGANIZATIONS_TARGET)) {
    const organizations = target.startsWith(ORGANIZATIONS_TARGET);
    const action = target.slice((organizations ? ORGANIZATIONS_TARGET : SSM_TARGET).length);
    const sendJson = (status: number, payload: object) =>
      reply(res, status, JSON.stringify(payload), 'application/x-amz-json-1.1', { 'x-amzn-requestid': requestId });
    const body = parseBody(raw);
    if (!body) return sendJson(400, { __type: 'SerializationException', message: 'Request body is not JSON' });
    const actions = organizations ? organizationsActions : ssmActions;
    return serve(req, action, body, req.method === 'POST' ? actions[action] : undefined, {
      unknown: (name) => ['UnknownOperationException', `Unknown operation ${name}`],
      denied: { status: 400, code: 'AccessDeniedException', service: organizations ? 'organizations' : 'ssm' },
      internalCode: 'InternalServerError',
      error: (status, code, message) => sendJson(status, { __type: code, message }),
      ok: (result) => sendJson(200, result),
    });
  }
  const action = target.slice(CLOUDWATCH_TARGET.length);
  const sendJson = (status: number, payload: object, queryError?: string) =>
    reply(res, status, JSON.stringify(payload), 'application/x-amz-json-1.0', {
      'x-amzn-requestid': requestId,
      'x-amzn-query-error': queryError,
    });
  const body = parseBody(raw);
  if (!body) return sendJson(400, { __type: 'com.amazonaws.cloudwatch#SerializationException', message: 'Request body is not JSON' });
  return serve(req, action, body, cloudWatchActions[action], {
    unknown: (name) => ['UnknownOperationException', `Unknown operation ${name}`],
    internalCode: 'InternalServiceError',
    error: (status, code, message, error) =>
      sendJson(
        status,
        { __type: `com.amazonaws.cloudwatch#${error?.shape ?? code}`, message },
        `${code};${status < 500 ? 'Sender' : 'Receiver'}`,
      ),
    ok: (result) => sendJson(200, result),
  });
};
