import {
  applyPatch,
  epochSeconds,
  errors,
  type FakeRequest,
  paginate,
  queryPageSize,
  restJson1,
} from '../../fakes/fake-aws-server.js';
import { ServiceFake } from '../../fakes/service-fake.js';

/**
 * A wire-level fake of the Panorama package import calls the aggregator makes (restJson1, dates as epoch
 * seconds, PascalCase members): ListPackageImportJobs (no filters) and DescribePackageImportJob. Routes and
 * member names are those of `@aws-sdk/client-panorama` 3.1076.0, the last release (AWS ended support for
 * Panorama on 2026-05-31).
 *
 * Panorama models no ThrottlingException. The real front end still answers 429 with
 * `x-amzn-ErrorType: ThrottlingException`, which is what `server.inject(op, 'throttle')` sends: the SDK
 * retries it by status and name even though the model does not know the shape.
 */

export interface PackageImportS3Location {
  readonly BucketName: string;
  readonly ObjectKey: string;
  readonly Region?: string;
}

export interface PackageImportJobSeed {
  /** 1-255 of `[a-zA-Z0-9_-]`; generated when absent. */
  readonly JobId?: string;
  /** The raw `PackageImportJobStatus`, or any other string to play a value AWS adds later. */
  readonly Status: string;
  readonly StatusMessage?: string;
  readonly JobType?: string;
  /** Defaults to the fake's clock. */
  readonly CreatedTime?: Date;
  /** Defaults to CreatedTime; `updateJob` moves it to the fake's clock unless the patch sets it. */
  readonly LastUpdatedTime?: Date;
  /** InputConfig.PackageVersionInputConfig.S3Location. */
  readonly InputS3Location?: PackageImportS3Location;
  /** OutputConfig.PackageVersionOutputConfig. */
  readonly OutputConfig?: {
    readonly PackageName: string;
    readonly PackageVersion: string;
    readonly MarkLatest?: boolean;
  };
  /** Output: set once the import succeeded. */
  readonly Output?: {
    readonly PackageId: string;
    readonly PackageVersion: string;
    readonly PatchVersion: string;
    readonly OutputS3Location: { readonly BucketName: string; readonly ObjectKey: string };
  };
  readonly ClientToken?: string;
}

export interface PackageImportJobRecord extends PackageImportJobSeed {
  readonly JobId: string;
  readonly CreatedTime: Date;
  readonly LastUpdatedTime: Date;
}

/** Fields to change; an explicit `undefined` removes an optional field. */
export type PackageImportJobPatch = {
  readonly [K in 'Status' | 'StatusMessage' | 'InputS3Location' | 'OutputConfig' | 'Output']?:
    | PackageImportJobRecord[K]
    | undefined;
} & {
  /** Defaults to the fake's clock: every update moves it, as the service does. */
  readonly LastUpdatedTime?: Date;
};

export interface FakePanoramaOptions {
  readonly now?: () => Date;
}

export const PANORAMA_PAGE_MAX = 25;
const JOB_ID = /^[a-zA-Z0-9_-]{1,255}$/;

export class FakePanorama extends ServiceFake {
  private readonly jobsById = new Map<string, PackageImportJobRecord>();
  private sequence = 0;

  constructor(options: FakePanoramaOptions = {}) {
    super(
      'panorama',
      restJson1({
        'GET /packages/import-jobs': 'ListPackageImportJobs',
        'GET /packages/import-jobs/{JobId}': 'DescribePackageImportJob',
      }),
      options,
    );
    this.serve({
      ListPackageImportJobs: (request) => this.listJobs(request),
      DescribePackageImportJob: (request) => this.describeJob(request),
    });
  }

  addJob(seed: PackageImportJobSeed): PackageImportJobRecord {
    const JobId = seed.JobId ?? this.nextId();
    if (!JOB_ID.test(JobId))
      throw new Error(`Package import job ids are 1-255 of [a-zA-Z0-9_-], got "${JobId}"`);
    if (this.jobsById.has(JobId)) throw new Error(`Job ${JobId} already exists`);
    const CreatedTime = seed.CreatedTime ?? this.now();
    const record: PackageImportJobRecord = {
      JobType: 'NODE_PACKAGE_VERSION',
      ...seed,
      JobId,
      CreatedTime,
      LastUpdatedTime: seed.LastUpdatedTime ?? CreatedTime,
    };
    this.jobsById.set(JobId, record);
    return record;
  }

  /** Panorama has no scopes: `scope` must be undefined. */
  updateJob(scope: undefined, jobId: string, patch: PackageImportJobPatch): PackageImportJobRecord {
    const current = this.getJob(scope, jobId);
    if (!current) throw new Error(`Unknown job ${jobId}`);
    const next = applyPatch(current, { ...patch, LastUpdatedTime: patch.LastUpdatedTime ?? this.now() });
    this.jobsById.set(jobId, next);
    return next;
  }

  getJob(_scope: undefined, jobId: string): PackageImportJobRecord | undefined {
    return this.jobsById.get(jobId);
  }

  jobs(): PackageImportJobRecord[] {
    return [...this.jobsById.values()];
  }

  private listJobs(request: FakeRequest): Record<string, unknown> {
    const { page, nextToken } = paginate(
      [...this.jobsById.values()],
      request.query.get('NextToken') ?? undefined,
      queryPageSize(request, 'MaxResults', PANORAMA_PAGE_MAX),
      PANORAMA_PAGE_MAX,
    );
    return {
      PackageImportJobs: page.map((job) => ({
        JobId: job.JobId,
        ...(job.JobType !== undefined && { JobType: job.JobType }),
        Status: job.Status,
        ...(job.StatusMessage !== undefined && { StatusMessage: job.StatusMessage }),
        CreatedTime: epochSeconds(job.CreatedTime),
        LastUpdatedTime: epochSeconds(job.LastUpdatedTime),
      })),
      ...(nextToken && { NextToken: nextToken }),
    };
  }

  private describeJob(request: FakeRequest): Record<string, unknown> {
    const jobId = request.params.JobId ?? '';
    if (!JOB_ID.test(jobId)) throw errors.validation('JobId must be 1-255 of [a-zA-Z0-9_-]');
    const job = this.jobsById.get(jobId);
    if (!job) throw errors.notFound(`Package import job ${jobId} not found`);
    return {
      JobId: job.JobId,
      ...(job.JobType !== undefined && { JobType: job.JobType }),
      ...(job.ClientToken !== undefined && { ClientToken: job.ClientToken }),
      ...(job.InputS3Location && {
        InputConfig: { PackageVersionInputConfig: { S3Location: { ...job.InputS3Location } } },
      }),
      ...(job.OutputConfig && { OutputConfig: { PackageVersionOutputConfig: { ...job.OutputConfig } } }),
      ...(job.Output && {
        Output: { ...job.Output, OutputS3Location: { ...job.Output.OutputS3Location } },
      }),
      CreatedTime: epochSeconds(job.CreatedTime),
      LastUpdatedTime: epochSeconds(job.LastUpdatedTime),
      Status: job.Status,
      ...(job.StatusMessage !== undefined && { StatusMessage: job.StatusMessage }),
      JobTags: [],
    };
  }

  private nextId(): string {
    this.sequence += 1;
    return `package-import-${String(this.sequence).padStart(6, '0')}`;
  }
}
