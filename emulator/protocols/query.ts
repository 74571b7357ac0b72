/**
 * The Query protocols, posted to `/`: EC2's own dialect and Auto Scaling's awsQuery (told apart by `Version`),
 * with the request id in the body and in `x-amzn-requestid` (the only place the SDK reads it from an error).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AUTO_SCALING_VERSION, autoScalingActions } from '../actions/auto-scaling.ts';
import type { Actions } from '../actions/context.ts';
import { imageActions } from '../actions/images.ts';
import { instanceActions } from '../actions/instances.ts';
import { launchTemplateActions } from '../actions/launch-templates.ts';
import { referenceActions } from '../actions/references.ts';
import { regionActions } from '../actions/regions.ts';
import { sharingActions } from '../actions/sharing.ts';
import { snapshotActions } from '../actions/snapshots.ts';
import { STS_NAMESPACE, STS_VERSION, stsActions } from '../actions/sts.ts';
import { tagActions } from '../actions/tags.ts';
import { usageReportActions } from '../actions/usage-reports.ts';
import { ServiceError } from '../error-response.ts';
import { parseQuery, type Query } from '../query.ts';
import type { RecordedRequest, Serve } from '../serve.ts';
import { errorXml, queryErrorXml, queryResponseXml, responseXml } from '../xml.ts';
import { reply } from './reply.ts';

export const EC2_ACTIONS: Actions<Query> = {
  ...imageActions,
  ...sharingActions,
  ...usageReportActions,
  ...instanceActions,
  ...regionActions,
  ...snapshotActions,
  ...tagActions,
  ...launchTemplateActions,
  ...referenceActions,
};

export const handleQuery = async (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  requestId: string,
  { serve, requests }: { serve: Serve; requests: RecordedRequest[] },
) => {
  const send = (status: number, xml: string) => reply(res, status, xml, undefined, { 'x-amzn-requestid': requestId });
  let params: Query;
  try {
    params = parseQuery(body);
  } catch (error) {
    // A request EC2 could not read is still answered, and recorded, as EC2 answers it: a 400 with its code.
    const refusal = error instanceof ServiceError ? error : new ServiceError('MalformedQueryString', String(error));
    requests.push({
      seq: requests.length + 1,
      action: '',
      params: {},
      status: 400,
      errorCode: refusal.code,
      injected: false,
      acted: false,
      mutating: false,
    });
    return send(400, errorXml(refusal.code, refusal.message, requestId));
  }
  const action = typeof params.Action === 'string' ? params.Action : '';
  // awsQuery (Auto Scaling, STS) answers in its Response/Result envelope, in the service's namespace; EC2 in its own.
  const awsQuery =
    params.Version === AUTO_SCALING_VERSION ? ('autoscaling' as const) : params.Version === STS_VERSION ? ('sts' as const) : undefined;
  const actions = awsQuery === 'autoscaling' ? autoScalingActions : awsQuery === 'sts' ? stsActions : EC2_ACTIONS;
  const namespace = awsQuery === 'sts' ? STS_NAMESPACE : undefined;
  const renderError = awsQuery ? (code: string, message: string, id: string) => queryErrorXml(code, message, id, namespace) : errorXml;
  const renderResponse = awsQuery ? (name: string, id: string, body: object) => queryResponseXml(name, id, body, namespace) : responseXml;
  return serve(req, action, params, req.method === 'POST' ? actions[action] : undefined, {
    unknown: (name) => ['InvalidAction', `The action ${name || '(none)'} is not valid for this web service.`],
    denied: awsQuery
      ? { status: 403, code: 'AccessDenied', service: awsQuery }
      : { status: 403, code: 'UnauthorizedOperation', service: 'ec2' },
    internalCode: 'InternalError',
    error: (status, code, message) => send(status, renderError(code, message, requestId)),
    ok: (result) => send(200, renderResponse(action, requestId, result)),
  });
};
