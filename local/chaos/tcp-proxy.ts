import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A small TCP proxy for putting in front of DynamoDB Local: the handlers' SDK clients talk to the proxy,
 * the proxy to the real engine. It can make the database unavailable for a window, and it can watch the
 * DynamoDB operations going through it so a test can act at an exact point of a run (kill the process
 * that sent a `TransactWriteItems` the moment the engine has committed it, say).
 *
 * Outage modes, as a client sees them:
 * - `refuse`: new connections are reset at once and open ones are cut (ECONNRESET / socket hang up).
 * - `blackhole`: connections are accepted and bytes are swallowed; nothing ever answers (the SDK's request
 *   timeout has to end the call).
 */
export type OutageMode = 'refuse' | 'blackhole';

/** One DynamoDB request seen on its way to the engine, and the moment its response comes back. */
export interface ProxiedOperation {
  /** The operation from `X-Amz-Target` (`TransactWriteItems`), or `unknown`. */
  readonly operation: string;
  /** Which client connection it came on (1-based, in accept order). */
  readonly connection: number;
}

/**
 * Decides what to do with a response before the client gets it: `forward` it, or `hold` it (never sent;
 * the connection is cut). A test kills the client process in the hook and answers `hold`, so the client
 * dies with the write committed and the acknowledgement never read.
 */
export type ResponseHook = (operation: ProxiedOperation) => 'forward' | 'hold';

export interface ProxyStats {
  connections: number;
  /** Connections refused or cut by an outage. */
  refused: number;
  /** Connections swallowed by a blackhole outage. */
  blackholed: number;
  /** Requests seen, by operation. */
  readonly operations: Record<string, number>;
  /** Responses held back by the hook. */
  held: number;
}

export class TcpProxy {
  readonly stats: ProxyStats = { connections: 0, refused: 0, blackholed: 0, operations: {}, held: 0 };
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private outage: OutageMode | undefined;
  private outageTimer: NodeJS.Timeout | undefined;
  private hook: ResponseHook | undefined;
  private portNumber = 0;

  constructor(
    private readonly target: { readonly host: string; readonly port: number },
    private readonly options: { readonly host?: string } = {},
  ) {}

  get port(): number {
    return this.portNumber;
  }

  get endpoint(): string {
    if (!this.server) throw new Error('the proxy is not started');
    return `http://${this.options.host ?? '127.0.0.1'}:${this.portNumber}`;
  }

  /** True while an outage is on. */
  get down(): boolean {
    return this.outage !== undefined;
  }

  async start(port = 0): Promise<string> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.portNumber = typeof address === 'object' && address ? address.port : port;
    this.server = server;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    clearTimeout(this.outageTimer);
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Makes the database unavailable, now, for `ms` milliseconds (until `restore` when `ms` is undefined).
   * Open connections are cut in both modes, as a failover or a network partition would.
   */
  startOutage(mode: OutageMode, ms?: number): void {
    this.outage = mode;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    clearTimeout(this.outageTimer);
    if (ms !== undefined) this.outageTimer = setTimeout(() => this.restore(), ms);
  }

  restore(): void {
    clearTimeout(this.outageTimer);
    this.outage = undefined;
    // A blackholed connection is still open on the client's side: cut it so the client reconnects.
    for (const socket of this.sockets) if (socket.readableFlowing === false) socket.destroy();
  }

  /** Sets (or clears) the hook that sees each response before the client does. */
  onResponse(hook: ResponseHook | undefined): void {
    this.hook = hook;
  }

  private accept(client: Socket): void {
    this.stats.connections += 1;
    const connection = this.stats.connections;
    if (this.outage === 'refuse') {
      this.stats.refused += 1;
      client.resetAndDestroy();
      return;
    }
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.outage === 'blackhole') {
      this.stats.blackholed += 1;
      client.pause();
      return;
    }

    const upstream = tcpConnect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());

    // HTTP/1.1 without pipelining (the SDK's behaviour): one request, then its response, per connection.
    const inFlight: ProxiedOperation[] = [];
    client.on('data', (chunk: Buffer) => {
      if (this.outage) {
        client.destroy();
        return;
      }
      const operation = operationOf(chunk);
      if (operation !== undefined) {
        this.stats.operations[operation] = (this.stats.operations[operation] ?? 0) + 1;
        inFlight.push({ operation, connection });
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      // A response starts with its status line; later chunks of the same response just pass.
      const answered = chunk.subarray(0, 7).toString('latin1') === 'HTTP/1.' ? inFlight.shift() : undefined;
      if (answered && this.hook?.(answered) === 'hold') {
        this.stats.held += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
  }
}

/** The operation of a DynamoDB request whose head is in `chunk`, from its `X-Amz-Target` header. */
export function operationOf(chunk: Buffer): string | undefined {
  const head = chunk.subarray(0, 4096).toString('latin1');
  if (!/^[A-Z]+ \S+ HTTP\/1\.[01]\r\n/.test(head)) return undefined;
  const target = /\r\nx-amz-target:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim();
  if (!target) return 'unknown';
  const dot = target.lastIndexOf('.');
  return dot >= 0 ? target.slice(dot + 1) : target;
}
