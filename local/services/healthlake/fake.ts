import { JobStatus } from '@aws-sdk/client-healthlake';
import {
  HEALTHLAKE_MAX_DATASTORE_PAGE,
  healthLakeDefinition,
} from '../../../lambdas/services/healthlake/definition.js';
import {
  applyPatch,
  epochSeconds,
  errors,
  FakeAwsServer,
  type FakeRequest,
  FakeServiceError,
  paginate,
} from '../../fakes/fake-aws-server.js';

/**
 * AWS HealthLake on the wire (awsJson1_0: `POST /`, `X-Amz-Target: HealthLake.<Operation>`, dates as epoch
 * seconds) for the operations the adapter uses: ListFHIRDatastores, ListFHIRImportJobs and
 * DescribeFHIRImportJob. State lives in memory and is seeded through the same small API every service fake has.
 */

/** The raw job statuses HealthLake accepts as a list filter: the installed SDK's `JobStatus` enum. */
export const HEALTHLAKE_RAW_STATUSES: readonly string[] = Object.values(JobStatus);

const DATASTORE_STATUSES = ['CREATING', 'ACTIVE', 'DELETING', 'DELETED', 'CREATE_FAILED'] as const;
const MAX_PAGE = healthLakeDefinition.maxPageSize;
const MAX_DATASTORE_PAGE = HEALTHLAKE_MAX_DATASTORE_PAGE;

export interface FakeScope {
  readonly id: string;
  readonly name: string;
  /** Data store status, `ACTIVE` unless seeded otherwise. */
  readonly status: string;
  readonly createdAt: Date;
}

/** One FHIR import job as a test or the simulator seeds it. Only `scope`, `jobId` and `status` are needed. */
export interface HealthLakeJobSeed {
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
  /** `InputDataConfig.S3Uri`; the model requires it, so a default is sent when absent. */
  readonly inputLocation?: string;
  /** `JobOutputDataConfig.S3Configuration.S3Uri`. */
  readonly outputLocation?: string;
  readonly kmsKeyId?: string;
  readonly dataAccessRoleArn?: string;
  readonly validationLevel?: string;
  /** `JobProgressReport`, with AWS's field names (`TotalNumberOfScannedFiles`, ...). */
  readonly progress?: Readonly<Record<string, number>>;
  /** Wire fields laid over the generated item (a value of `undefined` drops the field): malformed responses. */
  readonly wire?: Readonly<Record<string, unknown>>;
}

export interface HealthLakeFakeJob extends HealthLakeJobSeed {
  readonly submittedAt: Date;
}

/** A change to a job; a field set to `undefined` is removed. */
export type HealthLakeJobPatch = {
  readonly [K in Exclude<keyof HealthLakeJobSeed, 'scope' | 'jobId'>]?: HealthLakeJobSeed[K] | undefined;
};

export interface HealthLakeFakeOptions {
  readonly region?: string;
  readonly accountId?: string;
  readonly now?: () => Date;
}

export class HealthLakeFake {
  readonly server: FakeAwsServer;
  private readonly scopeMap = new Map<string, FakeScope>();
  private readonly jobMap = new Map<string, HealthLakeFakeJob>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => Date;

  constructor(options: HealthLakeFakeOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.now = options.now ?? (() => new Date());
    this.server = new FakeAwsServer(
      'healthlake',
      { kind: 'awsJson1_0', targetPrefix: 'HealthLake' },
      {
        ListFHIRDatastores: (request) => this.listDatastores(request),
        ListFHIRImportJobs: (request) => this.listImportJobs(request),
        DescribeFHIRImportJob: (request) => this.describeImportJob(request),
      },
    );
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  start(port = 0): Promise<string> {
    return this.server.start(port);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  addScope(
    id: string,
    name = `datastore-${id}`,
    options: { status?: string; createdAt?: Date } = {},
  ): FakeScope {
    checkId('DatastoreId', id);
    const scope: FakeScope = {
      id,
      name,
      status: options.status ?? 'ACTIVE',
      createdAt: options.createdAt ?? this.now(),
    };
    this.scopeMap.set(id, scope);
    return scope;
  }

  scopes(): FakeScope[] {
    return [...this.scopeMap.values()];
  }

  /** Adds (or replaces) a job; its data store is created when missing. */
  addJob(seed: HealthLakeJobSeed): HealthLakeFakeJob {
    checkId('DatastoreId', seed.scope);
    checkId('JobId', seed.jobId);
    if (!this.scopeMap.has(seed.scope)) this.addScope(seed.scope);
    const job: HealthLakeFakeJob = { ...seed, submittedAt: seed.submittedAt ?? this.now() };
    this.jobMap.set(jobKey(seed.scope, seed.jobId), job);
    return job;
  }

  updateJob(scope: string, jobId: string, patch: HealthLakeJobPatch): HealthLakeFakeJob {
    const current = this.jobMap.get(jobKey(scope, jobId));
    if (!current) throw new Error(`No HealthLake job ${scope}/${jobId} in the fake`);
    const patched = applyPatch(current, patch);
    const job: HealthLakeFakeJob = {
      ...patched,
      scope,
      jobId,
      submittedAt: patched.submittedAt ?? current.submittedAt,
    };
    this.jobMap.set(jobKey(scope, jobId), job);
    return job;
  }

  getJob(scope: string, jobId: string): HealthLakeFakeJob | undefined {
    return this.jobMap.get(jobKey(scope, jobId));
  }

  /** Every job, in the order they were added. */
  jobs(): HealthLakeFakeJob[] {
    return [...this.jobMap.values()];
  }

  /** Forgets all state, recorded calls and armed faults. */
  reset(): void {
    this.scopeMap.clear();
    this.jobMap.clear();
    this.server.resetCalls();
    this.server.clearFaults();
  }

  private listDatastores(request: FakeRequest): unknown {
    const { body } = request;
    const maxResults = optionalInt(body, 'MaxResults', 1, MAX_DATASTORE_PAGE);
    const nextToken = optionalString(body, 'NextToken');
    const filter = optionalObject(body, 'Filter');
    const name = optionalString(filter, 'DatastoreName');
    const status = optionalEnum(filter, 'DatastoreStatus', DATASTORE_STATUSES);
    const createdBefore = optionalEpoch(filter, 'CreatedBefore');
    const createdAfter = optionalEpoch(filter, 'CreatedAfter');
    const matching = this.scopes().filter(
      (scope) =>
        (name === undefined || scope.name === name) &&
        (status === undefined || scope.status === status) &&
        (createdBefore === undefined || scope.createdAt < createdBefore) &&
        (createdAfter === undefined || scope.createdAt > createdAfter),
    );
    const { page, nextToken: next } = paginate(
      matching,
      nextToken,
      maxResults,
      MAX_DATASTORE_PAGE,
      JSON.stringify(['ListFHIRDatastores', filter ?? null]),
    );
    return {
      DatastorePropertiesList: page.map((scope) => ({
        DatastoreId: scope.id,
        DatastoreArn: `arn:aws:healthlake:${this.region}:${this.accountId}:datastore/fhir/${scope.id}`,
        DatastoreName: scope.name,
        DatastoreStatus: scope.status,
        CreatedAt: epochSeconds(scope.createdAt),
        DatastoreTypeVersion: 'R4',
        DatastoreEndpoint: `https://healthlake.${this.region}.amazonaws.com/datastore/${scope.id}/r4/`,
      })),
      ...(next && { NextToken: next }),
    };
  }

  private listImportJobs(request: FakeRequest): unknown {
    const { body } = request;
    const datastoreId = requiredId(body, 'DatastoreId');
    const maxResults = optionalInt(body, 'MaxResults', 1, MAX_PAGE);
    const nextToken = optionalString(body, 'NextToken');
    const jobName = optionalString(body, 'JobName');
    const status = optionalEnum(body, 'JobStatus', HEALTHLAKE_RAW_STATUSES);
    const submittedBefore = optionalEpoch(body, 'SubmittedBefore');
    const submittedAfter = optionalEpoch(body, 'SubmittedAfter');
    this.requireScope(datastoreId);
    const matching = this.jobs().filter(
      (job) =>
        job.scope === datastoreId &&
        (jobName === undefined || job.jobName === jobName) &&
        (status === undefined || job.status === status) &&
        (submittedBefore === undefined || job.submittedAt < submittedBefore) &&
        (submittedAfter === undefined || job.submittedAt > submittedAfter),
    );
    const fingerprint = JSON.stringify([
      'ListFHIRImportJobs',
      datastoreId,
      jobName ?? null,
      status ?? null,
      body.SubmittedBefore ?? null,
      body.SubmittedAfter ?? null,
    ]);
    const { page, nextToken: next } = paginate(matching, nextToken, maxResults, MAX_PAGE, fingerprint);
    return { ImportJobPropertiesList: page.map((job) => this.toWire(job)), ...(next && { NextToken: next }) };
  }

  private describeImportJob(request: FakeRequest): unknown {
    const { body } = request;
    const datastoreId = requiredId(body, 'DatastoreId');
    const jobId = requiredId(body, 'JobId');
    this.requireScope(datastoreId);
    const job = this.getJob(datastoreId, jobId);
    if (!job) throw errors.notFound(`Import job ${jobId} not found in datastore ${datastoreId}`);
    return { ImportJobProperties: this.toWire(job) };
  }

  private requireScope(datastoreId: string): void {
    if (!this.scopeMap.has(datastoreId)) throw errors.notFound(`Datastore ${datastoreId} not found`);
  }

  /** `ImportJobProperties` as the service sends it; undefined fields are dropped by JSON, so stay absent. */
  private toWire(job: HealthLakeFakeJob): Record<string, unknown> {
    return {
      JobId: job.jobId,
      JobName: job.jobName,
      JobStatus: job.status,
      SubmitTime: epochSeconds(job.submittedAt),
      EndTime: job.endedAt && epochSeconds(job.endedAt),
      DatastoreId: job.scope,
      InputDataConfig: { S3Uri: job.inputLocation ?? `s3://healthlake-input/${job.scope}/${job.jobId}/` },
      JobOutputDataConfig: job.outputLocation
        ? {
            S3Configuration: {
              S3Uri: job.outputLocation,
              KmsKeyId:
                job.kmsKeyId ??
                `arn:aws:kms:${this.region}:${this.accountId}:key/00000000-0000-0000-0000-000000000000`,
            },
          }
        : undefined,
      JobProgressReport: job.progress,
      DataAccessRoleArn:
        job.dataAccessRoleArn ?? `arn:aws:iam::${this.accountId}:role/healthlake-import-${job.scope}`,
      Message: job.message,
      ValidationLevel: job.validationLevel,
      ...job.wire,
    };
  }
}

function jobKey(scope: string, jobId: string): string {
  return `${scope}\u0000${jobId}`;
}

function checkId(field: string, value: string): void {
  const rule = field === 'JobId' ? healthLakeDefinition.validateJobId : healthLakeDefinition.validateScopeId;
  const problem = rule?.(value);
  if (problem) throw new Error(`HealthLake fake: invalid ${field} ${JSON.stringify(value)}: ${problem}`);
}

// Request validation, the way the service answers a request that breaks the model: ValidationException.

function constraint(field: string, value: unknown, rule: string) {
  return errors.validation(
    `1 validation error detected: Value ${JSON.stringify(value)} at '${field}' failed to satisfy constraint: ${rule}`,
  );
}

function requiredId(body: Record<string, unknown>, field: 'DatastoreId' | 'JobId'): string {
  const value = body[field];
  if (typeof value !== 'string') throw constraint(field, value ?? null, 'Member must not be null');
  const rule = field === 'JobId' ? healthLakeDefinition.validateJobId : healthLakeDefinition.validateScopeId;
  const problem = rule?.(value);
  if (problem) throw constraint(field, value, problem);
  return value;
}

function optionalString(body: Record<string, unknown> | undefined, field: string): string | undefined {
  const value = body?.[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw constraint(field, value, 'Member must be a string');
  return value;
}

function optionalObject(body: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw constraint(field, value, 'Member must be a structure');
  return value as Record<string, unknown>;
}

function optionalInt(
  body: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw constraint(field, value, `Member must have value between ${min} and ${max}`);
  }
  return value;
}

function optionalEnum<T extends string>(
  body: Record<string, unknown> | undefined,
  field: string,
  allowed: readonly T[],
): T | undefined {
  const value = optionalString(body, field);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw constraint(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}

/** awsJson timestamps are epoch seconds (a JSON number). */
function optionalEpoch(body: Record<string, unknown> | undefined, field: string): Date | undefined {
  const value = body?.[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new FakeServiceError(
      'SerializationException',
      400,
      `Expected epoch seconds for ${field}, got ${JSON.stringify(value)}`,
    );
  }
  return new Date(value * 1000);
}
