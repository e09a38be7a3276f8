import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from '../loopback-server.js';

/**
 * A local STS with AssumeRole and GetCallerIdentity, on STS's own wire protocol (awsQuery: a form body,
 * XML answers), so the SDK's own credential provider runs unchanged. Each role assumption returns a fresh
 * access key id that the stand-in maps to the role's account: the service fakes (local/fakes/tenants.ts)
 * tell accounts apart by it, as AWS does. Keys not issued here belong to `ownAccountId`.
 */
export interface StsStandInOptions {
  /** The account of every key the stand-in did not issue (the hub's own credentials). */
  readonly ownAccountId: string;
  /** How long issued credentials last; STS's default is an hour. */
  durationSeconds?: number;
}

export interface IssuedKey {
  readonly accountId: string;
  readonly roleArn: string;
  readonly sessionName: string;
  readonly expiresAt: Date;
}

export interface AssumeRoleCall {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly callerAccountId: string;
  readonly refused?: string;
}

const ROLE_ARN = /^arn:[a-z-]+:iam::(\d{12}):role\/([\w+=,.@-]+)$/;

export class StsStandIn {
  readonly assumeCalls: AssumeRoleCall[] = [];
  private readonly keys = new Map<string, IssuedKey>();
  private readonly deniedAccounts = new Set<string>();
  private readonly http = new LoopbackServer();
  private url: string | undefined;

  constructor(readonly options: StsStandInOptions) {}

  get endpoint(): string {
    if (!this.url) throw new Error('the STS stand-in is not started');
    return this.url;
  }

  /** The member role of `accountId` refuses the hub (its trust policy does not name it). */
  denyAccount(accountId: string): void {
    this.deniedAccounts.add(accountId);
  }

  /** The account a request signed with this key acts in; undefined for an issued key that has expired. */
  accountOf(accessKeyId: string, now = new Date()): { accountId: string; expired: boolean } {
    const issued = this.keys.get(accessKeyId);
    if (!issued) return { accountId: this.options.ownAccountId, expired: false };
    return { accountId: issued.accountId, expired: issued.expiresAt.getTime() <= now.getTime() };
  }

  /** Role assumptions that returned credentials. */
  assumed(): AssumeRoleCall[] {
    return this.assumeCalls.filter((call) => !call.refused);
  }

  async start(): Promise<string> {
    this.url = await this.http.start((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    return this.url;
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const caller = this.accountOf(accessKeyOf(req));
    if (caller.expired)
      return sendError(res, 400, 'ExpiredToken', 'The security token included in the request is expired');
    switch (form.get('Action')) {
      case 'AssumeRole':
        return this.assumeRole(res, form, caller.accountId);
      case 'GetCallerIdentity':
        return send(
          res,
          'GetCallerIdentity',
          `<Arn>arn:aws:iam::${caller.accountId}:root</Arn><UserId>${caller.accountId}</UserId><Account>${caller.accountId}</Account>`,
        );
      default:
        return sendError(res, 400, 'InvalidAction', `Could not find operation ${form.get('Action')}`);
    }
  }

  private assumeRole(res: ServerResponse, form: URLSearchParams, callerAccountId: string): void {
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    const match = ROLE_ARN.exec(roleArn);
    const accountId = match?.[1];
    const record = (refused?: string) =>
      this.assumeCalls.push({ roleArn, sessionName, callerAccountId, ...(refused && { refused }) });
    if (!accountId) {
      record('ValidationError');
      sendError(res, 400, 'ValidationError', `${roleArn} is not a role ARN`);
      return;
    }
    if (this.deniedAccounts.has(accountId)) {
      record('AccessDenied');
      const message = `User: arn:aws:iam::${callerAccountId}:root is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
      sendError(res, 403, 'AccessDenied', message);
      return;
    }
    record();
    const seconds = this.options.durationSeconds ?? Number(form.get('DurationSeconds') ?? 3600);
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const expiresAt = new Date(Date.now() + seconds * 1000);
    this.keys.set(accessKeyId, { accountId, roleArn, sessionName, expiresAt });
    const roleName = match?.[2] ?? '';
    send(
      res,
      'AssumeRole',
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('hex')}</SecretAccessKey>` +
        `<SessionToken>${randomBytes(24).toString('base64')}</SessionToken><Expiration>${expiresAt.toISOString()}</Expiration></Credentials>` +
        `<AssumedRoleUser><AssumedRoleId>AROA${accountId}:${sessionName}</AssumedRoleId>` +
        `<Arn>arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}</Arn></AssumedRoleUser>`,
    );
  }
}

/** The access key id of a SigV4-signed request: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
export function accessKeyOf(req: IncomingMessage): string {
  return credentialScopeOf(req)?.accessKeyId ?? '';
}

/** The parts of a SigV4 credential scope, from the Authorization header. */
export function credentialScopeOf(
  req: IncomingMessage,
): { accessKeyId: string; region: string; service: string } | undefined {
  const match = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
    String(req.headers.authorization ?? ''),
  );
  return match ? { accessKeyId: match[1] ?? '', region: match[2] ?? '', service: match[3] ?? '' } : undefined;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function send(res: ServerResponse, action: string, result: string): void {
  const body =
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></${action}Response>`;
  res.writeHead(200, { 'content-type': 'text/xml' }).end(body);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body =
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${message}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`;
  res.writeHead(status, { 'content-type': 'text/xml' }).end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
