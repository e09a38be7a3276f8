import { JobStatus } from '@aws-sdk/client-medical-imaging';
import {
  HEALTHIMAGING_MAX_DATASTORE_PAGE,
  healthImagingDefinition,
} from '../../../lambdas/services/healthimaging/definition.js';
import {
  applyPatch,
  epochSeconds,
  errors,
  FakeAwsServer,
  type FakeRequest,
  paginate,
} from '../../fakes/fake-aws-server.js';

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

export interface FakeImagingScope {
  readonly id: string;
  readonly name: string;
  /** Data store status, `ACTIVE` unless seeded otherwise. */
  readonly status: string;
  readonly createdAt: Date;
}

/** One DICOM import job as a test or the simulator seeds it. Only `scope`, `jobId` and `status` are needed. */
export interface HealthImagingJobSeed {
  /** The data store id (32 characters of `[0-9a-z]`). */
  readonly scope: string;
  readonly jobId: string;
  /** The raw status; any string, so a value AWS may add later can be faked. */
  readonly status: string;
  /** The model requires a name; `import-<jobId>` is sent when absent. */
  readonly jobName?: string;
  /** Defaults to the fake's clock at seeding. */
  readonly submittedAt?: Date;
  readonly endedAt?: Date;
  readonly message?: string;
  /** `inputS3Uri`; required by the model, so a default is sent when absent. */
  readonly inputLocation?: string;
  /** `outputS3Uri`: the job's own output folder, where `job-output-manifest.json` is written. */
  readonly outputLocation?: string;
  readonly dataAccessRoleArn?: string;
  /** Wire fields laid over the generated item (a value of `undefined` drops the field): malformed responses. */
  readonly wire?: Readonly<Record<string, unknown>>;
}

export interface HealthImagingFakeJob extends HealthImagingJobSeed {
  readonly submittedAt: Date;
}

/** A change to a job; a field set to `undefined` is removed. */
export type HealthImagingJobPatch = {
  readonly [K in Exclude<keyof HealthImagingJobSeed, 'scope' | 'jobId'>]?:
    | HealthImagingJobSeed[K]
    | undefined;
};

export interface HealthImagingFakeOptions {
  readonly region?: string;
  readonly accountId?: string;
  readonly now?: () => Date;
}

export class HealthImagingFake {
  readonly server: FakeAwsServer;
  private readonly scopeMap = new Map<string, FakeImagingScope>();
  private readonly jobMap = new Map<string, HealthImagingFakeJob>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => Date;

  constructor(options: HealthImagingFakeOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.now = options.now ?? (() => new Date());
    this.server = new FakeAwsServer(
      'medical-imaging',
      {
        kind: 'restJson1',
        routes: [
          { method: 'GET', path: '/datastore', operation: 'ListDatastores' },
          { method: 'GET', path: '/datastore/{datastoreId}', operation: 'GetDatastore' },
          {
            method: 'GET',
            path: '/listDICOMImportJobs/datastore/{datastoreId}',
            operation: 'ListDICOMImportJobs',
          },
          {
            method: 'GET',
            path: '/getDICOMImportJob/datastore/{datastoreId}/job/{jobId}',
            operation: 'GetDICOMImportJob',
          },
        ],
      },
      {
        ListDatastores: (request) => this.listDatastores(request),
        GetDatastore: (request) => this.getDatastore(request),
        ListDICOMImportJobs: (request) => this.listImportJobs(request),
        GetDICOMImportJob: (request) => this.getImportJob(request),
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
    name = `datastore-${id.slice(0, 8)}`,
    options: { status?: string; createdAt?: Date } = {},
  ): FakeImagingScope {
    checkId('datastoreId', id);
    const scope: FakeImagingScope = {
      id,
      name,
      status: options.status ?? 'ACTIVE',
      createdAt: options.createdAt ?? this.now(),
    };
    this.scopeMap.set(id, scope);
    return scope;
  }

  scopes(): FakeImagingScope[] {
    return [...this.scopeMap.values()];
  }

  /** Adds (or replaces) a job; its data store is created when missing. */
  addJob(seed: HealthImagingJobSeed): HealthImagingFakeJob {
    checkId('datastoreId', seed.scope);
    checkId('jobId', seed.jobId);
    if (!this.scopeMap.has(seed.scope)) this.addScope(seed.scope);
    const job: HealthImagingFakeJob = { ...seed, submittedAt: seed.submittedAt ?? this.now() };
    this.jobMap.set(jobKey(seed.scope, seed.jobId), job);
    return job;
  }

  updateJob(scope: string, jobId: string, patch: HealthImagingJobPatch): HealthImagingFakeJob {
    const current = this.jobMap.get(jobKey(scope, jobId));
    if (!current) throw new Error(`No HealthImaging job ${scope}/${jobId} in the fake`);
    const patched = applyPatch(current, patch);
    const job: HealthImagingFakeJob = {
      ...patched,
      scope,
      jobId,
      submittedAt: patched.submittedAt ?? current.submittedAt,
    };
    this.jobMap.set(jobKey(scope, jobId), job);
    return job;
  }

  getJob(scope: string, jobId: string): HealthImagingFakeJob | undefined {
    return this.jobMap.get(jobKey(scope, jobId));
  }

  /** Every job, in the order they were added. */
  jobs(): HealthImagingFakeJob[] {
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

  private getDatastore(request: FakeRequest): unknown {
    const datastoreId = pathId(request, 'datastoreId');
    return { datastoreProperties: this.datastoreWire(this.requireScope(datastoreId)) };
  }

  private listImportJobs(request: FakeRequest): unknown {
    const { query } = request;
    const datastoreId = pathId(request, 'datastoreId');
    const maxResults = queryInt(query, 'maxResults', 1, MAX_PAGE);
    const status = queryEnum(query, 'jobStatus', HEALTHIMAGING_RAW_STATUSES);
    this.requireScope(datastoreId);
    const matching = this.jobs().filter(
      (job) => job.scope === datastoreId && (status === undefined || job.status === status),
    );
    const { page, nextToken } = paginate(
      matching,
      query.get('nextToken') ?? undefined,
      maxResults,
      MAX_PAGE,
      JSON.stringify(['ListDICOMImportJobs', datastoreId, status ?? null]),
    );
    return { jobSummaries: page.map((job) => this.jobWire(job, 'summary')), ...(nextToken && { nextToken }) };
  }

  private getImportJob(request: FakeRequest): unknown {
    const datastoreId = pathId(request, 'datastoreId');
    const jobId = pathId(request, 'jobId');
    this.requireScope(datastoreId);
    const job = this.getJob(datastoreId, jobId);
    if (!job) throw errors.notFound(`Import job ${jobId} not found in datastore ${datastoreId}`);
    return { jobProperties: this.jobWire(job, 'properties') };
  }

  private requireScope(datastoreId: string): FakeImagingScope {
    const scope = this.scopeMap.get(datastoreId);
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

function jobKey(scope: string, jobId: string): string {
  return `${scope}\u0000${jobId}`;
}

function checkId(field: 'datastoreId' | 'jobId', value: string): void {
  const rule =
    field === 'jobId' ? healthImagingDefinition.validateJobId : healthImagingDefinition.validateScopeId;
  const problem = rule?.(value);
  if (problem) throw new Error(`HealthImaging fake: invalid ${field} ${JSON.stringify(value)}: ${problem}`);
}

// Request validation, the way the service answers a request that breaks the model: ValidationException.

function constraint(field: string, value: unknown, rule: string) {
  return errors.validation(
    `1 validation error detected: Value ${JSON.stringify(value)} at '${field}' failed to satisfy constraint: ${rule}`,
  );
}

function pathId(request: FakeRequest, field: 'datastoreId' | 'jobId'): string {
  const value = request.params[field] ?? '';
  const rule =
    field === 'jobId' ? healthImagingDefinition.validateJobId : healthImagingDefinition.validateScopeId;
  const problem = rule?.(value);
  if (problem) throw constraint(field, value, problem);
  return value;
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
  const value = query.get(field);
  if (value === null) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw constraint(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}
