import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from '../loopback-server.js';

/** One Invoke the stand-in took. */
export interface LambdaInvocation {
  readonly functionName: string;
  readonly invocationType: string;
  readonly payload: unknown;
}

/**
 * A stand-in for Lambda's Invoke API (`POST /2015-03-31/functions/<name>/invocations`), for the real
 * `@aws-sdk/client-lambda` pointed at it. An `Event` invocation is answered 202 at once, as Lambda does once
 * it has queued the event, and then handed to `run` (the function's handler, in this process), so a test
 * or the benchmark sees the asynchronous runs happen. `refuse` makes the next invocations fail as Lambda
 * does when it will not queue an event.
 */
export class LambdaStandIn {
  readonly invocations: LambdaInvocation[] = [];
  private readonly http = new LoopbackServer();
  private readonly running = new Set<Promise<void>>();
  private refusals = 0;
  private url: string | undefined;

  constructor(private readonly run: (payload: unknown) => Promise<unknown>) {}

  get endpoint(): string {
    if (!this.url) throw new Error('the Lambda stand-in is not started');
    return this.url;
  }

  /** The next `count` invocations are refused (429 TooManyRequestsException). */
  refuse(count: number): void {
    this.refusals = count;
  }

  async start(): Promise<string> {
    this.url = await this.http.start((req, res) => void this.handle(req, res));
    return this.url;
  }

  /** Waits until every run started so far (and any they started) has ended. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async stop(): Promise<void> {
    await this.settled();
    await this.http.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return answer(res, 404, 'ResourceNotFoundException', 'no such API');
    if (this.refusals > 0) {
      this.refusals -= 1;
      return answer(res, 429, 'TooManyRequestsException', 'Rate exceeded');
    }
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const payload = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown;
    this.invocations.push({ functionName: decodeURIComponent(match[1] ?? ''), invocationType, payload });
    if (invocationType !== 'Event') return answer(res, 400, 'InvalidParameterValueException', 'Event only');
    res.writeHead(202).end();
    const run = this.run(payload).then(
      () => undefined,
      () => undefined,
    );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}

function answer(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ Type: 'User', message }));
}
