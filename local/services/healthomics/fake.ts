import {
  applyPatch,
  errors,
  type FakeRequest,
  paginate,
  queryPageSize,
  restJson1,
} from '../../fakes/fake-aws-server.js';
import { ScopedServiceFake, type ServiceFakeOptions } from '../../fakes/service-fake.js';

/**
 * A wire-level fake of the HealthOmics reference store calls the aggregator makes (restJson1, dates as
 * ISO-8601 strings): ListReferenceStores, ListReferenceImportJobs (with `filter.status`, `createdAfter`,
 * `createdBefore`), GetReferenceImportJob. Routes and member names are those of `@aws-sdk/client-omics`.
 */

/** One `sources[]` item of a reference import job. `status` is any string, so later AWS values can be sent. */
export interface OmicsSourceSeed {
  readonly status: string;
  readonly sourceFile?: string;
  readonly statusMessage?: string;
  readonly name?: string;
  readonly description?: string;
  readonly referenceId?: string;
}

export interface OmicsJobSeed {
  readonly referenceStoreId: string;
  /** Digits, 10-36; generated when absent. */
  readonly id?: string;
  /** The raw `ReferenceImportJobStatus`, or any other string to play a value AWS adds later. */
  readonly status: string;
  readonly statusMessage?: string;
  readonly roleArn?: string;
  /** Defaults to the fake's clock. */
  readonly creationTime?: Date;
  readonly completionTime?: Date;
  readonly sources?: readonly OmicsSourceSeed[];
}

export interface OmicsJobRecord {
  readonly referenceStoreId: string;
  readonly id: string;
  readonly status: string;
  readonly statusMessage?: string;
  readonly roleArn: string;
  readonly creationTime: Date;
  readonly completionTime?: Date;
  readonly sources: readonly OmicsSourceSeed[];
}

/** Fields to change; an explicit `undefined` removes an optional field. */
export type OmicsJobPatch = {
  readonly [K in 'status' | 'statusMessage' | 'roleArn' | 'completionTime' | 'sources']?:
    | OmicsJobRecord[K]
    | undefined;
};

export interface OmicsStoreRecord {
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  readonly creationTime: Date;
}

export type FakeHealthOmicsOptions = ServiceFakeOptions;

export const OMICS_PAGE_MAX = 100;
const ID_PATTERN = /^[0-9]{10,36}$/;
const JOB_STATUSES = new Set([
  'SUBMITTED',
  'IN_PROGRESS',
  'CANCELLING',
  'CANCELLED',
  'FAILED',
  'COMPLETED',
  'COMPLETED_WITH_FAILURES',
]);

export class FakeHealthOmics extends ScopedServiceFake<OmicsStoreRecord, OmicsJobRecord> {
  private sequence = 0;

  constructor(options: FakeHealthOmicsOptions = {}) {
    super(
      'omics',
      restJson1({
        'POST /referencestores': 'ListReferenceStores',
        'POST /referencestore/{referenceStoreId}/importjobs': 'ListReferenceImportJobs',
        'GET /referencestore/{referenceStoreId}/importjob/{id}': 'GetReferenceImportJob',
      }),
      options,
    );
    this.serve({
      ListReferenceStores: (request) => this.listStores(request),
      ListReferenceImportJobs: (request) => this.listJobs(request),
      GetReferenceImportJob: (request) => this.getJobResponse(request),
    });
  }

  /** Adds a reference store; `id` must be 10-36 digits. */
  addScope(id: string, name = `reference-store-${id}`): OmicsStoreRecord {
    if (!ID_PATTERN.test(id)) throw new Error(`Reference store ids are 10-36 digits, got "${id}"`);
    if (this.scope(id)) throw new Error(`Reference store ${id} already exists`);
    return this.putScope(id, {
      id,
      name,
      arn: `arn:aws:omics:${this.region}:${this.accountId}:referenceStore/${id}`,
      creationTime: this.now(),
    });
  }

  /** Adds a reference import job to a store added before. */
  addJob(seed: OmicsJobSeed): OmicsJobRecord {
    if (!this.scope(seed.referenceStoreId)) {
      throw new Error(`Unknown reference store ${seed.referenceStoreId}; addScope it first`);
    }
    const id = seed.id ?? this.nextId();
    if (!ID_PATTERN.test(id)) throw new Error(`Reference import job ids are 10-36 digits, got "${id}"`);
    if (this.getJob(seed.referenceStoreId, id)) {
      throw new Error(`Job ${seed.referenceStoreId}/${id} already exists`);
    }
    const record: OmicsJobRecord = {
      referenceStoreId: seed.referenceStoreId,
      id,
      status: seed.status,
      roleArn: seed.roleArn ?? `arn:aws:iam::${this.accountId}:role/omics-import`,
      creationTime: seed.creationTime ?? this.now(),
      sources: seed.sources ?? [],
      ...(seed.statusMessage !== undefined && { statusMessage: seed.statusMessage }),
      ...(seed.completionTime !== undefined && { completionTime: seed.completionTime }),
    };
    return this.putJob(seed.referenceStoreId, id, record);
  }

  updateJob(scope: string, jobId: string, patch: OmicsJobPatch): OmicsJobRecord {
    const current = this.getJob(scope, jobId);
    if (!current) throw new Error(`Unknown job ${scope}/${jobId}`);
    return this.putJob(scope, jobId, applyPatch(current, patch));
  }

  private listStores(request: FakeRequest): Record<string, unknown> {
    const filter = objectOf(request.body.filter);
    const name = optionalString(filter.name, 'filter.name');
    const after = optionalDate(filter.createdAfter, 'filter.createdAfter');
    const before = optionalDate(filter.createdBefore, 'filter.createdBefore');
    const stores = this.scopes().filter(
      (store) =>
        (name === undefined || store.name === name) &&
        (after === undefined || store.creationTime >= after) &&
        (before === undefined || store.creationTime <= before),
    );
    const { page, nextToken } = paginate(
      stores,
      request.query.get('nextToken') ?? undefined,
      queryPageSize(request, 'maxResults', OMICS_PAGE_MAX),
      OMICS_PAGE_MAX,
      JSON.stringify(filter),
    );
    return {
      referenceStores: page.map((store) => ({
        arn: store.arn,
        id: store.id,
        name: store.name,
        creationTime: store.creationTime.toISOString(),
      })),
      ...(nextToken && { nextToken }),
    };
  }

  private listJobs(request: FakeRequest): Record<string, unknown> {
    const storeId = this.requireStore(request.params.referenceStoreId);
    const filter = objectOf(request.body.filter);
    const status = optionalString(filter.status, 'filter.status');
    if (status !== undefined && !JOB_STATUSES.has(status)) {
      throw errors.validation(`filter.status must be one of ${[...JOB_STATUSES].join(', ')}`);
    }
    const after = optionalDate(filter.createdAfter, 'filter.createdAfter');
    const before = optionalDate(filter.createdBefore, 'filter.createdBefore');
    const jobs = this.jobsIn(storeId).filter(
      (job) =>
        (status === undefined || job.status === status) &&
        (after === undefined || job.creationTime >= after) &&
        (before === undefined || job.creationTime <= before),
    );
    const { page, nextToken } = paginate(
      jobs,
      request.query.get('nextToken') ?? undefined,
      queryPageSize(request, 'maxResults', OMICS_PAGE_MAX),
      OMICS_PAGE_MAX,
      `${storeId}:${JSON.stringify(filter)}`,
    );
    return {
      importJobs: page.map((job) => ({
        id: job.id,
        referenceStoreId: job.referenceStoreId,
        roleArn: job.roleArn,
        status: job.status,
        creationTime: job.creationTime.toISOString(),
        ...(job.completionTime && { completionTime: job.completionTime.toISOString() }),
      })),
      ...(nextToken && { nextToken }),
    };
  }

  private getJobResponse(request: FakeRequest): Record<string, unknown> {
    const storeId = this.requireStore(request.params.referenceStoreId);
    const jobId = request.params.id ?? '';
    if (!ID_PATTERN.test(jobId)) throw errors.validation('id must be 10-36 digits');
    const job = this.getJob(storeId, jobId);
    if (!job) throw errors.notFound(`Reference import job ${jobId} not found`);
    return {
      id: job.id,
      referenceStoreId: job.referenceStoreId,
      roleArn: job.roleArn,
      status: job.status,
      ...(job.statusMessage !== undefined && { statusMessage: job.statusMessage }),
      creationTime: job.creationTime.toISOString(),
      ...(job.completionTime && { completionTime: job.completionTime.toISOString() }),
      sources: job.sources.map((source) => ({ ...source })),
    };
  }

  private requireStore(storeId: string | undefined): string {
    if (!storeId || !ID_PATTERN.test(storeId)) {
      throw errors.validation('referenceStoreId must be 10-36 digits');
    }
    if (!this.scope(storeId)) throw errors.notFound(`Reference store ${storeId} not found`);
    return storeId;
  }

  private nextId(): string {
    this.sequence += 1;
    return String(4_000_000_000 + this.sequence);
  }
}

function objectOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw errors.validation(`${name} must be a string`);
  return value;
}

/** Omics puts timestamps on the wire as ISO-8601 strings; a number here is a client bug. */
function optionalDate(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw errors.validation(`${name} must be an ISO-8601 date-time`);
  }
  return date;
}
