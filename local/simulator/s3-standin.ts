import { createHash } from 'node:crypto';
import { LoopbackServer } from '../loopback-server.js';

/**
 * Just enough of S3 for the simulator: `GetObject` and `HeadObject` of objects it puts itself (HealthImaging's
 * job output manifests), path-style (`GET /bucket/key`), with S3's XML errors. The SDK's S3 client uses
 * path-style addressing for an endpoint that is an IP address, so `AWS_ENDPOINT_URL_S3=http://127.0.0.1:…`
 * is all a client needs. Writes come from the simulator only, never over the wire.
 */
export class S3StandIn {
  private readonly objects = new Map<string, { readonly body: Buffer; readonly modified: Date }>();
  private readonly http = new LoopbackServer();
  private url: string | undefined;
  /** GET requests served, by key (`bucket/key`). */
  readonly reads: string[] = [];

  get endpoint(): string {
    if (!this.url) throw new Error('S3 stand-in is not started');
    return this.url;
  }

  put(bucket: string, key: string, body: string): void {
    this.objects.set(`${bucket}/${key}`, { body: Buffer.from(body, 'utf8'), modified: new Date() });
  }

  get(bucket: string, key: string): string | undefined {
    return this.objects.get(`${bucket}/${key}`)?.body.toString('utf8');
  }

  async start(): Promise<string> {
    this.url = await this.http.start((req, res) => {
      req.resume();
      const url = new URL(req.url ?? '/', 'http://s3');
      const path = decodeURIComponent(url.pathname.slice(1));
      const object = this.objects.get(path);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
        return;
      }
      if (!object) {
        sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.', req.method === 'HEAD');
        return;
      }
      if (req.method === 'GET') this.reads.push(path);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(object.body.length),
        etag: `"${createHash('md5').update(object.body).digest('hex')}"`,
        'last-modified': object.modified.toUTCString(),
        'x-amz-request-id': `s3-standin-${this.reads.length}`,
      });
      res.end(req.method === 'HEAD' ? undefined : object.body);
    });
    return this.url;
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }
}

function sendError(
  res: import('node:http').ServerResponse,
  status: number,
  code: string,
  message: string,
  headOnly = false,
): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(headOnly ? undefined : body);
}
