import {
  DescribePackageImportJobCommand,
  type DescribePackageImportJobResponse,
  ListPackageImportJobsCommand,
  type PackageImportJob,
  PanoramaClient,
} from '@aws-sdk/client-panorama';
import { baseClientConfig } from '../../aws/client-config.js';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../core/adapter.js';
import { type JobSnapshot, toIsoUtc } from '../../core/snapshot.js';
import { isTerminal, type JobStatus } from '../../core/status.js';
import { AdapterBase, type AdapterOptions, type IdFields, type SnapshotFields } from '../adapter-kit.js';
import { panoramaDefinition } from './definition.js';

export type PanoramaAdapterOptions = AdapterOptions;

const IDS: IdFields = { jobId: 'JobId', status: 'Status', missing: 'job without' };

/**
 * Panorama package import jobs through the real `PanoramaClient` (AWS ended support for Panorama on
 * 2026-05-31). Job ids are account-wide: there is no scope, and keys carry none.
 */
export class PanoramaAdapter extends AdapterBase implements ServiceAdapter {
  private readonly client: PanoramaClient;

  constructor(options: PanoramaAdapterOptions) {
    super(panoramaDefinition, IDS, options);
    this.client = new PanoramaClient({ ...baseClientConfig(options.settings), region: options.region });
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
    yield* this.listedJobs(undefined, options, {
      fetchPage: (token) =>
        this.client.send(
          new ListPackageImportJobsCommand({
            MaxResults: this.definition.maxPageSize,
            ...(token && { NextToken: token }),
          }),
        ),
      tokenOf: (page) => page.NextToken,
      itemsOf: (page) => {
        const items = page.PackageImportJobs ?? [];
        this.log.debug('listed a page of package import jobs', {
          service: this.service,
          items: items.length,
        });
        return items;
      },
      idsOf: (item) => ({ jobId: item.JobId, status: item.Status }),
      snapshot: (item, jobId, rawStatus, observedAt) =>
        this.snapshotOf({ scope: undefined, jobId, rawStatus, detail: 'summary', observedAt }, (status) =>
          jobFields(item, status),
        ),
    });
  }

  /** DescribePackageImportJob, with the S3 locations of the package read and of the imported result. */
  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const ref = this.describedJob(undefined, job.jobId);
    const response = await this.describeCall(ref, () =>
      this.client.send(new DescribePackageImportJobCommand({ JobId: job.jobId })),
    );
    if (!response.Status) {
      throw this.malformedDescribe('no Status', ref);
    }
    const seen = { scope: undefined, jobId: job.jobId, rawStatus: response.Status };
    return this.snapshotOf({ ...seen, detail: 'full' }, (status) => jobFields(response, status));
  }
}

/** What a list item and a describe response both carry; only the response has the output location. */
function jobFields(
  job: PackageImportJob & Partial<DescribePackageImportJobResponse>,
  status: JobStatus,
): SnapshotFields {
  const input = job.InputConfig?.PackageVersionInputConfig?.S3Location;
  const output = job.Output?.OutputS3Location;
  return {
    submittedAt: toIsoUtc(job.CreatedTime),
    // Panorama has no end time. A finished job is not updated again, so its LastUpdatedTime is when it
    // ended; for a pending job it is only the last update, and is not reported.
    endedAt: isTerminal(status) ? toIsoUtc(job.LastUpdatedTime) : undefined,
    message: job.StatusMessage || undefined,
    inputLocation: s3Uri(input?.BucketName, input?.ObjectKey),
    outputLocation: s3Uri(output?.BucketName, output?.ObjectKey),
  };
}

function s3Uri(bucket: string | undefined, key: string | undefined): string | undefined {
  if (!bucket) return undefined;
  return key ? `s3://${bucket}/${key}` : `s3://${bucket}`;
}
