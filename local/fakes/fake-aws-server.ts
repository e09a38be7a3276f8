import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenBucket } from '../../lambdas/aws/rate-limit.js';
import { LoopbackServer } from '../loopback-server.js';

/**
 * The base of every local service fake: a real HTTP server that speaks one AWS wire protocol, so the real
 * SDK clients (serializers, retry, error parsing) run in every test. Each service fake supplies its
 * operations; this class supplies routing, protocol-correct errors, fault injection and a call log.
 */
export type Protocol =
  /** `POST /`, `X-Amz-Target: <prefix>.<Operation>`, errors as `{ "__type": ... }` with status 400/500. */
  | { readonly kind: 'awsJson1_0' | 'awsJson1_1'; readonly targetPrefix: string }
  /** Operations by method and path; errors by HTTP status and `x-amzn-ErrorType`. */
  | { readonly kind: 'restJson1'; readonly routes: readonly RestRoute[] };

export interface RestRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path like `/datastore/{datastoreId}/importJob/{jobId}`; `{name}` captures one segment. */
  readonly path: string;
  readonly operation: string;
}

/** A restJson1 protocol from `'GET /datastore/{datastoreId}': 'GetDatastore'` lines, matched in order. */
export function restJson1(routes: Readonly<Record<string, string>>): Protocol {
  return {
    kind: 'restJson1',
    routes: Object.entries(routes).map(([route, operation]) => {
      const [method, path = ''] = route.split(' ');
      return { method: method as RestRoute['method'], path, operation };
    }),
  };
}

export interface FakeRequest {
  readonly operation: string;
  /** Path captures for restJson1. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** Parsed JSON body, `{}` when empty. */
  readonly body: Record<string, unknown>;
}

export type OperationHandler = (request: FakeRequest) => unknown | Promise<unknown>;

/** An error the way the service models it: `code` is the exception shape name. */
export class FakeServiceError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const errors = {
  throttling: (message = 'Rate exceeded') => new FakeServiceError('ThrottlingException', 429, message),
  notFound: (message = 'Resource not found') =>
    new FakeServiceError('ResourceNotFoundException', 404, message),
  validation: (message = 'Invalid request') => new FakeServiceError('ValidationException', 400, message),
  accessDenied: (message = 'Access denied') => new FakeServiceError('AccessDeniedException', 403, message),
  internal: (message = 'Internal failure') => new FakeServiceError('InternalServerException', 500, message),
};

/** Faults a test can inject into the next matching calls. */
export type FaultKind =
  | 'throttle'
  | 'server-error'
  | 'not-found'
  | 'validation'
  | 'access-denied'
  /** Accepts the request and never answers (a hung service). */
  | 'hang'
  /** Destroys the socket without a response. */
  | 'reset'
  /** 200 with a body that is not JSON. */
  | 'malformed';

interface ArmedFault {
  readonly operation: string | '*';
  readonly kind: FaultKind;
  remaining: number;
  readonly when: ((request: FakeRequest) => boolean) | undefined;
}

export interface CallRecord {
  readonly operation: string;
  readonly params: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
  readonly query: Readonly<Record<string, string>>;
  /** The fault injected into this call, if any. */
  readonly fault?: FaultKind;
  readonly status: number;
  /** Refused with ThrottlingException because the operation's quota (`setQuota`) had no token left. */
  readonly overQuota?: true;
  /** `performance.now()` when the request arrived and when its answer went out. */
  readonly receivedAt?: number;
  readonly answeredAt?: number;
}

/** A per-operation request rate, the way AWS enforces its quotas: a token bucket. */
export interface QuotaSpec {
  readonly ratePerSecond: number;
  /** Calls that may go at once after a quiet spell; the rate (at least 1) when not given. */
  readonly burst?: number;
}

export class FakeAwsServer {
  readonly calls: CallRecord[] = [];
  private readonly faults: ArmedFault[] = [];
  private readonly quotas = new Map<string, TokenBucket>();
  private readonly http = new LoopbackServer();
  private endpointUrl: string | undefined;
  /** Artificial latency per call, for benchmarks. */
  latencyMs = 0;

  constructor(
    readonly serviceName: string,
    private readonly protocol: Protocol,
    private readonly operations: Readonly<Record<string, OperationHandler>>,
  ) {}

  get endpoint(): string {
    if (!this.endpointUrl) throw new Error(`${this.serviceName} fake is not started`);
    return this.endpointUrl;
  }

  async start(port = 0): Promise<string> {
    this.endpointUrl = await this.http.start((req, res) => {
      // A failure outside the operation (a body that cannot be read) must still end the exchange, never
      // become an unhandled rejection that leaves the client waiting.
      this.handle(req, res).catch(() => {
        if (res.headersSent) res.destroy();
        else this.send(res, 500, { message: 'Fake server failure' }, 'InternalServerException');
      });
    }, port);
    return this.endpointUrl;
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  /** Makes the next `times` calls of `operation` ('*' for any) fail with `kind`. */
  inject(
    operation: string | '*',
    kind: FaultKind,
    times = 1,
    when?: (request: FakeRequest) => boolean,
  ): void {
    this.faults.push({ operation, kind, remaining: times, when });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /**
   * Enforces a request rate on `operations` (several operations given together share one bucket, as
   * HealthOmics' describe and list calls do): a call over the rate is answered with the protocol's
   * ThrottlingException, as the service would. `undefined` lifts the quota. Off by default.
   */
  setQuota(operations: string | readonly string[], quota: QuotaSpec | undefined): void {
    const names = typeof operations === 'string' ? [operations] : operations;
    const bucket = quota
      ? new TokenBucket({
          ratePerSecond: quota.ratePerSecond,
          burst: quota.burst ?? Math.max(1, quota.ratePerSecond),
        })
      : undefined;
    for (const name of names) {
      if (bucket) this.quotas.set(name, bucket);
      else this.quotas.delete(name);
    }
  }

  /** Every quota full again, as after a quiet spell. */
  refillQuotas(): void {
    for (const bucket of new Set(this.quotas.values())) bucket.reset();
  }

  clearQuotas(): void {
    this.quotas.clear();
  }

  callsOf(operation: string): CallRecord[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /**
   * Answers one request that arrived elsewhere: a router in front of several fakes of one service (one per
   * account and region, local/fakes/tenants.ts) hands each request to its tenant's fake. With `refusal`,
   * the request is refused with that error in this protocol's shape instead (a bad token, a disabled region).
   */
  async dispatch(req: IncomingMessage, res: ServerResponse, refusal?: FakeServiceError): Promise<void> {
    if (!refusal) return this.handle(req, res);
    await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    this.sendError(res, this.route(req, url)?.operation ?? 'Unknown', refusal);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const routed = this.route(req, url);
    if (!routed) {
      this.send(
        res,
        404,
        { message: `No route for ${req.method} ${url.pathname}` },
        'UnknownOperationException',
      );
      return;
    }
    let body: Record<string, unknown> = {};
    try {
      body = raw.length > 0 ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      this.sendError(res, routed.operation, new FakeServiceError('SerializationException', 400, 'Bad JSON'));
      return;
    }
    const request: FakeRequest = { ...routed, query: url.searchParams, headers: req.headers, body };
    const record = (status: number, fault?: FaultKind, overQuota = false) =>
      this.calls.push({
        operation: request.operation,
        params: request.params,
        body,
        query: Object.fromEntries(url.searchParams),
        status,
        ...(fault && { fault }),
        ...(overQuota && { overQuota: true as const }),
        receivedAt,
        answeredAt: performance.now(),
      });

    // The quota is checked on arrival; the refusal still takes the call's latency to come back.
    const withinQuota = this.quotas.get(request.operation)?.tryTake() ?? true;
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (!withinQuota) {
      record(429, undefined, true);
      this.sendError(res, request.operation, errors.throttling());
      return;
    }

    const fault = this.takeFault(request);
    if (fault) {
      record(faultStatus(fault), fault);
      this.applyFault(res, request.operation, fault);
      return;
    }
    try {
      const result = await this.operations[request.operation]?.(request);
      if (!this.operations[request.operation]) {
        throw new FakeServiceError('UnknownOperationException', 400, `${request.operation} is not faked`);
      }
      record(200);
      this.send(res, 200, result ?? {});
    } catch (error) {
      const serviceError =
        error instanceof FakeServiceError
          ? error
          : errors.internal(error instanceof Error ? error.message : 'error');
      record(serviceError.status);
      this.sendError(res, request.operation, serviceError);
    }
  }

  private route(
    req: IncomingMessage,
    url: URL,
  ): { operation: string; params: Readonly<Record<string, string>> } | undefined {
    if (this.protocol.kind !== 'restJson1') {
      const target = String(req.headers['x-amz-target'] ?? '');
      const prefix = `${this.protocol.targetPrefix}.`;
      return target.startsWith(prefix) ? { operation: target.slice(prefix.length), params: {} } : undefined;
    }
    for (const route of this.protocol.routes) {
      if (route.method !== req.method) continue;
      const params = matchPath(route.path, url.pathname);
      if (params) return { operation: route.operation, params };
    }
    return undefined;
  }

  private takeFault(request: FakeRequest): FaultKind | undefined {
    const index = this.faults.findIndex(
      (fault) =>
        (fault.operation === '*' || fault.operation === request.operation) &&
        (!fault.when || fault.when(request)),
    );
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault.kind;
  }

  private applyFault(res: ServerResponse, operation: string, kind: FaultKind): void {
    switch (kind) {
      case 'hang':
        return; // never answer; the client's request timeout must end it
      case 'reset':
        res.socket?.destroy();
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': this.contentType() });
        res.end('{"truncated": ');
        return;
      default: {
        const toError: Record<typeof kind, () => FakeServiceError> = {
          throttle: () => errors.throttling(),
          'server-error': () => errors.internal(),
          'not-found': () => errors.notFound(),
          validation: () => errors.validation(),
          'access-denied': () => errors.accessDenied(),
        };
        this.sendError(res, operation, toError[kind]());
      }
    }
  }

  private sendError(res: ServerResponse, _operation: string, error: FakeServiceError): void {
    if (this.protocol.kind === 'restJson1') {
      this.send(res, error.status, { message: error.message }, error.code);
      return;
    }
    // awsJson: client errors are 400 (throttling included), server errors 500; the type is in the body.
    const status = error.status >= 500 ? 500 : 400;
    this.send(res, status, { __type: error.code, message: error.message }, error.code);
  }

  private send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    const headers: Record<string, string> = {
      'content-type': this.contentType(),
      'x-amzn-requestid': `fake-${this.calls.length}`,
    };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }

  private contentType(): string {
    switch (this.protocol.kind) {
      case 'awsJson1_0':
        return 'application/x-amz-json-1.0';
      case 'awsJson1_1':
        return 'application/x-amz-json-1.1';
      default:
        return 'application/json';
    }
  }
}

function faultStatus(kind: FaultKind): number {
  const statuses: Record<FaultKind, number> = {
    throttle: 429,
    'server-error': 500,
    'not-found': 404,
    validation: 400,
    'access-denied': 403,
    hang: 0,
    reset: 0,
    malformed: 200,
  };
  return statuses[kind];
}

function matchPath(pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of want.entries()) {
    const actual = got[index] ?? '';
    if (segment.startsWith('{') && segment.endsWith('}')) {
      const decoded = safeDecode(actual);
      // A bad percent-escape matches no route (a 404), instead of throwing out of the request handler.
      if (decoded === undefined) return undefined;
      params[segment.slice(1, -1)] = decoded;
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Opaque pagination the way AWS does it: a token that encodes the offset plus a signature of the query, so a
 * token reused with other filters is rejected like the real service would.
 */
export function paginate<T>(
  items: readonly T[],
  nextToken: string | undefined,
  maxResults: number | undefined,
  pageLimit: number,
  queryFingerprint = '',
): { page: T[]; nextToken?: string } {
  // At least one item a page: a page size of 0 would hand out the same token forever.
  const size = Math.max(1, Math.min(maxResults ?? pageLimit, pageLimit));
  let offset = 0;
  if (nextToken) {
    const decoded = decodeToken(nextToken);
    if (
      !decoded ||
      decoded.fingerprint !== queryFingerprint ||
      !Number.isInteger(decoded.offset) ||
      decoded.offset < 0
    ) {
      throw errors.validation('Invalid NextToken');
    }
    offset = decoded.offset;
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? encodeToken(offset + size, queryFingerprint) : undefined;
  return { page, ...(next && { nextToken: next }) };
}

function encodeToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString('base64url');
}

function decodeToken(token: string): { offset: number; fingerprint: string } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      o?: unknown;
      f?: unknown;
    };
    return typeof parsed.o === 'number' && typeof parsed.f === 'string'
      ? { offset: parsed.o, fingerprint: parsed.f }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Shallow patch where an explicit `undefined` deletes the field. */
export function applyPatch<T extends object>(current: T, patch: object): T {
  const next: Record<string, unknown> = { ...(current as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next as T;
}

/** The page size of a list call whose `name` query parameter takes 1 to `max`; undefined when absent. */
export function queryPageSize(request: FakeRequest, name: string, max: number): number | undefined {
  const raw = request.query.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw errors.validation(`${name} must be 1-${max}`);
  }
  return value;
}

/** Epoch seconds with millisecond precision, as most of these services put dates on the wire. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
