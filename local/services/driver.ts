import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { FakeAwsServer } from '../fakes/fake-aws-server.js';
import type { OmicsSourceSeed } from './healthomics/fake.js';

/**
 * One face over the wire-protocol fakes, whose seeding APIs differ a little (field names, scopes, who
 * generates ids): the simulator speaks only this. Each service says how to seed its fake in a `DriverSpec`
 * (`<service>/driver.ts`); `defineDriver` makes the driver. Fields a service does not have are ignored by its
 * spec, never sent.
 */

/** Where a job lives: its scope (none for Panorama) and id. */
export interface JobRef {
  readonly scope?: string;
  readonly jobId: string;
}

/** A new job as submitted. */
export interface JobSubmission extends JobRef {
  readonly jobName?: string;
  readonly rawStatus: string;
  readonly submittedAt: Date;
  readonly endedAt?: Date;
  readonly message?: string;
  readonly inputLocation?: string;
  readonly outputLocation?: string;
}

/** A change to a job: a new raw status and/or new detail. Absent fields stay as they are. */
export interface JobChange {
  readonly rawStatus?: string;
  readonly endedAt?: Date;
  readonly message?: string;
  /** HealthLake's `JobProgressReport`. */
  readonly progress?: Readonly<Record<string, number>>;
  /** Entity Resolution's `metrics`. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** HealthOmics' `sources[]`. */
  readonly sources?: readonly OmicsSourceSeed[];
  /** Panorama's `Output` once an import succeeded. */
  readonly packageOutput?: { readonly packageId: string; readonly version: string; readonly patch: string };
}

export interface ServiceDriver {
  readonly service: ServiceId;
  /** The fake's HTTP server: call log and fault injection (`server.inject(op, 'throttle', 1)`). */
  readonly server: FakeAwsServer;
  /** The operations the poller calls: the ones worth throttling. */
  readonly operations: readonly string[];
  /** Whether jobs live in scopes (data stores, reference stores, workflows). */
  readonly scoped: boolean;
  readonly endpoint: string;
  start(): Promise<string>;
  stop(): Promise<void>;
  addScope(id: string, name: string): void;
  submit(job: JobSubmission): void;
  update(job: JobRef, change: JobChange): void;
}

export interface DriverOptions {
  readonly region: string;
  readonly accountId: string;
}

/** How one service's fake is made and seeded. `scope` is the job's scope ('' for a service without). */
export interface DriverSpec<Fake extends { readonly server: FakeAwsServer }> {
  createFake(options: DriverOptions): Fake;
  /** Absent for a service whose jobs have no scope. */
  addScope?(fake: Fake, id: string, name: string): void;
  submit(fake: Fake, job: JobSubmission, scope: string): void;
  update(fake: Fake, job: JobRef, change: JobChange, scope: string): void;
}

/** What makes a service's driver over a fresh fake. */
export type DriverFactory = (
  service: ServiceId,
  operations: readonly string[],
  options: DriverOptions,
) => ServiceDriver;

export function defineDriver<Fake extends { readonly server: FakeAwsServer }>(
  spec: DriverSpec<Fake>,
): DriverFactory {
  return (service, operations, options) => {
    const fake = spec.createFake(options);
    const scoped = spec.addScope !== undefined;
    const scopeOf = (job: JobRef): string => {
      if (!scoped) return '';
      if (job.scope === undefined) throw new Error(`${service} jobs need a scope`);
      return job.scope;
    };
    const driver: ServiceDriver & { readonly fake: Fake } = {
      service,
      operations,
      scoped,
      fake,
      server: fake.server,
      get endpoint() {
        return fake.server.endpoint;
      },
      start: () => fake.server.start(),
      stop: () => fake.server.stop(),
      addScope(id, name) {
        if (!spec.addScope) throw new Error(`${service} jobs have no scope`);
        spec.addScope(fake, id, name);
      },
      submit: (job) => spec.submit(fake, job, scopeOf(job)),
      update: (job, change) => spec.update(fake, job, change, scopeOf(job)),
    };
    return driver;
  };
}

/**
 * HealthLake's and HealthImaging's fakes take the same seed, in the snapshot's own names: a new job as they
 * want it.
 */
export function snapshotNamedSeed(job: JobSubmission, scope: string) {
  return {
    scope,
    jobId: job.jobId,
    status: job.rawStatus,
    submittedAt: job.submittedAt,
    ...(job.jobName !== undefined && { jobName: job.jobName }),
    ...(job.endedAt && { endedAt: job.endedAt }),
    ...(job.message !== undefined && { message: job.message }),
    ...(job.inputLocation !== undefined && { inputLocation: job.inputLocation }),
    ...(job.outputLocation !== undefined && { outputLocation: job.outputLocation }),
  };
}

/** The same for a change: status, end time and message. */
export function snapshotNamedPatch(change: JobChange) {
  return {
    ...(change.rawStatus !== undefined && { status: change.rawStatus }),
    ...(change.endedAt && { endedAt: change.endedAt }),
    ...(change.message !== undefined && { message: change.message }),
  };
}
