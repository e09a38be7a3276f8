import { JobStatus } from '@aws-sdk/client-healthlake';
import {
  HEALTHLAKE_MAX_DATASTORE_PAGE,
  healthLakeDefinition,
} from '../../../lambdas/services/healthlake/definition.js';
import {
  DatastoreFake,
  type DatastoreJobSeed,
  type FakeDatastore,
  type JobPatch,
  type StoredJob,
} from '../../fakes/datastore-fake.js';
import {
  epochSeconds,
  errors,
  type FakeRequest,
  FakeServiceError,
  paginate,
} from '../../fakes/fake-aws-server.js';
import { checkedEnum, checkedId, constraint } from '../../fakes/model-checks.js';
import type { ServiceFakeOptions } from '../../fakes/service-fake.js';

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

/** A HealthLake data store as the fake keeps it. */
export type FakeScope = FakeDatastore;

/**
 * One FHIR import job as a test or the simulator seeds it. `inputLocation` is `InputDataConfig.S3Uri`,
 * `outputLocation` `JobOutputDataConfig.S3Configuration.S3Uri`.
 */
export interface HealthLakeJobSeed extends DatastoreJobSeed {
  readonly kmsKeyId?: string;
  readonly validationLevel?: string;
  /** `JobProgressReport`, with AWS's field names (`TotalNumberOfScannedFiles`, ...). */
  readonly progress?: Readonly<Record<string, number>>;
}

export type HealthLakeFakeJob = StoredJob<HealthLakeJobSeed>;

/** A change to a job; a field set to `undefined` is removed. */
export type HealthLakeJobPatch = JobPatch<HealthLakeJobSeed>;

export type HealthLakeFakeOptions = ServiceFakeOptions;

export class HealthLakeFake extends DatastoreFake<HealthLakeJobSeed> {
  constructor(options: HealthLakeFakeOptions = {}) {
    super('healthlake', { kind: 'awsJson1_0', targetPrefix: 'HealthLake' }, options, {
      label: 'HealthLake',
      scopeField: 'DatastoreId',
      jobField: 'JobId',
      validateScopeId: healthLakeDefinition.validateScopeId,
      validateJobId: healthLakeDefinition.validateJobId,
      defaultScopeName: (id) => `datastore-${id}`,
    });
    this.serve({
      ListFHIRDatastores: (request) => this.listDatastores(request),
      ListFHIRImportJobs: (request) => this.listImportJobs(request),
      DescribeFHIRImportJob: (request) => this.describeImportJob(request),
    });
  }

  private listDatastores(request: FakeRequest): Record<string, unknown> {
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

  private listImportJobs(request: FakeRequest): Record<string, unknown> {
    const { body } = request;
    const datastoreId = requiredId(body, 'DatastoreId');
    const maxResults = optionalInt(body, 'MaxResults', 1, MAX_PAGE);
    const nextToken = optionalString(body, 'NextToken');
    const jobName = optionalString(body, 'JobName');
    const status = optionalEnum(body, 'JobStatus', HEALTHLAKE_RAW_STATUSES);
    const submittedBefore = optionalEpoch(body, 'SubmittedBefore');
    const submittedAfter = optionalEpoch(body, 'SubmittedAfter');
    this.requireScope(datastoreId);
    const matching = this.jobsIn(datastoreId).filter(
      (job) =>
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

  private describeImportJob(request: FakeRequest): Record<string, unknown> {
    const { body } = request;
    const datastoreId = requiredId(body, 'DatastoreId');
    const jobId = requiredId(body, 'JobId');
    this.requireScope(datastoreId);
    const job = this.getJob(datastoreId, jobId);
    if (!job) throw errors.notFound(`Import job ${jobId} not found in datastore ${datastoreId}`);
    return { ImportJobProperties: this.toWire(job) };
  }

  private requireScope(datastoreId: string): void {
    if (!this.scope(datastoreId)) throw errors.notFound(`Datastore ${datastoreId} not found`);
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

// Request validation, the way the service answers a request that breaks the model: ValidationException.

function requiredId(body: Record<string, unknown>, field: 'DatastoreId' | 'JobId'): string {
  const value = body[field];
  if (typeof value !== 'string') throw constraint(field, value ?? null, 'Member must not be null');
  return checkedId(
    field,
    value,
    field === 'JobId' ? healthLakeDefinition.validateJobId : healthLakeDefinition.validateScopeId,
  );
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
  return checkedEnum(field, optionalString(body, field), allowed);
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
