/**
 * An emulator of the AWS services ami-rotator calls, on loopback: what the unmodified Lambdas reach through
 * `AWS_ENDPOINT_URL_EC2` (and the other services' endpoint settings). One port, six services, three protocols
 * (emulator/protocols/): the Query protocols of EC2 and Auto Scaling, the AWS JSON protocols of Systems Manager
 * and CloudWatch, the REST JSON protocol of Recycle Bin and Scheduler. Every request goes through one pipeline
 * (emulator/serve.ts). State lives in memory; faults are injected per test; every request is recorded.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActionContext, EmulatorOptions } from './actions/context.ts';
import { settleNow } from './actions/image-settling.ts';
import { endCommand } from './actions/run-command.ts';
import type { BusEvent } from './ami-events.ts';
import { type FaultPlan, Faults, parseFaultPlan } from './faults.ts';
import { loadFixture } from './fixture.ts';
import { accessKeyOf, type IamSettings, type Principal } from './iam.ts';
import type { SsmDocument } from './model.ts';
import { Organization, type OrganizationFixture, type Session } from './organization.ts';
import { handleJson, isJsonTarget } from './protocols/json.ts';
import { handleQuery } from './protocols/query.ts';
import { reply } from './protocols/reply.ts';
import { handleRestJson, isRestPath } from './protocols/rest-json.ts';
import { makeServe, type RecordedRequest } from './serve.ts';
import { ACCOUNT_ID, Store } from './store.ts';
import { errorXml } from './xml.ts';

export type { RecordedRequest };

export interface EmulatorSettings {
  port?: number;
  fixture?: unknown;
  region?: string;
  pendingPolls?: number;
  /** Time mode: a new image takes this many seconds of the emulator's clock (`passTime` moves it). */
  imageSeconds?: number;
  /** Time mode: a Run Command command ends this many seconds after it was sent. */
  commandSeconds?: number;
  /** Reads of a new `aws:ec2:image` parameter value that still see the old one (1 by default). */
  parameterValidationReads?: number;
  /** Looks at a launched instance's status checks that still see `initializing` (1 by default). */
  bootPolls?: number;
  now?: () => Date;
  /** The roles whose calls are evaluated against their policies, by access key id (emulator/iam.ts); none when absent. */
  iam?: IamSettings;
  /** Systems Manager documents the deployed stack made (local/clients.ts, `localDocuments`): kept across `reset`. */
  documents?: readonly SsmDocument[];
  /** The AWS Organization the emulator's account belongs to: its other accounts, their OUs and roles (none when absent). */
  organization?: OrganizationFixture;
}

export interface Ec2Emulator {
  /** The endpoint to put in `AWS_ENDPOINT_URL_EC2`. */
  readonly url: string;
  /** The account in the emulator's own region (`region`, us-east-1 by default). */
  readonly store: Store;
  /** The account in a region: each region keeps its own images, instances, snapshots and parameters. */
  storeIn(region: string): Store;
  readonly faults: Faults;
  readonly requests: RecordedRequest[];
  /** What EC2 put on the default event bus: `EC2 AMI State Change` events, in order (emulator/ami-events.ts). */
  readonly events: BusEvent[];
  /**
   * Time mode (`imageSeconds`): moves the emulator's clock on by at most `seconds`, stopping at the first moment an image
   * settles (it settles then, with its event); returns the seconds that passed.
   */
  passTime(seconds: number): number;
  /** Also hands each event to `listener` as EC2 puts it on the bus (the local rule that delivers them to CompleteWait). */
  onEvent(listener: (event: BusEvent) => void): void;
  readonly options: EmulatorOptions;
  /** How many requests of each action were answered (including injected faults). */
  countByAction(): Record<string, number>;
  /** Every request for a mutating action, whether or not it succeeded. */
  mutatingRequests(): RecordedRequest[];
  injectFaults(plan: FaultPlan): void;
  /** Seeds the account in the emulator's own region, or in `region`. */
  seed(fixture: unknown, region?: string): void;
  /** Another account of the organization in a region: its own parameters (written through a role it holds). */
  storeOf(account: string, region: string): Store;
  /** The organization's accounts and their roles (a role added or removed between nights); undefined without one. */
  readonly organization: Organization | undefined;
  /** Empties the account, the request record and the fault plan. */
  reset(): void;
  close(): Promise<void>;
}

/** How long an idle connection stays open on the server's side: longer than any client keeps one idle. */
const KEEP_ALIVE_MS = 65_000;

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** The region a request is signed for: its SigV4 credential scope (AWS General Reference, "Signature Version 4 signing process"). */
const signedRegion = (authorization: string | undefined): string | undefined =>
  /Credential=[^/,]+\/\d{8}\/([a-z0-9-]+)\//.exec(authorization ?? '')?.[1];

export const startEmulator = async (settings: EmulatorSettings = {}): Promise<Ec2Emulator> => {
  const store = new Store();
  const faults = new Faults();
  const home = settings.region ?? 'us-east-1';
  const stores = new Map<string, Store>([[home, store]]);
  const storeIn = (region: string): Store => {
    const found = stores.get(region) ?? new Store();
    stores.set(region, found);
    return found;
  };
  // The organization's other accounts: each keeps its own resources per region.
  const organization = settings.organization ? new Organization(settings.organization) : undefined;
  const sessions = new Map<string, Session>();
  const foreign = new Map<string, Store>();
  const storeOf = (account: string, region: string): Store => {
    if (account === ACCOUNT_ID) return storeIn(region);
    const key = `${account} ${region}`;
    const found = foreign.get(key) ?? new Store();
    foreign.set(key, found);
    return found;
  };
  let clockOffsetMs = 0;
  const options: EmulatorOptions = {
    region: settings.region ?? 'us-east-1',
    ...(settings.imageSeconds === undefined ? {} : { imageSeconds: settings.imageSeconds }),
    ...(settings.commandSeconds === undefined ? {} : { commandSeconds: settings.commandSeconds }),
    pendingPolls: settings.pendingPolls ?? 1,
    parameterValidationReads: settings.parameterValidationReads ?? 1,
    bootPolls: settings.bootPolls ?? 1,
    ...(settings.documents === undefined ? {} : { documents: settings.documents }),
    // The clock `passTime` moves on (time mode).
    now: () => new Date((settings.now ?? (() => new Date()))().getTime() + clockOffsetMs),
  };
  const events: BusEvent[] = [];
  const listeners: ((event: BusEvent) => void)[] = [];
  const contexts = new Map<string, ActionContext>();
  // Each request is answered as the region it is signed for, with that region's account (an unsigned one: this region's);
  // one signed with a session AssumeRole issued acts in the role's account.
  const contextFor = (req: IncomingMessage): ActionContext => {
    const session = sessions.get(accessKeyOf(req.headers.authorization) ?? '');
    return contextIn(signedRegion(req.headers.authorization) ?? home, session?.account);
  };
  const contextIn = (region: string, account = ACCOUNT_ID): ActionContext => {
    // The region's own options read through to the emulator's, which tests change while it runs (pendingPolls).
    const regional = region === home ? options : (Object.assign(Object.create(options), { region }) as EmulatorOptions);
    const key = `${account} ${region}`;
    const found = contexts.get(key) ?? {
      store: storeOf(account, region),
      faults,
      options: regional,
      storeIn: (r: string) => storeOf(account, r),
      emit: (e: BusEvent) => {
        events.push(e);
        for (const listener of listeners) listener(e);
      },
      account,
      sessions,
      imageAccount: storeIn(region),
      ...(organization ? { organization } : {}),
    };
    contexts.set(key, found);
    return found;
  };
  const requests: RecordedRequest[] = [];
  if (settings.fixture !== undefined) loadFixture(store, settings.fixture, options.now());

  const send = (res: ServerResponse, status: number, body: string, type?: string) => reply(res, status, body, type);

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

  // A session's calls are evaluated against its role's policies, as the stack's roles' are: one principal per role and
  // policies (the evaluator remembers its decisions per principal), made again when the role changes.
  const principalsOfRoles = new WeakMap<object, Principal>();
  const iam: IamSettings | undefined = settings.iam && {
    ...settings.iam,
    sessionOf: (key) => {
      const session = sessions.get(key);
      const role = session && organization?.roleOf(session.roleArn);
      if (!session || !role) return undefined;
      const found =
        principalsOfRoles.get(role.policies) ?? ({ arn: session.roleArn, policies: role.policies, account: session.account } as Principal);
      principalsOfRoles.set(role.policies, found);
      return found;
    },
  };
  const serve = makeServe({ requests, faults, contextFor, iam });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (req.url?.startsWith('/_emulator/')) return control(req, res, body);
    const requestId = randomUUID();
    const target = req.headers['x-amz-target'];
    if (isJsonTarget(target)) return handleJson(req, res, target, body, requestId, serve);
    if (isRestPath(req.url)) return handleRestJson(req, res, body, requestId, serve);
    return handleQuery(req, res, body, requestId, { serve, requests });
  };

  // Idle keep-alive sockets are closed by the client first (Node's agent lets one idle 5 s, as long as the server's
  // default): with equal timeouts a request sent on a socket the server is just closing fails with "socket hang up".
  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
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
    events,
    onEvent: (listener) => {
      listeners.push(listener);
    },
    passTime: (seconds) => {
      const from = options.now().getTime();
      // What ends on its own time: pending images (time mode), and commands sent in time mode.
      const pending = [...stores].flatMap(([region, s]) => [
        ...[...s.images.values()]
          .filter((i) => i.state === 'pending' && i.fate !== 'stuck' && i.readyAt !== undefined)
          .map((image) => ({ at: image.readyAt as number, end: () => settleNow(image, contextIn(region)) })),
        ...[...s.commands.values()]
          .filter((c) => !c.ended && c.readyAt !== undefined && c.outcome.status !== 'InProgress')
          .map((command) => ({ at: command.readyAt as number, end: () => endCommand(command, contextIn(region)) })),
      ]);
      const limit = from + Math.round(seconds * 1000);
      const first = Math.min(...pending.map((p) => p.at).filter((at) => at <= limit));
      const until = Number.isFinite(first) ? Math.max(first, from) : limit;
      clockOffsetMs += until - from;
      for (const { at, end } of pending) if (at <= until) end();
      return (until - from) / 1000;
    },
    options,
    countByAction: () => {
      const counts: Record<string, number> = {};
      for (const r of requests) counts[r.action] = (counts[r.action] ?? 0) + 1;
      return counts;
    },
    mutatingRequests: () => requests.filter((r) => r.mutating),
    injectFaults: (plan) => faults.set(plan),
    storeIn,
    storeOf,
    organization,
    seed: (fixture, region) => loadFixture(region === undefined ? store : storeIn(region), fixture, options.now()),
    reset: () => {
      for (const s of stores.values()) s.clear();
      for (const s of foreign.values()) s.clear();
      organization?.restore();
      sessions.clear();
      requests.length = 0;
      events.length = 0;
      faults.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
};
