/**
 * An EC2 Query API emulator on loopback: what the unmodified Lambdas reach through
 * `AWS_ENDPOINT_URL_EC2`. State lives in memory; faults are injected per test; every request is recorded.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUTO_SCALING_VERSION, autoScalingActions } from './actions/auto-scaling.ts';
import { CloudWatchErrorResponse, cloudWatchActions } from './actions/cloudwatch.ts';
import type { Action, ActionContext, EmulatorOptions } from './actions/context.ts';
import { imageActions } from './actions/images.ts';
import { instanceActions } from './actions/instances.ts';
import { launchTemplateActions } from './actions/launch-templates.ts';
import { rbinRoute } from './actions/recycle-bin.ts';
import { referenceActions } from './actions/references.ts';
import { schedulerRoute } from './actions/scheduler.ts';
import { snapshotActions } from './actions/snapshots.ts';
import { SsmErrorResponse, ssmActions } from './actions/ssm.ts';
import { tagActions } from './actions/tags.ts';
import { Ec2ErrorResponse, RestJsonErrorResponse } from './error-response.ts';
import { type FaultPlan, Faults, faultStatus, parseFaultPlan } from './faults.ts';
import { loadFixture } from './fixture.ts';
import { authorize, type IamSettings } from './iam.ts';
import { MUTATING_ACTIONS } from './mutating-actions.ts';
import { parseQuery, type Query } from './query.ts';
import { Store } from './store.ts';
import { errorXml, queryErrorXml, queryResponseXml, responseXml } from './xml.ts';

/** CloudWatch's AWS JSON 1.0 target prefix (its Smithy service name). */
const CLOUDWATCH_TARGET = 'GraniteServiceVersion20100801.';

const ACTIONS: Record<string, Action> = {
  ...imageActions,
  ...instanceActions,
  ...snapshotActions,
  ...tagActions,
  ...launchTemplateActions,
  ...referenceActions,
};

interface RecordedRequest {
  seq: number;
  action: string;
  params: Query;
  status: number;
  errorCode: string | undefined;
  /** The error was injected by a fault rule rather than produced by the action. */
  injected: boolean;
  /** The action was carried out (its effects are in the store), whatever the response said. */
  acted: boolean;
}

export interface EmulatorSettings {
  port?: number;
  fixture?: unknown;
  region?: string;
  pendingPolls?: number;
  /** Reads of a new `aws:ec2:image` parameter value that still see the old one (1 by default). */
  parameterValidationReads?: number;
  /** Looks at a launched instance's status checks that still see `initializing` (1 by default). */
  bootPolls?: number;
  now?: () => Date;
  /** The roles whose calls are evaluated against their policies, by access key id (emulator/iam.ts); none when absent. */
  iam?: IamSettings;
}

export interface Ec2Emulator {
  /** The endpoint to put in `AWS_ENDPOINT_URL_EC2`. */
  readonly url: string;
  readonly store: Store;
  readonly faults: Faults;
  readonly requests: RecordedRequest[];
  readonly options: EmulatorOptions;
  /** How many requests of each action were answered (including injected faults). */
  countByAction(): Record<string, number>;
  /** Every request for a mutating action, whether or not it succeeded. */
  mutatingRequests(): RecordedRequest[];
  injectFaults(plan: FaultPlan): void;
  seed(fixture: unknown): void;
  /** Empties the account, the request record and the fault plan. */
  reset(): void;
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export const startEmulator = async (settings: EmulatorSettings = {}): Promise<Ec2Emulator> => {
  const store = new Store();
  const faults = new Faults();
  const options: EmulatorOptions = {
    region: settings.region ?? 'us-east-1',
    pendingPolls: settings.pendingPolls ?? 1,
    parameterValidationReads: settings.parameterValidationReads ?? 1,
    bootPolls: settings.bootPolls ?? 1,
    now: settings.now ?? (() => new Date()),
  };
  const ctx: ActionContext = { store, faults, options };
  const requests: RecordedRequest[] = [];
  if (settings.fixture !== undefined) loadFixture(store, settings.fixture, options.now());

  // EC2 and Auto Scaling carry the request id in the body and, as every AWS answer does, in `x-amzn-requestid`
  // (the only place the SDK reads it from an error).
  const send = (res: ServerResponse, status: number, body: string, type = 'text/xml;charset=UTF-8', requestId?: string) => {
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      ...(requestId ? { 'x-amzn-requestid': requestId } : {}),
    });
    res.end(body);
  };

  const control = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (req.method === 'GET' && req.url === '/_emulator/requests') return send(res, 200, JSON.stringify(requests), 'application/json');
    if (req.method === 'GET' && req.url === '/_emulator/state') {
      return send(
        res,
        200,
        JSON.stringify({
          instances: [...store.instances.values()],
          images: [...store.images.values()],
          snapshots: [...store.snapshots.values()],
          launchTemplates: [...store.launchTemplates.values()],
        }),
        'application/json',
      );
    }
    if (req.method === 'POST' && req.url === '/_emulator/faults') {
      const plan = parseFaultPlan(body);
      if (typeof plan === 'string') return send(res, 400, JSON.stringify({ error: plan }), 'application/json');
      faults.set(plan);
      return send(res, 204, '');
    }
    return send(res, 404, JSON.stringify({ error: `no control endpoint ${req.method} ${req.url}` }), 'application/json');
  };

  /** How one service's protocol names and renders what `serve` decides. */
  interface Dialect {
    /** The service's code and message for an action it does not have. */
    unknown: (action: string) => [code: string, message: string];
    /** The service's own refusal, when the handler threw one. */
    refusal: (error: unknown) => { status: number; code: string; message: string } | undefined;
    internalCode: string;
    /** The service's answer to a call its caller may not make, and the service as IAM names it. */
    denied?: { status: number; code: string; service: 'ec2' | 'ssm' | 'autoscaling' | 'rbin' };
    error: (status: number, code: string, message: string) => void;
    ok: (result: object) => void;
  }

  /** One request, whatever the protocol: recorded, faults injected before or after acting, answered. */
  const serve = async <P extends Record<string, unknown>>(
    req: IncomingMessage,
    action: string,
    params: P,
    handler: ((params: P, ctx: ActionContext) => object) | undefined,
    dialect: Dialect,
  ) => {
    const record: RecordedRequest = {
      seq: requests.length + 1,
      action,
      params: params as Query,
      status: 200,
      errorCode: undefined,
      injected: false,
      acted: false,
    };
    requests.push(record);
    const fail = (status: number, code: string, message: string, injected: boolean) => {
      Object.assign(record, { status, errorCode: code, injected });
      dialect.error(status, code, message);
    };
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (handler === undefined) return fail(400, ...dialect.unknown(action), false);
    const authorization = dialect.denied
      ? await authorize(settings.iam, req.headers.authorization, { ...dialect.denied, action, params, store, region: options.region })
      : { allowed: true as const };
    if (!authorization.allowed) return fail(authorization.status, authorization.code, authorization.message, false);
    const requestCtx =
      authorization.callerMayDescribeImages === undefined
        ? ctx
        : { ...ctx, callerMayDescribeImages: authorization.callerMayDescribeImages };
    const before = faults.pick(action, params, 'before');
    if (before) return fail(faultStatus(before.code), before.code, `Injected fault: ${before.code}`, true);
    let result: object;
    try {
      result = handler(params, requestCtx);
    } catch (error) {
      const refusal = dialect.refusal(error);
      if (refusal) return fail(refusal.status, refusal.code, refusal.message, false);
      return fail(500, dialect.internalCode, `Emulator error: ${error instanceof Error ? error.message : String(error)}`, false);
    }
    record.acted = true;
    const after = faults.pick(action, params, 'after');
    if (after) return fail(faultStatus(after.code), after.code, `Injected fault after the action was carried out: ${after.code}`, true);
    dialect.ok(result);
  };

  const handleSsm = async (req: IncomingMessage, res: ServerResponse, action: string, raw: string, requestId: string) => {
    const sendJson = (status: number, payload: object) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
      res.end(JSON.stringify(payload));
    };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      return sendJson(400, { __type: 'SerializationException', message: 'Request body is not JSON' });
    }
    return serve(req, action, body, req.method === 'POST' ? ssmActions[action] : undefined, {
      unknown: (name) => ['UnknownOperationException', `Unknown operation ${name}`],
      denied: { status: 400, code: 'AccessDeniedException', service: 'ssm' },
      refusal: (error) => (error instanceof SsmErrorResponse ? { status: 400, code: error.code, message: error.message } : undefined),
      internalCode: 'InternalServerError',
      error: (status, code, message) => sendJson(status, { __type: code, message }),
      ok: (result) => sendJson(200, result),
    });
  };

  const handleCloudWatch = async (req: IncomingMessage, action: string, raw: string, requestId: string, res: ServerResponse) => {
    const sendJson = (status: number, payload: object, queryError?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': requestId,
        // Query-compatible: the SDK names the error by the Query code this header carries.
        ...(queryError ? { 'x-amzn-query-error': queryError } : {}),
      });
      res.end(JSON.stringify(payload));
    };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      return sendJson(400, { __type: 'com.amazonaws.cloudwatch#SerializationException', message: 'Request body is not JSON' });
    }
    const shapes = new Map<string, string>();
    const handler = cloudWatchActions[action];
    return serve(req, action, body, handler ? (params: Record<string, unknown>) => handler(params, store) : undefined, {
      unknown: (name) => ['UnknownOperationException', `Unknown operation ${name}`],
      refusal: (error) => {
        if (!(error instanceof CloudWatchErrorResponse)) return undefined;
        shapes.set(error.code, error.shape);
        return { status: 400, code: error.code, message: error.message };
      },
      internalCode: 'InternalServiceError',
      error: (status, code, message) =>
        sendJson(
          status,
          { __type: `com.amazonaws.cloudwatch#${shapes.get(code) ?? code}`, message },
          `${code};${status < 500 ? 'Sender' : 'Receiver'}`,
        ),
      ok: (result) => sendJson(200, result),
    });
  };

  /** Recycle Bin and EventBridge Scheduler speak REST JSON: the path names the action. */
  const handleRestJson = async (req: IncomingMessage, res: ServerResponse, raw: string, requestId: string) => {
    const sendJson = (status: number, payload: object, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(payload));
    };
    const url = new URL(req.url ?? '/', 'http://emulator');
    const route = rbinRoute(req.method ?? '', url.pathname) ?? schedulerRoute(req.method ?? '', url.pathname, url.searchParams);
    let body: Record<string, unknown>;
    try {
      body = { ...(JSON.parse(raw || '{}') as Record<string, unknown>), ...route?.params };
    } catch {
      return sendJson(400, { Message: 'Request body is not JSON', Reason: 'INVALID_PARAMETER_VALUE' }, 'ValidationException');
    }
    const reasons = new Map<string, string>();
    const handler = route?.handler;
    return serve(
      req,
      route?.action ?? `${req.method} ${url.pathname}`,
      body,
      handler ? (params: Record<string, unknown>) => handler(params, store) : undefined,
      {
        unknown: (name) => ['UnknownOperationException', `No operation ${name}`],
        // Recycle Bin only: Scheduler is read by the operator's command, never by a function.
        ...(rbinRoute(req.method ?? '', url.pathname)
          ? { denied: { status: 403, code: 'AccessDeniedException', service: 'rbin' as const } }
          : {}),
        refusal: (error) => {
          if (!(error instanceof RestJsonErrorResponse)) return undefined;
          if (error.reason) reasons.set(error.code, error.reason);
          return { status: error.status, code: error.code, message: error.message };
        },
        internalCode: 'InternalServerException',
        error: (status, code, message) =>
          sendJson(status, { Message: message, ...(reasons.has(code) ? { Reason: reasons.get(code) } : {}) }, code),
        ok: (result) => sendJson(200, result),
      },
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (req.url?.startsWith('/_emulator/')) return control(req, res, body);
    const requestId = randomUUID();
    // One port, six services: SSM (AWS JSON 1.1) and CloudWatch (AWS JSON 1.0) are told apart by X-Amz-Target.
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith('AmazonSSM.'))
      return handleSsm(req, res, target.slice('AmazonSSM.'.length), body, requestId);
    if (typeof target === 'string' && target.startsWith(CLOUDWATCH_TARGET))
      return handleCloudWatch(req, target.slice(CLOUDWATCH_TARGET.length), body, requestId, res);
    // Recycle Bin and Scheduler speak REST JSON: their operations are paths, and EC2 and Auto Scaling only ever post to `/`.
    if (req.url !== undefined && req.url !== '/' && !req.url.startsWith('/?')) return handleRestJson(req, res, body, requestId);
    let params: Query;
    try {
      params = parseQuery(body);
    } catch (error) {
      // A request EC2 could not read is still answered, and recorded, as EC2 answers it: a 400 with its code.
      const refusal = error instanceof Ec2ErrorResponse ? error : new Ec2ErrorResponse('MalformedQueryString', String(error));
      requests.push({
        seq: requests.length + 1,
        action: '',
        params: {},
        status: 400,
        errorCode: refusal.code,
        injected: false,
        acted: false,
      });
      return send(res, 400, errorXml(refusal.code, refusal.message, requestId), undefined, requestId);
    }
    const action = typeof params.Action === 'string' ? params.Action : '';
    // One server, two services: Auto Scaling speaks awsQuery (version 2011-01-01), EC2 its own dialect.
    const autoScaling = params.Version === AUTO_SCALING_VERSION;
    const actions = autoScaling ? autoScalingActions : ACTIONS;
    const renderError = autoScaling ? queryErrorXml : errorXml;
    const renderResponse = autoScaling ? queryResponseXml : responseXml;
    return serve(req, action, params, req.method === 'POST' ? actions[action] : undefined, {
      unknown: (name) => ['InvalidAction', `The action ${name || '(none)'} is not valid for this web service.`],
      denied: autoScaling
        ? { status: 403, code: 'AccessDenied', service: 'autoscaling' }
        : { status: 403, code: 'UnauthorizedOperation', service: 'ec2' },
      refusal: (error) =>
        error instanceof Ec2ErrorResponse ? { status: error.status, code: error.code, message: error.message } : undefined,
      internalCode: 'InternalError',
      error: (status, code, message) => send(res, status, renderError(code, message, requestId), undefined, requestId),
      ok: (result) => send(res, 200, renderResponse(action, requestId, result), undefined, requestId),
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, errorXml('InternalError', String(error), randomUUID())));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    store,
    faults,
    requests,
    options,
    countByAction: () => {
      const counts: Record<string, number> = {};
      for (const r of requests) counts[r.action] = (counts[r.action] ?? 0) + 1;
      return counts;
    },
    mutatingRequests: () => requests.filter((r) => MUTATING_ACTIONS.has(r.action)),
    injectFaults: (plan) => faults.set(plan),
    seed: (fixture) => loadFixture(store, fixture, options.now()),
    reset: () => {
      store.clear();
      requests.length = 0;
      faults.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
};
