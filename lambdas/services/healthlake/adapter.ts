import {
  DescribeFHIRImportJobCommand,
  HealthLakeClient,
  type JobStatus as HealthLakeJobStatus,
  type ImportJobProperties,
  ListFHIRDatastoresCommand,
  ListFHIRImportJobsCommand,
} from '@aws-sdk/client-healthlake';
import { baseClientConfig } from '../../aws/client-config.js';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../core/adapter.js';
import { type JobSnapshot, toCounters, toIsoUtc } from '../../core/snapshot.js';
import { AdapterBase, type AdapterOptions, type IdFields, type SnapshotFields } from '../adapter-kit.js';
import { HEALTHLAKE_MAX_DATASTORE_PAGE, healthLakeDefinition } from './definition.js';

/** The region watched is also the client's region. */
export type HealthLakeAdapterOptions = AdapterOptions;

/** Data store states whose jobs can no longer be listed or described. */
const GONE_DATASTORE_STATUSES: ReadonlySet<string> = new Set(['DELETED']);

const IDS: IdFields = {
  jobId: 'JobId',
  status: 'JobStatus',
  missing: 'an item has no',
  scope: { field: 'DatastoreId', required: 'a HealthLake job needs its data store id' },
};

/**
 * AWS HealthLake FHIR import jobs behind the real SDK client. Scopes are data stores; the list call returns
 * full `ImportJobProperties`, so list snapshots are `full` and need no describe. Only ids, statuses and
 * counts are ever logged: never the role ARN, KMS key or S3 contents.
 */
export class HealthLakeAdapter extends AdapterBase implements ServiceAdapter {
  private readonly client: HealthLakeClient;

  constructor(options: HealthLakeAdapterOptions) {
    super(healthLakeDefinition, IDS, options);
    // Without an explicit endpoint the SDK itself honours AWS_ENDPOINT_URL_HEALTHLAKE and AWS_ENDPOINT_URL.
    this.client = new HealthLakeClient({ ...baseClientConfig(options.settings), region: options.region });
  }

  /** Every data store except deleted ones, across all pages of ListFHIRDatastores. */
  listScopes(): AsyncIterable<string> {
    return this.scopeIds({
      operation: 'ListFHIRDatastores',
      fetchPage: (token) =>
        this.client.send(
          new ListFHIRDatastoresCommand({
            MaxResults: HEALTHLAKE_MAX_DATASTORE_PAGE,
            ...(token && { NextToken: token }),
          }),
        ),
      tokenOf: (page) => page.NextToken,
      itemsOf: (page) => page.DatastorePropertiesList,
      idOf: (store) => store.DatastoreId,
      noIdWarning: 'data store without an id in ListFHIRDatastores',
      gone: (store) => Boolean(store.DatastoreStatus && GONE_DATASTORE_STATUSES.has(store.DatastoreStatus)),
    });
  }

  /** Every page of ListFHIRImportJobs for one data store, one pass per raw status asked for. */
  async *listJobs(scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    const datastoreId = this.requireScope(scope);
    yield* this.listedJobs(datastoreId, options, {
      fetchPage: (token, status) =>
        this.client.send(
          new ListFHIRImportJobsCommand({
            DatastoreId: datastoreId,
            MaxResults: this.definition.maxPageSize,
            // A raw value this release does not know is still passed on: the service decides.
            ...(status && { JobStatus: status as HealthLakeJobStatus }),
            ...(options.submittedAfter && { SubmittedAfter: options.submittedAfter }),
            ...(token && { NextToken: token }),
          }),
        ),
      tokenOf: (page) => page.NextToken,
      itemsOf: (page) => page.ImportJobPropertiesList,
      idsOf: (item) => ({ jobId: item.JobId, status: item.JobStatus }),
      snapshot: (item, jobId, rawStatus) =>
        this.snapshotOf({ scope: datastoreId, jobId, rawStatus, detail: 'full' }, jobFields(item)),
    });
  }

  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const datastoreId = this.requireScope(job.scope, job.jobId);
    const ref = this.describedJob(datastoreId, job.jobId);
    const response = await this.describeCall(ref, () =>
      this.client.send(new DescribeFHIRImportJobCommand({ DatastoreId: datastoreId, JobId: job.jobId })),
    );
    const properties = response.ImportJobProperties;
    if (!properties?.JobStatus) {
      throw this.malformedDescribe(
        properties ? 'ImportJobProperties has no JobStatus' : 'no ImportJobProperties',
        ref,
      );
    }
    const seen = { scope: datastoreId, jobId: job.jobId, rawStatus: properties.JobStatus };
    return this.snapshotOf({ ...seen, detail: 'full' }, jobFields(properties));
  }
}

/**
 * What a list item and a describe response both carry. HealthLake reports no start time: startedAt stays
 * absent. DataAccessRoleArn and the KMS key are deliberately not carried.
 */
function jobFields(properties: ImportJobProperties): SnapshotFields {
  return {
    jobName: properties.JobName,
    submittedAt: toIsoUtc(properties.SubmitTime),
    endedAt: toIsoUtc(properties.EndTime),
    message: properties.Message,
    progress: toCounters(properties.JobProgressReport as Record<string, unknown> | undefined),
    inputLocation: properties.InputDataConfig?.S3Uri,
    outputLocation: properties.JobOutputDataConfig?.S3Configuration?.S3Uri,
  };
}
