import type { IdRule } from '../../lambdas/core/service-definition.js';
import { applyPatch, type Protocol } from './fake-aws-server.js';
import { ScopedServiceFake, type ServiceFakeOptions } from './service-fake.js';

/**
 * The seeding API HealthLake's and HealthImaging's fakes share: data stores, and import jobs seeded in the
 * job snapshot's own names (`scope`, `jobId`, `status`, `submittedAt`, ...). A job's data store is created
 * when missing, and adding a job again replaces it.
 */

export interface FakeDatastore {
  readonly id: string;
  readonly name: string;
  /** Data store status, `ACTIVE` unless seeded otherwise. */
  readonly status: string;
  readonly createdAt: Date;
}

/** One import job as a test or the simulator seeds it. Only `scope`, `jobId` and `status` are needed. */
export interface DatastoreJobSeed {
  /** The data store id. */
  readonly scope: string;
  readonly jobId: string;
  /** The raw status; any string, so a value AWS may add later can be faked. */
  readonly status: string;
  readonly jobName?: string;
  /** Defaults to the fake's clock at seeding. */
  readonly submittedAt?: Date;
  readonly endedAt?: Date;
  readonly message?: string;
  /** The job's input folder; the models require it, so a default is sent when absent. */
  readonly inputLocation?: string;
  /** The job's output folder. */
  readonly outputLocation?: string;
  readonly dataAccessRoleArn?: string;
  /** Wire fields laid over the generated item (a value of `undefined` drops the field): malformed responses. */
  readonly wire?: Readonly<Record<string, unknown>>;
}

/** A seeded job: its submission time is always known. */
export type StoredJob<Seed extends DatastoreJobSeed> = Seed & { readonly submittedAt: Date };

/** A change to a job; a field set to `undefined` is removed. */
export type JobPatch<Seed extends DatastoreJobSeed> = {
  readonly [K in Exclude<keyof Seed, 'scope' | 'jobId'>]?: Seed[K] | undefined;
};

/** How a service names and checks its ids, for the errors a bad seed raises. */
export interface DatastoreNaming {
  /** `HealthLake`: the start of every seeding error. */
  readonly label: string;
  readonly scopeField: string;
  readonly jobField: string;
  readonly validateScopeId: IdRule | undefined;
  readonly validateJobId: IdRule;
  readonly defaultScopeName: (id: string) => string;
}

export abstract class DatastoreFake<Seed extends DatastoreJobSeed> extends ScopedServiceFake<
  FakeDatastore,
  StoredJob<Seed>
> {
  protected constructor(
    serviceName: string,
    protocol: Protocol,
    options: ServiceFakeOptions,
    private readonly naming: DatastoreNaming,
  ) {
    super(serviceName, protocol, options);
  }

  addScope(
    id: string,
    name = this.naming.defaultScopeName(id),
    options: { status?: string; createdAt?: Date } = {},
  ): FakeDatastore {
    this.checkSeedId(this.naming.scopeField, this.naming.validateScopeId, id);
    return this.putScope(id, {
      id,
      name,
      status: options.status ?? 'ACTIVE',
      createdAt: options.createdAt ?? this.now(),
    });
  }

  /** Adds (or replaces) a job; its data store is created when missing. */
  addJob(seed: Seed): StoredJob<Seed> {
    this.checkSeedId(this.naming.scopeField, this.naming.validateScopeId, seed.scope);
    this.checkSeedId(this.naming.jobField, this.naming.validateJobId, seed.jobId);
    if (!this.scope(seed.scope)) this.addScope(seed.scope);
    return this.putJob(seed.scope, seed.jobId, { ...seed, submittedAt: seed.submittedAt ?? this.now() });
  }

  updateJob(scope: string, jobId: string, patch: JobPatch<Seed>): StoredJob<Seed> {
    const current = this.getJob(scope, jobId);
    if (!current) throw new Error(`No ${this.naming.label} job ${scope}/${jobId} in the fake`);
    const patched = applyPatch(current, patch);
    return this.putJob(scope, jobId, {
      ...patched,
      scope,
      jobId,
      submittedAt: patched.submittedAt ?? current.submittedAt,
    });
  }

  /** Forgets all state, recorded calls and armed faults. */
  reset(): void {
    this.clearJobs();
    this.server.resetCalls();
    this.server.clearFaults();
  }

  private checkSeedId(field: string, rule: IdRule | undefined, id: string): void {
    const problem = rule?.(id);
    if (problem) {
      throw new Error(`${this.naming.label} fake: invalid ${field} ${JSON.stringify(id)}: ${problem}`);
    }
  }
}
