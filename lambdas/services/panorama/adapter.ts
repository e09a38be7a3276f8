import {
  DescribePackageImportJobCommand,
  type DescribePackageImportJobResponse,
  ListPackageImportJobsCommand,
  type PackageImportJob,
  PanoramaClient,
} from '@aws-sdk/client-panorama';
import { callService } from '../../aws/call-service.js';
import { baseClientConfig, type ClientSettings } from '../../aws/client-config.js';
import { pages, resumeOf } from '../../aws/pages.js';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../core/adapter.js';
import { InvalidIdError, type JobRef, MalformedResponseError } from '../../core/errors.js';
import type { JobKey } from '../../core/job-key.js';
import { type Log, silentLog } from '../../core/ports.js';
import type { ServiceDefinition } from '../../core/service-definition.js';
import { definedOnly, type JobSnapshot, toIsoUtc } from '../../core/snapshot.js';
import { isTerminal, normalizeStatus } from '../../core/status.js';
import { panoramaDefinition } from './definition.js';

export interface PanoramaAdapterOptions {
  readonly settings: ClientSettings;
  readonly region: string;
  readonly accountId?: string;
  readonly clock?: () => Date;
  readonly log?: Log;
}

const SERVICE = panoramaDefinition.id;

/**
 * Panorama package import jobs through the real `PanoramaClient` (AWS ended support for Panorama on
 * 2026-05-31). Job ids are account-wide: there is no scope, and keys carry none.
 */
export class PanoramaAdapter implements ServiceAdapter {
  readonly definition: ServiceDefinition = panoramaDefinition;
  private readonly client: PanoramaClient;
  private readonly region: string;
  private readonly accountId: string | undefined;
  private readonly clock: () => Date;
  private readonly log: Log;

  constructor(options: PanoramaAdapterOptions) {
    this.client = new PanoramaClient({ ...baseClientConfig(options.settings), region: options.region });
    this.region = options.region;
    this.accountId = options.accountId;
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? silentLog;
  }

  /** Panorama has no scopes: one pass at account level. */
  async *listScopes(): AsyncIterable<undefined> {
    yield undefined;
  }

  /**
   * Every page of ListPackageImportJobs. The API has no filters, so `options` is not used, and the scope is
   * ignored (there is none).
   */
  async *listJobs(_scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    const listing = pages(
      { service: SERVICE, operation: 'ListPackageImportJobs' },
      (token) =>
        this.client.send(
          new ListPackageImportJobsCommand({
            MaxResults: this.definition.maxPageSize,
            ...(token && { NextToken: token }),
          }),
        ),
      (page) => page.NextToken,
      resumeOf(options, undefined),
    );
    for await (const page of listing) {
      const observedAt = this.observedAt();
      const items = page.PackageImportJobs ?? [];
      this.log.debug('listed a page of package import jobs', { service: SERVICE, items: items.length });
      for (const item of items) yield this.listed(item, observedAt);
    }
  }

  /** DescribePackageImportJob, with the S3 locations of the package read and of the imported result. */
  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const ref: JobRef = { service: SERVICE, jobId: job.jobId };
    const problem = this.definition.validateJobId(job.jobId);
    if (problem) throw new InvalidIdError(ref, 'JobId', job.jobId, problem);

    const response = await callService(SERVICE, 'DescribePackageImportJob', ref, () =>
      this.client.send(new DescribePackageImportJobCommand({ JobId: job.jobId })),
    );
    if (!response.Status) {
      throw new MalformedResponseError(SERVICE, 'DescribePackageImportJob', 'no Status', ref);
    }
    return this.snapshot(job.jobId, response.Status, response, 'full');
  }

  private listed(item: PackageImportJob, observedAt: string): ListedJob {
    if (!item.JobId || !item.Status) {
      const ref: JobRef = { service: SERVICE, ...(item.JobId && { jobId: item.JobId }) };
      const missing = item.JobId ? 'Status' : 'JobId';
      return {
        ok: false,
        error: new MalformedResponseError(SERVICE, 'ListPackageImportJobs', `job without ${missing}`, ref),
      };
    }
    const problem = this.definition.validateJobId(item.JobId);
    if (problem) {
      return {
        ok: false,
        error: new InvalidIdError({ service: SERVICE, jobId: item.JobId }, 'JobId', item.JobId, problem),
      };
    }
    return { ok: true, snapshot: this.snapshot(item.JobId, item.Status, item, 'summary', observedAt) };
  }

  private snapshot(
    jobId: string,
    rawStatus: string,
    job: PackageImportJob & Partial<DescribePackageImportJobResponse>,
    detail: JobSnapshot['detail'],
    observedAt = this.observedAt(),
  ): JobSnapshot {
    const status = normalizeStatus(this.definition.statusMap, rawStatus);
    const input = job.InputConfig?.PackageVersionInputConfig?.S3Location;
    const output = job.Output?.OutputS3Location;
    return {
      key: this.key(jobId),
      status,
      rawStatus,
      observedAt,
      detail,
      ...definedOnly({
        submittedAt: toIsoUtc(job.CreatedTime),
        // Panorama has no end time. A finished job is not updated again, so its LastUpdatedTime is when it
        // ended; for a pending job it is only the last update, and is not reported.
        endedAt: isTerminal(status) ? toIsoUtc(job.LastUpdatedTime) : undefined,
        message: job.StatusMessage || undefined,
        inputLocation: s3Uri(input?.BucketName, input?.ObjectKey),
        outputLocation: s3Uri(output?.BucketName, output?.ObjectKey),
      }),
    };
  }

  private key(jobId: string): JobKey {
    return {
      service: SERVICE,
      region: this.region,
      ...(this.accountId !== undefined && { accountId: this.accountId }),
      jobId,
    };
  }

  private observedAt(): string {
    return this.clock().toISOString();
  }
}

function s3Uri(bucket: string | undefined, key: string | undefined): string | undefined {
  if (!bucket) return undefined;
  return key ? `s3://${bucket}/${key}` : `s3://${bucket}`;
}
