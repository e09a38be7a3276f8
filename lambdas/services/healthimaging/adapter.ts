import {
  type DICOMImportJobProperties,
  type DICOMImportJobSummary,
  GetDICOMImportJobCommand,
  type JobStatus as ImagingJobStatus,
  ListDatastoresCommand,
  ListDICOMImportJobsCommand,
  MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { callService } from '../../aws/call-service.js';
import { baseClientConfig, type ClientSettings } from '../../aws/client-config.js';
import { ServiceErrorKind } from '../../contract/metrics.js';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../core/adapter.js';
import { type JobRef, ServiceCallError } from '../../core/errors.js';
import { describeJobKey, type JobKey } from '../../core/job-key.js';
import { type Counters, definedOnly, type JobSnapshot, toCounters, toIsoUtc } from '../../core/snapshot.js';
import { JobStatus } from '../../core/status.js';
import { AdapterBase, type AdapterOptions, type IdFields, type SnapshotFields } from '../adapter-kit.js';
import {
  HEALTHIMAGING_MAX_DATASTORE_PAGE,
  healthImagingDefinition,
  JOB_OUTPUT_MANIFEST,
} from './definition.js';

/** The region watched is also the clients' region. */
export interface HealthImagingAdapterOptions extends AdapterOptions {
  /**
   * Where job output manifests may be read, as `s3://bucket/prefix` (a prefix matches whole path segments;
   * `s3://bucket` allows the bucket). None, the default, means S3 is never read.
   */
  readonly manifestLocations?: readonly string[];
  /** Settings of the S3 client that reads manifests; by default `settings` without its endpoint. */
  readonly s3Settings?: ClientSettings;
  /** Builds the S3 client instead (tests, other credentials); called at most once, at the first read. */
  readonly s3ClientFactory?: () => S3Client;
  /**
   * For this long after a job ended, a COMPLETED job whose manifest is not written yet is not final: it is
   * reported RUNNING (raw status COMPLETED), so the poller describes it again. 0, the default: final at once.
   */
  readonly manifestWaitSeconds?: number;
}

/** Data store states whose jobs can no longer be listed or described. */
const GONE_DATASTORE_STATUSES: ReadonlySet<string> = new Set(['DELETED']);

/** A manifest is a few KB plus one small entry per image set; anything far larger is not read. */
const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;

const IDS: IdFields = {
  jobId: 'jobId',
  status: 'jobStatus',
  missing: 'an item has no',
  scope: { field: 'datastoreId', required: 'a HealthImaging job needs its data store id' },
};

interface S3Location {
  readonly bucket: string;
  /** Key or key prefix without a leading slash; '' is the whole bucket. */
  readonly key: string;
}

/**
 * AWS HealthImaging DICOM import jobs behind the real SDK client. Scopes are data stores; the list call
 * returns summaries (no S3 URIs), so list snapshots are `summary` and the poller describes what changed.
 *
 * A COMPLETED job can still have failed files. Describing a COMPLETED job whose `outputS3Uri` lies inside an
 * allowed location reads `<outputS3Uri>/job-output-manifest.json`. Its shape, as the HealthImaging developer
 * guide ("Understanding import jobs") documents it:
 *
 *   { "jobSummary": { "jobId", "datastoreId", "inputS3Uri", "outputS3Uri", "successOutputS3Uri",
 *     "failureOutputS3Uri", "warningsOutputS3Uri", "numberOfScannedFiles", "numberOfImportedFiles",
 *     "numberOfFilesWithCustomerError", "numberOfFilesWithServerError", "numberOfGeneratedImageSets",
 *     "imageSetsSummary": [{ "imageSetId", "numberOfMatchedSOPInstances" }] } }
 *
 * Failed files are `numberOfFilesWithCustomerError + numberOfFilesWithServerError` (the per-file reasons are
 * in `FAILURE/failure.ndjson`, which is never read). With failures the snapshot is SUCCEEDED_WITH_ERRORS (raw
 * status stays COMPLETED); the numeric `jobSummary` fields become `metrics` under their own names. A missing,
 * unreadable or garbled manifest is logged with the job key and leaves the job SUCCEEDED; it never throws.
 * Only ids, statuses and counts are logged: never the role ARN or a manifest's content.
 */
export class HealthImagingAdapter extends AdapterBase implements ServiceAdapter {
  private readonly client: MedicalImagingClient;
  private readonly manifestLocations: readonly S3Location[];
  private readonly s3Factory: () => S3Client;
  private s3: S3Client | undefined;
  private readonly manifestWaitMs: number;

  constructor(options: HealthImagingAdapterOptions) {
    super(healthImagingDefinition, IDS, options);
    this.manifestWaitMs = (options.manifestWaitSeconds ?? 0) * 1000;
    // Without an explicit endpoint the SDK itself honours AWS_ENDPOINT_URL_MEDICAL_IMAGING and AWS_ENDPOINT_URL.
    this.client = new MedicalImagingClient({ ...baseClientConfig(options.settings), region: options.region });
    this.manifestLocations = (options.manifestLocations ?? []).map((uri) => {
      const location = parseS3Uri(uri);
      if (!location) throw new Error(`Not an s3://bucket/prefix location: ${JSON.stringify(uri)}`);
      return location;
    });
    this.s3Factory =
      options.s3ClientFactory ??
      (() => defaultS3Client(options.s3Settings ?? withoutEndpoint(options.settings), options.region));
  }

  /** Every data store except deleted ones, across all pages of ListDatastores. */
  listScopes(): AsyncIterable<string> {
    return this.scopeIds({
      operation: 'ListDatastores',
      fetchPage: (token) =>
        this.client.send(
          new ListDatastoresCommand({
            maxResults: HEALTHIMAGING_MAX_DATASTORE_PAGE,
            ...(token && { nextToken: token }),
          }),
        ),
      tokenOf: (page) => page.nextToken,
      itemsOf: (page) => page.datastoreSummaries,
      idOf: (store) => store.datastoreId,
      noIdWarning: 'data store without an id in ListDatastores',
      gone: (store) => Boolean(store.datastoreStatus && GONE_DATASTORE_STATUSES.has(store.datastoreStatus)),
    });
  }

  /**
   * Every page of ListDICOMImportJobs for one data store, one pass per raw status asked for. The API has no
   * time filter, so `submittedAfter` is not applied (the definition says so: `listFilters.submittedAfter`).
   */
  async *listJobs(scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    const datastoreId = this.requireScope(scope);
    yield* this.listedJobs(datastoreId, options, {
      fetchPage: (token, status) =>
        this.client.send(
          new ListDICOMImportJobsCommand({
            datastoreId,
            maxResults: this.definition.maxPageSize,
            // A raw value this release does not know is still passed on: the service decides.
            ...(status && { jobStatus: status as ImagingJobStatus }),
            ...(token && { nextToken: token }),
          }),
        ),
      tokenOf: (page) => page.nextToken,
      itemsOf: (page) => page.jobSummaries,
      idsOf: (item) => ({ jobId: item.jobId, status: item.jobStatus }),
      snapshot: (item, jobId, rawStatus) =>
        this.snapshotOf({ scope: datastoreId, jobId, rawStatus, detail: 'summary' }, jobFields(item)),
    });
  }

  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const datastoreId = this.requireScope(job.scope, job.jobId);
    const ref = this.describedJob(datastoreId, job.jobId);
    const response = await this.describeCall(ref, () =>
      this.client.send(new GetDICOMImportJobCommand({ datastoreId, jobId: job.jobId })),
    );
    const properties = response.jobProperties;
    if (!properties?.jobStatus) {
      throw this.malformedDescribe(properties ? 'jobProperties has no jobStatus' : 'no jobProperties', ref);
    }
    const seen = { scope: datastoreId, jobId: job.jobId, rawStatus: properties.jobStatus };
    const snapshot = this.snapshotOf({ ...seen, detail: 'full' }, jobFields(properties));
    if (properties.jobStatus !== 'COMPLETED' || !properties.outputS3Uri) return snapshot;
    return this.withManifest(snapshot, properties.outputS3Uri);
  }

  /** Lays the manifest's verdict over a COMPLETED snapshot; any problem leaves the snapshot as it was. */
  private async withManifest(snapshot: JobSnapshot, outputS3Uri: string): Promise<JobSnapshot> {
    const output = parseS3Uri(outputS3Uri);
    if (!output || !this.manifestLocations.some((allowed) => contains(allowed, output))) return snapshot;
    const job = describeJobKey(snapshot.key);
    let notWritten = false;
    const metrics = await this.readManifest(snapshot.key, output).catch((error: unknown) => {
      notWritten = error instanceof ServiceCallError && error.kind === ServiceErrorKind.NOT_FOUND;
      if (notWritten && this.awaitsManifest(snapshot)) return undefined;
      this.log.warn('job output manifest not usable; the job stays SUCCEEDED', {
        job,
        reason:
          error instanceof ManifestProblem
            ? error.message
            : error instanceof ServiceCallError
              ? 'reading it from S3 failed'
              : error instanceof Error
                ? error.name
                : 'unknown',
        ...(error instanceof ServiceCallError && { errorKind: error.kind }),
      });
      return undefined;
    });
    if (!metrics && notWritten && this.awaitsManifest(snapshot)) {
      // HealthImaging writes the manifest after the job reads COMPLETED: not final until it is there.
      this.log.info('job output manifest not written yet; the job is looked at again', { job });
      return { ...snapshot, status: JobStatus.RUNNING };
    }
    if (!metrics) return snapshot;
    const failed =
      (metrics.numberOfFilesWithCustomerError ?? 0) + (metrics.numberOfFilesWithServerError ?? 0);
    if (failed > 0) {
      this.log.info('job completed with failed files', { job, failedFiles: failed });
      return {
        ...snapshot,
        status: JobStatus.SUCCEEDED_WITH_ERRORS,
        metrics,
        failure: failedFilesReason(metrics),
      };
    }
    return { ...snapshot, metrics };
  }

  /** A manifest missing now may still come: the job ended less than the wait ago. */
  private awaitsManifest(snapshot: JobSnapshot): boolean {
    if (this.manifestWaitMs <= 0 || snapshot.endedAt === undefined) return false;
    return Date.parse(snapshot.observedAt) - Date.parse(snapshot.endedAt) < this.manifestWaitMs;
  }

  private async readManifest(key: JobKey, output: S3Location): Promise<Counters> {
    const manifestKey = `${output.key}${output.key === '' || output.key.endsWith('/') ? '' : '/'}${JOB_OUTPUT_MANIFEST}`;
    this.s3 ??= this.s3Factory();
    const s3 = this.s3;
    const ref: JobRef = { service: key.service, jobId: key.jobId, ...(key.scope && { scope: key.scope }) };
    const response = await callService(key.service, `GetObject ${JOB_OUTPUT_MANIFEST}`, ref, () =>
      s3.send(new GetObjectCommand({ Bucket: output.bucket, Key: manifestKey })),
    );
    if (response.ContentLength !== undefined && response.ContentLength > MAX_MANIFEST_BYTES) {
      // Not read: drop the connection instead of draining a body this large.
      (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
      throw new ManifestProblem(`manifest larger than ${MAX_MANIFEST_BYTES} bytes`);
    }
    const text = (await response.Body?.transformToString('utf8')) ?? '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ManifestProblem('manifest is not JSON');
    }
    const summary = isRecord(parsed) ? parsed.jobSummary : undefined;
    if (!isRecord(summary)) throw new ManifestProblem('manifest has no jobSummary object');
    if (typeof summary.jobId === 'string' && summary.jobId !== key.jobId) {
      throw new ManifestProblem('manifest belongs to another job');
    }
    if (!isCount(summary.numberOfFilesWithCustomerError) && !isCount(summary.numberOfFilesWithServerError)) {
      throw new ManifestProblem('manifest has no failed-file counts');
    }
    const metrics = toCounters(summary);
    if (!metrics || Object.values(metrics).some((value) => value < 0)) {
      throw new ManifestProblem('manifest counts are not valid');
    }
    return metrics;
  }
}

/** The manifest's counts as a reason: how many files failed and why (the counts only, never a file). */
function failedFilesReason(metrics: Counters): string {
  const customer = metrics.numberOfFilesWithCustomerError ?? 0;
  const server = metrics.numberOfFilesWithServerError ?? 0;
  const scanned = metrics.numberOfScannedFiles;
  const of = scanned === undefined ? '' : ` of ${scanned}`;
  return `${customer + server}${of} files failed: ${customer} with customer errors, ${server} with server errors`;
}

/** Why a manifest was not used; the message names the problem, never the content. */
class ManifestProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestProblem';
  }
}

/**
 * What a list summary and a describe response both carry; only the response has the S3 URIs. HealthImaging
 * reports no start time: startedAt stays absent. dataAccessRoleArn is not carried.
 */
function jobFields(job: DICOMImportJobSummary | DICOMImportJobProperties): SnapshotFields {
  return {
    jobName: job.jobName,
    submittedAt: toIsoUtc(job.submittedAt),
    endedAt: toIsoUtc(job.endedAt),
    message: job.message,
    inputLocation: 'inputS3Uri' in job ? job.inputS3Uri : undefined,
    outputLocation: 'outputS3Uri' in job ? job.outputS3Uri : undefined,
  };
}

function defaultS3Client(settings: ClientSettings, region: string): S3Client {
  // A local endpoint (moto, a test double) serves buckets by path, not by host name.
  return new S3Client({ ...baseClientConfig(settings), region, forcePathStyle: Boolean(settings.endpoint) });
}

/** The client settings minus the endpoint, which points at HealthImaging, not S3. */
function withoutEndpoint(settings: ClientSettings): ClientSettings {
  return definedOnly({
    region: settings.region,
    maxAttempts: settings.maxAttempts,
    requestTimeoutMs: settings.requestTimeoutMs,
  });
}

export function parseS3Uri(uri: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!match?.[1]) return undefined;
  return { bucket: match[1], key: match[2] ?? '' };
}

/** True when `output` lies inside `allowed`: same bucket, and the prefix matches whole path segments. */
function contains(allowed: S3Location, output: S3Location): boolean {
  if (allowed.bucket !== output.bucket) return false;
  if (allowed.key === '') return true;
  const prefix = allowed.key.endsWith('/') ? allowed.key : `${allowed.key}/`;
  return output.key === allowed.key || output.key.startsWith(prefix);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
