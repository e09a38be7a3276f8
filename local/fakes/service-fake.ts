import { FakeAwsServer, type FakeRequest, type OperationHandler, type Protocol } from './fake-aws-server.js';

/**
 * What every service fake shares around its own operations: the wire server, the region and account its
 * ARNs name, its clock, and a hook that rewrites a response to play a service that breaks its own model.
 */

export interface ServiceFakeOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** The fake's clock, for default creation times. */
  readonly now?: () => Date;
}

/** An operation of a service fake: the response body as the service builds it. */
export type ResponseBuilder = (request: FakeRequest) => Record<string, unknown>;

export abstract class ServiceFake {
  readonly server: FakeAwsServer;
  /**
   * Rewrites a successful response body before it is sent, to play a service that breaks its own model
   * (a job without an id, say). Undefined sends the body as built.
   */
  tamper: ((operation: string, body: Record<string, unknown>) => unknown) | undefined;
  protected readonly region: string;
  protected readonly accountId: string;
  protected readonly now: () => Date;
  private readonly operations: Record<string, OperationHandler> = {};

  protected constructor(serviceName: string, protocol: Protocol, options: ServiceFakeOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.now = options.now ?? (() => new Date());
    this.server = new FakeAwsServer(serviceName, protocol, this.operations);
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  start(port?: number): Promise<string> {
    return this.server.start(port);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Answers each operation with its builder's body, passed through `tamper`. */
  protected serve(builders: Readonly<Record<string, ResponseBuilder>>): void {
    for (const [operation, build] of Object.entries(builders)) {
      this.operations[operation] = (request) => {
        const body = build(request);
        return this.tamper ? this.tamper(operation, body) : body;
      };
    }
  }
}

/**
 * A fake whose jobs live in scopes (data stores, reference stores, workflows): scopes in the order they were
 * added, and each scope's jobs in the order they were added (a job replaced keeps its place).
 */
export abstract class ScopedServiceFake<Scope, Job> extends ServiceFake {
  private readonly scopeMap = new Map<string, Scope>();
  private readonly jobsByScope = new Map<string, Map<string, Job>>();

  scopes(): Scope[] {
    return [...this.scopeMap.values()];
  }

  getJob(scope: string, jobId: string): Job | undefined {
    return this.jobsByScope.get(scope)?.get(jobId);
  }

  /** Every job, scope by scope. */
  jobs(): Job[] {
    return [...this.jobsByScope.values()].flatMap((jobs) => [...jobs.values()]);
  }

  protected scope(id: string): Scope | undefined {
    return this.scopeMap.get(id);
  }

  protected putScope(id: string, scope: Scope): Scope {
    this.scopeMap.set(id, scope);
    if (!this.jobsByScope.has(id)) this.jobsByScope.set(id, new Map());
    return scope;
  }

  protected jobsIn(scope: string): Job[] {
    return [...(this.jobsByScope.get(scope)?.values() ?? [])];
  }

  protected putJob(scope: string, jobId: string, job: Job): Job {
    const jobs = this.jobsByScope.get(scope) ?? new Map<string, Job>();
    jobs.set(jobId, job);
    this.jobsByScope.set(scope, jobs);
    return job;
  }

  /** Forgets every scope and job. */
  protected clearJobs(): void {
    this.scopeMap.clear();
    this.jobsByScope.clear();
  }
}
