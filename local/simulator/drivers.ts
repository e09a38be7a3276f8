import { SERVICE_CATALOG } from '../../lambdas/core/catalog.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { FakeAwsServer } from '../fakes/fake-aws-server.js';
import { FakeEntityResolution } from '../services/entityresolution/fake.js';
import { HealthImagingFake } from '../services/healthimaging/fake.js';
import { HealthLakeFake } from '../services/healthlake/fake.js';
import { FakeHealthOmics, type OmicsSourceSeed } from '../services/healthomics/fake.js';
import { FakePanorama } from '../services/panorama/fake.js';

/**
 * One face over the five wire-protocol fakes, whose seeding APIs differ a little (field names, scopes,
 * who generates ids): the simulator speaks only this. Fields a service does not have are ignored by its
 * driver, never sent.
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

/** The operation names of a service's IAM actions (`healthlake:ListFHIRImportJobs` → `ListFHIRImportJobs`). */
function pollerOperations(service: ServiceId): string[] {
  return SERVICE_CATALOG[service].iamActions.map((action) => action.slice(action.indexOf(':') + 1));
}

function scopeOf(job: JobRef, service: ServiceId): string {
  if (job.scope === undefined) throw new Error(`${service} jobs need a scope`);
  return job.scope;
}

/**
 * HealthLake's and HealthImaging's fakes take the same seed, in the snapshot's own names: a new job as they
 * want it.
 */
function snapshotNamedSeed(job: JobSubmission, service: ServiceId) {
  return {
    scope: scopeOf(job, service),
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
function snapshotNamedPatch(change: JobChange) {
  return {
    ...(change.rawStatus !== undefined && { status: change.rawStatus }),
    ...(change.endedAt && { endedAt: change.endedAt }),
    ...(change.message !== undefined && { message: change.message }),
  };
}

abstract class BaseDriver {
  abstract readonly fake: { readonly server: FakeAwsServer };

  get server(): FakeAwsServer {
    return this.fake.server;
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  start(): Promise<string> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

class HealthLakeDriver extends BaseDriver implements ServiceDriver {
  readonly service = 'healthlake' as const;
  readonly operations = pollerOperations('healthlake');
  readonly scoped = true;
  readonly fake: HealthLakeFake;

  constructor(options: DriverOptions) {
    super();
    this.fake = new HealthLakeFake(options);
  }

  addScope(id: string, name: string): void {
    this.fake.addScope(id, name);
  }

  submit(job: JobSubmission): void {
    this.fake.addJob(snapshotNamedSeed(job, this.service));
  }

  update(job: JobRef, change: JobChange): void {
    this.fake.updateJob(scopeOf(job, this.service), job.jobId, {
      ...snapshotNamedPatch(change),
      ...(change.progress && { progress: change.progress }),
    });
  }
}

class HealthImagingDriver extends BaseDriver implements ServiceDriver {
  readonly service = 'healthimaging' as const;
  readonly operations = pollerOperations('healthimaging');
  readonly scoped = true;
  readonly fake: HealthImagingFake;

  constructor(options: DriverOptions) {
    super();
    this.fake = new HealthImagingFake(options);
  }

  addScope(id: string, name: string): void {
    this.fake.addScope(id, name);
  }

  submit(job: JobSubmission): void {
    this.fake.addJob(snapshotNamedSeed(job, this.service));
  }

  update(job: JobRef, change: JobChange): void {
    this.fake.updateJob(scopeOf(job, this.service), job.jobId, snapshotNamedPatch(change));
  }
}

class HealthOmicsDriver extends BaseDriver implements ServiceDriver {
  readonly service = 'healthomics' as const;
  readonly operations = pollerOperations('healthomics');
  readonly scoped = true;
  readonly fake: FakeHealthOmics;

  constructor(options: DriverOptions) {
    super();
    this.fake = new FakeHealthOmics(options);
  }

  addScope(id: string, name: string): void {
    this.fake.addScope(id, name);
  }

  submit(job: JobSubmission): void {
    this.fake.addJob({
      referenceStoreId: scopeOf(job, this.service),
      id: job.jobId,
      status: job.rawStatus,
      creationTime: job.submittedAt,
      ...(job.endedAt && { completionTime: job.endedAt }),
      ...(job.message !== undefined && { statusMessage: job.message }),
    });
  }

  update(job: JobRef, change: JobChange): void {
    this.fake.updateJob(scopeOf(job, this.service), job.jobId, {
      ...(change.rawStatus !== undefined && { status: change.rawStatus }),
      ...(change.endedAt && { completionTime: change.endedAt }),
      ...(change.message !== undefined && { statusMessage: change.message }),
      ...(change.sources && { sources: change.sources }),
    });
  }
}

class EntityResolutionDriver extends BaseDriver implements ServiceDriver {
  readonly service = 'entityresolution' as const;
  readonly operations = pollerOperations('entityresolution');
  readonly scoped = true;
  readonly fake: FakeEntityResolution;

  constructor(options: DriverOptions) {
    super();
    this.fake = new FakeEntityResolution(options);
  }

  /** The workflow name is the scope id; a workflow has no separate display name. */
  addScope(id: string): void {
    this.fake.addScope(id);
  }

  submit(job: JobSubmission): void {
    this.fake.addJob({
      workflowName: scopeOf(job, this.service),
      jobId: job.jobId,
      status: job.rawStatus,
      startTime: job.submittedAt,
      ...(job.endedAt && { endTime: job.endedAt }),
      ...(job.message !== undefined && { errorMessage: job.message }),
      ...(job.outputLocation !== undefined && {
        outputSourceConfig: [{ outputS3Path: job.outputLocation }],
      }),
    });
  }

  update(job: JobRef, change: JobChange): void {
    this.fake.updateJob(scopeOf(job, this.service), job.jobId, {
      ...(change.rawStatus !== undefined && { status: change.rawStatus }),
      ...(change.endedAt && { endTime: change.endedAt }),
      ...(change.message !== undefined && { errorMessage: change.message }),
      ...(change.metrics && { metrics: change.metrics }),
    });
  }
}

class PanoramaDriver extends BaseDriver implements ServiceDriver {
  readonly service = 'panorama' as const;
  readonly operations = pollerOperations('panorama');
  readonly scoped = false;
  readonly fake: FakePanorama;

  constructor() {
    super();
    this.fake = new FakePanorama();
  }

  addScope(): void {
    throw new Error('Panorama package import jobs have no scope');
  }

  submit(job: JobSubmission): void {
    const [bucket, ...key] = (job.inputLocation ?? 's3://panorama-packages/package.tar.gz')
      .replace(/^s3:\/\//, '')
      .split('/');
    this.fake.addJob({
      JobId: job.jobId,
      Status: job.rawStatus,
      CreatedTime: job.submittedAt,
      ...(job.endedAt && { LastUpdatedTime: job.endedAt }),
      ...(job.message !== undefined && { StatusMessage: job.message }),
      InputS3Location: { BucketName: bucket ?? 'panorama-packages', ObjectKey: key.join('/') },
      ...(job.jobName !== undefined && {
        OutputConfig: { PackageName: job.jobName, PackageVersion: '1.0', MarkLatest: true },
      }),
    });
  }

  update(job: JobRef, change: JobChange): void {
    const output = change.packageOutput;
    this.fake.updateJob(undefined, job.jobId, {
      ...(change.rawStatus !== undefined && { Status: change.rawStatus }),
      ...(change.endedAt && { LastUpdatedTime: change.endedAt }),
      ...(change.message !== undefined && { StatusMessage: change.message }),
      ...(output && {
        Output: {
          PackageId: output.packageId,
          PackageVersion: output.version,
          PatchVersion: output.patch,
          OutputS3Location: {
            BucketName: 'panorama-packages',
            ObjectKey: `${output.packageId}/${output.patch}`,
          },
        },
      }),
    });
  }
}

/** The driver of one service, over a fresh fake. */
export function createDriver(service: ServiceId, options: DriverOptions): ServiceDriver {
  switch (service) {
    case 'healthlake':
      return new HealthLakeDriver(options);
    case 'healthimaging':
      return new HealthImagingDriver(options);
    case 'healthomics':
      return new HealthOmicsDriver(options);
    case 'entityresolution':
      return new EntityResolutionDriver(options);
    case 'panorama':
      return new PanoramaDriver();
  }
}
