import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from '../loopback-server.js';
import { type FakeAwsServer, FakeServiceError } from './fake-aws-server.js';
import { credentialScopeOf, type StsStandIn } from './sts-standin.js';

/** One account and region of a fake service. */
export interface Tenant {
  readonly accountId: string;
  readonly region: string;
}

/**
 * One endpoint for a service in many accounts and regions, as AWS looks from a hub: each request goes to
 * the fake of its tenant, the account from the SigV4 access key id (the STS stand-in knows which account
 * each key it issued belongs to) and the region from the SigV4 credential scope. A key that has expired is
 * refused as AWS refuses it, and so is every call to a region the tenant has not enabled.
 */
export class TenantRouter<F extends { readonly server: FakeAwsServer }> {
  /** Every request routed: its tenant (`accountId:region`) and the access key id it was signed with. */
  readonly requests: { readonly tenant: string; readonly accessKeyId: string }[] = [];
  private readonly fakes = new Map<string, F>();
  private readonly disabled = new Set<string>();
  private readonly http = new LoopbackServer();
  private url: string | undefined;

  constructor(
    private readonly sts: StsStandIn,
    private readonly create: (tenant: Tenant) => F,
  ) {}

  get endpoint(): string {
    if (!this.url) throw new Error('the tenant router is not started');
    return this.url;
  }

  /** The fake of one account and region, made on first use: seed it like any fake. */
  fakeOf(accountId: string, region: string): F {
    const id = `${accountId}:${region}`;
    let fake = this.fakes.get(id);
    if (!fake) {
      fake = this.create({ accountId, region });
      this.fakes.set(id, fake);
    }
    return fake;
  }

  /** Every tenant fake made so far, by `accountId:region`. */
  tenants(): ReadonlyMap<string, F> {
    return this.fakes;
  }

  /** The account has not enabled this (opt-in) region: every call there is refused. */
  disableRegion(accountId: string, region: string): void {
    this.disabled.add(`${accountId}:${region}`);
  }

  async start(): Promise<string> {
    this.url = await this.http.start((req, res) => {
      this.route(req, res).catch(() => res.destroy());
    });
    return this.url;
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const scope = credentialScopeOf(req);
    const region = scope?.region ?? 'us-east-1';
    const { accountId, expired } = this.sts.accountOf(scope?.accessKeyId ?? '');
    const fake = this.fakeOf(accountId, region);
    this.requests.push({ tenant: `${accountId}:${region}`, accessKeyId: scope?.accessKeyId ?? '' });
    if (expired) {
      const error = new FakeServiceError(
        'ExpiredTokenException',
        403,
        'The security token included in the request is expired',
      );
      return fake.server.dispatch(req, res, error);
    }
    if (this.disabled.has(`${accountId}:${region}`)) {
      const error = new FakeServiceError(
        'UnrecognizedClientException',
        403,
        'The security token included in the request is invalid',
      );
      return fake.server.dispatch(req, res, error);
    }
    return fake.server.dispatch(req, res);
  }
}
