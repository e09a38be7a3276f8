import { JobStatus } from '@aws-sdk/client-medical-imaging';
import {
  HEALTHIMAGING_MAX_DATASTORE_PAGE,
  healthImagingDefinition,
} from '../../../lambdas/services/healthimaging/definition.js';
import {
  DatastoreFake,
  type DatastoreJobSeed,
  type FakeDatastore,
  type JobPatch,
  type StoredJob,
} from '../../fakes/datastore-fake.js';
import { epochSeconds, errors, type FakeRequest, paginate, restJson1 } from '../../fakes/fake-aws-server.js';
import { checkedEnum, checkedId, constraint } from '../../fakes/model-checks.js';
import type { ServiceFakeOptions } from '../../fakes/service-fake.js';

/**
 * AWS HealthImaging (`medical-imaging`) on the wire: restJson1, dates as epoch seconds. The routes are the
 * ones the SDK's serializers use (`@aws-sdk/client-medical-imaging`, `dist-cjs/index.js`):
 *
 *   GET /datastore                                              ListDatastores   ?datastoreStatus&nextToken&maxResults
 *   GET /datastore/{datastoreId}                                GetDatastore
 *   GET /listDICOMImportJobs/datastore/{datastoreId}            ListDICOMImportJobs ?jobStatus&nextToken&maxResults
 *   GET /getDICOMImportJob/datastore/{datastoreId}/job/{jobId}  GetDICOMImportJob
 *
 * The job output manifest lives in S3, not here: `jobOutputManifest` builds its documented shape for a test
 * or the simulator to put into moto's S3.
 */

/** The raw job statuses HealthImaging accepts as a list filter: the installed SDK's `JobStatus` enum. */
export const HEALTHIMAGING_RAW_STATUSES: readonly string[] = Object.values(JobStatus);

const DATASTORE_STATUSES = ['CREATING', 'CREATE_FAILED', 'ACTIVE', 'DELETING', 'DELETED'] as const;
const MAX_PAGE = healthImagingDefinition.maxPageSize;
const MAX_DATASTORE_PAGE = HEALTHIMAGING_MAX_DATASTORE_PAGE;

/** A HealthImaging data store as the fake keeps it. */
export type FakeImagingScope = FakeDatastore;

/**
 * One DICOM import job as a test or the simulator seeds it: the data store id is 32 characters of
 * `[0-9a-z]`; `import-<jobId>` is sent when `jobName` is absent (the model requires one); `inputLocation` is
 * `inputS3Uri`, `outputLocation` `outputS3Uri`: the job's own output folder, where
 * `job-output-manifest.json` is written.
 */
export type HealthImagingJobSeed = DatastoreJobSeed;

export type HealthImagingFakeJob = StoredJob<HealthImagingJobSeed>;

/** A change to a job; a field set to `undefined` is removed. */
export type HealthImagingJobPatch = JobPatch<HealthImagingJobSeed>;

export type HealthImagingFakeOptions = ServiceFakeOptions;

export class HealthImagingFake extends DatastoreFake<HealthImagingJobSeed> {
  constructor(options: HealthImagingFakeOptions = {}) {
    super(
      'medical-imaging',
      restJson1({
        'GET /datastore': 'ListDatastores',
        'GET /datastore/{datastoreId}': 'GetDatastore',
        'GET /listDICOMImportJobs/datastore/{datastoreId}': 'ListDICOMImportJobs',
        'GET /getDICOMImportJob/datastore/{datastoreId}/job/{jobId}': 'GetDICOMImportJob',
      }),
      options,
      {
        label: 'HealthImaging',
        scopeField: 'datastoreId',
        jobField: 'jobId',
        validateScopeId: healthImagingDefinition.validateScopeId,
        validateJobId: healthImagingDefinition.validateJobId,
        defaultScopeName: (id) => `datastore-${id.slice(0, 8)}`,
      },
    );
    this.serve({
      ListDatastores: (request) => this.listDatastores(request),
      GetDatastore: (request) => this.getDatastore(request),
      ListDICOMImportJobs: (request) => this.listImportJobs(request),
      GetDICOMImportJob: (request) => this.getImportJob(request),
    });
  }

  private listDatastores(request: FakeRequest): Record<string, unknown> {
    const { query } = request;
    const maxResults = queryInt(query, 'maxResults', 1, MAX_DATASTORE_PAGE);
    const status = queryEnum(query, 'datastoreStatus', DATASTORE_STATUSES);
    const matching = this.scopes().filter((scope) => status === undefined || scope.status === status);
    const { page, nextToken } = paginate(
      matching,
      query.get('nextToken') ?? undefined,
      maxResults,
      MAX_DATASTORE_PAGE,
      JSON.stringify(['ListDatastores', status ?? null]),
    );
    return {
      datastoreSummaries: page.map((scope) => this.datastoreWire(scope)),
      ...(nextToken && { nextToken }),
    };
  }

  private getDatastore(request: FakeRequest): Record<string, unknown> {
    const datastoreId = pathId(request, 'datastoreId');
    return { datastoreProperties: this.datastoreWire(this.requireScope(datastoreId)) };
  }

  private listImportJobs(request: FakeRequest): Record<string, unknown> {
    const { query } = request;
    const datastoreId = pathId(request, 'datastoreId');
    const maxResults = queryInt(query, 'maxResults', 1, MAX_PAGE);
    const status = queryEnum(query, 'jobStatus', HEALTHIMAGING_RAW_STATUSES);
    this.requireScope(datastoreId);
    const matching = this.jobsIn(datastoreId).filter((job) => status === undefined || job.status === status);
    const { page, nextToken } = paginate(
      matching,
      query.get('nextToken') ?? undefined,
      maxResults,
      MAX_PAGE,
      JSON.stringify(['ListDICOMImportJobs', datastoreId, status ?? null]),
    );
    return { jobSummaries: page.map((job) => this.jobWire(job, 'summary')), ...(nextToken && { nextToken }) };
  }

  private getImportJob(request: FakeRequest): Record<string, unknown> {
    const datastoreId = pathId(request, 'datastoreId');
    const jobId = pathId(request, 'jobId');
    this.requireScope(datastoreId);
    const job = this.getJob(datastoreId, jobId);
    if (!job) throw errors.notFound(`Import job ${jobId} not found in datastore ${datastoreId}`);
    return { jobProperties: this.jobWire(job, 'properties') };
  }

  private requireScope(datastoreId: string): FakeImagingScope {
    const scope = this.scope(datastoreId);
    if (!scope) throw errors.notFound(`Datastore ${datastoreId} not found`);
    return scope;
  }

  private datastoreWire(scope: FakeImagingScope): Record<string, unknown> {
    return {
      datastoreId: scope.id,
      datastoreName: scope.name,
      datastoreStatus: scope.status,
      datastoreArn: `arn:aws:medical-imaging:${this.region}:${this.accountId}:datastore/${scope.id}`,
      createdAt: epochSeconds(scope.createdAt),
      updatedAt: epochSeconds(scope.createdAt),
    };
  }

  /** A summary (list) lacks the S3 URIs; the properties (get) carry them. Undefined fields are not sent. */
  private jobWire(job: HealthImagingFakeJob, shape: 'summary' | 'properties'): Record<string, unknown> {
    return {
      jobId: job.jobId,
      jobName: job.jobName ?? `import-${job.jobId}`,
      jobStatus: job.status,
      datastoreId: job.scope,
      dataAccessRoleArn:
        job.dataAccessRoleArn ?? `arn:aws:iam::${this.accountId}:role/healthimaging-import-${job.scope}`,
      endedAt: job.endedAt && epochSeconds(job.endedAt),
      submittedAt: epochSeconds(job.submittedAt),
      ...(shape === 'properties' && {
        inputS3Uri: job.inputLocation ?? `s3://healthimaging-input/${job.scope}/${job.jobId}/`,
        outputS3Uri: job.outputLocation,
      }),
      message: job.message,
      ...job.wire,
    };
  }
}

/** Counts for `jobOutputManifest`; the names are the manifest's own. */
export interface ManifestCounts {
  readonly numberOfScannedFiles?: number;
  readonly numberOfImportedFiles: number;
  readonly numberOfFilesWithCustomerError?: number;
  readonly numberOfFilesWithServerError?: number;
  readonly numberOfGeneratedImageSets?: number;
}

/**
 * The `job-output-manifest.json` HealthImaging writes under a job's `outputS3Uri`, in the documented shape
 * (HealthImaging developer guide, "Understanding import jobs"): a `jobSummary` with the job's ids and S3
 * folders, the file counts and one entry per generated image set.
 */
export function jobOutputManifest(
  job: Pick<HealthImagingJobSeed, 'scope' | 'jobId' | 'inputLocation' | 'outputLocation'>,
  counts: ManifestCounts,
): string {
  const output = job.outputLocation ?? `s3://healthimaging-output/${job.scope}-DicomImport-${job.jobId}/`;
  const folder = output.endsWith('/') ? output : `${output}/`;
  const customer = counts.numberOfFilesWithCustomerError ?? 0;
  const server = counts.numberOfFilesWithServerError ?? 0;
  const imageSets = counts.numberOfGeneratedImageSets ?? (counts.numberOfImportedFiles > 0 ? 1 : 0);
  return JSON.stringify({
    jobSummary: {
      jobId: job.jobId,
      datastoreId: job.scope,
      inputS3Uri: job.inputLocation ?? `s3://healthimaging-input/${job.scope}/${job.jobId}/`,
      outputS3Uri: folder,
      successOutputS3Uri: `${folder}SUCCESS/`,
      failureOutputS3Uri: `${folder}FAILURE/`,
      warningsOutputS3Uri: `${folder}WARNING/`,
      numberOfScannedFiles: counts.numberOfScannedFiles ?? counts.numberOfImportedFiles + customer + server,
      numberOfImportedFiles: counts.numberOfImportedFiles,
      numberOfFilesWithCustomerError: customer,
      numberOfFilesWithServerError: server,
      numberOfGeneratedImageSets: imageSets,
      imageSetsSummary: Array.from({ length: imageSets }, (_, index) => ({
        imageSetId: `${job.jobId}${index}`.padEnd(32, '0').slice(0, 32),
        numberOfMatchedSOPInstances: 1,
      })),
    },
  });
}

// Request validation, the way the service answers a request that breaks the model: ValidationException.

function pathId(request: FakeRequest, field: 'datastoreId' | 'jobId'): string {
  const value = request.params[field] ?? '';
  return checkedId(
    field,
    value,
    field === 'jobId' ? healthImagingDefinition.validateJobId : healthImagingDefinition.validateScopeId,
  );
}

function queryInt(query: URLSearchParams, field: string, min: number, max: number): number | undefined {
  const raw = query.get(field);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw constraint(field, raw, `Member must have value between ${min} and ${max}`);
  }
  return value;
}

function queryEnum<T extends string>(
  query: URLSearchParams,
  field: string,
  allowed: readonly T[],
): T | undefined {
  return checkedEnum(field, query.get(field) ?? undefined, allowed);
}
