import {
  DescribeFHIRImportJobCommand,
  HealthLakeClient,
  type JobStatus as HealthLakeJobStatus,
  type ImportJobProperties,
  ListFHIRDatastoresCommand,
  ListFHIRImportJobsCommand,
} from '@aws-sdk/client-healthlake';
import { callService } from '../../aws/call-service.js';
import { baseClientConfig, type ClientSettings } from '../../aws/client-config.js';
import { pages, resumeOf, statusPasses } from '../../aws/pages.js';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../core/adapter.js';
import { InvalidIdError, type JobRef, MalformedResponseError } from '../../core/errors.js';
import type { JobKey } from '../../core/job-key.js';
import { type Log, silentLog } from '../../core/ports.js';
import type { ServiceDefinition } from '../../core/service-definition.js';
import { definedOnly, type JobSnapshot, toCounters, toIsoUtc } from '../../core/snapshot.js';
import { normalizeStatus } from '../../core/status.js';
import { HEALTHLAKE_MAX_DATASTORE_PAGE, healthLakeDefinition } from './definition.js';

export interface HealthLakeAdapterOptions {
  readonly settings: ClientSettings;
  /** The region watched; also the client's region. */
  readonly region: string;
  readonly accountId?: string;
  readonly clock?: () => Date;
  readonly log?: Log;
}

/** Data store states whose jobs can no longer be listed or described. */
const GONE_DATASTORE_STATUSES: ReadonlySet<string> = new Set(['DELETED']);

/**
 * AWS HealthLake FHIR import jobs behind the real SDK client. Scopes are data stores; the list call returns
 * full `ImportJobProperties`, so list snapshots are `full` and need no describe. Only ids, statuses and
 * counts are ever logged: never the role ARN, KMS key or S3 contents.
 */
export class HealthLakeAdapter implements ServiceAdapter {
  readonly definition: ServiceDefinition = healthLakeDefinition;
  private readonly client: HealthLakeClient;
  private readonly region: string;
  private readonly accountId: string | undefined;
  private readonly clock: () => Date;
  private readonly log: Log;

  constructor(options: HealthLakeAdapterOptions) {
    // Without an explicit endpoint the SDK itself honours AWS_ENDPOINT_URL_HEALTHLAKE and AWS_ENDPOINT_URL.
    this.client = new HealthLakeClient({ ...baseClientConfig(options.settings), region: options.region });
    this.region = options.region;
    this.accountId = options.accountId;
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? silentLog;
  }

  /** Every data store except deleted ones, across all pages of ListFHIRDatastores. */
  async *listScopes(): AsyncIterable<string> {
    const service = this.definition.id;
    const listing = pages(
      { service, operation: 'ListFHIRDatastores' },
      (token) =>
        this.client.send(
          new ListFHIRDatastoresCommand({
            MaxResults: HEALTHLAKE_MAX_DATASTORE_PAGE,
            ...(token && { NextToken: token }),
          }),
        ),
      (page) => page.NextToken,
    );
    for await (const page of listing) {
      for (const store of page.DatastorePropertiesList ?? []) {
        if (!store.DatastoreId) {
          this.log.warn('data store without an id in ListFHIRDatastores', { service });
          continue;
        }
        if (store.DatastoreStatus && GONE_DATASTORE_STATUSES.has(store.DatastoreStatus)) continue;
        yield store.DatastoreId;
      }
    }
  }

  /** Every page of ListFHIRImportJobs for one data store, one pass per raw status asked for. */
  async *listJobs(scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    const service = this.definition.id;
    const datastoreId = this.checkScope(scope);
    for (const status of statusPasses(options)) {
      const listing = pages(
        { service, operation: 'ListFHIRImportJobs', job: { service, scope: datastoreId } },
        (token) =>
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
        (page) => page.NextToken,
        resumeOf(options, status),
      );
      for await (const page of listing) {
        for (const item of page.ImportJobPropertiesList ?? []) yield this.listed(datastoreId, item);
      }
    }
  }

  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const datastoreId = this.checkScope(job.scope, job.jobId);
    const ref: JobRef = { service: this.definition.id, scope: datastoreId, jobId: job.jobId };
    const problem = this.definition.validateJobId(job.jobId);
    if (problem) throw new InvalidIdError(ref, 'JobId', job.jobId, problem);
    const response = await callService(this.definition.id, 'DescribeFHIRImportJob', ref, () =>
      this.client.send(new DescribeFHIRImportJobCommand({ DatastoreId: datastoreId, JobId: job.jobId })),
    );
    const properties = response.ImportJobProperties;
    if (!properties?.JobStatus) {
      throw new MalformedResponseError(
        this.definition.id,
        'DescribeFHIRImportJob',
        properties ? 'ImportJobProperties has no JobStatus' : 'no ImportJobProperties',
        ref,
      );
    }
    return this.toSnapshot(datastoreId, job.jobId, properties.JobStatus, properties);
  }

  private listed(datastoreId: string, item: ImportJobProperties): ListedJob {
    const service = this.definition.id;
    const ref: JobRef = { service, scope: datastoreId, ...(item.JobId && { jobId: item.JobId }) };
    if (!item.JobId || !item.JobStatus) {
      const missing = item.JobId ? 'JobStatus' : 'JobId';
      return {
        ok: false,
        error: new MalformedResponseError(service, 'ListFHIRImportJobs', `an item has no ${missing}`, ref),
      };
    }
    const problem = this.definition.validateJobId(item.JobId);
    if (problem) return { ok: false, error: new InvalidIdError(ref, 'JobId', item.JobId, problem) };
    return { ok: true, snapshot: this.toSnapshot(datastoreId, item.JobId, item.JobStatus, item) };
  }

  private toSnapshot(
    datastoreId: string,
    jobId: string,
    rawStatus: string,
    properties: ImportJobProperties,
  ): JobSnapshot {
    const key: JobKey = {
      service: this.definition.id,
      region: this.region,
      ...(this.accountId && { accountId: this.accountId }),
      scope: datastoreId,
      jobId,
    };
    // HealthLake reports no start time: startedAt stays absent. DataAccessRoleArn and the KMS key are
    // deliberately not carried.
    return {
      key,
      status: normalizeStatus(this.definition.statusMap, rawStatus),
      rawStatus,
      observedAt: this.clock().toISOString(),
      detail: 'full',
      ...definedOnly({
        jobName: properties.JobName,
        submittedAt: toIsoUtc(properties.SubmitTime),
        endedAt: toIsoUtc(properties.EndTime),
        message: properties.Message,
        progress: toCounters(properties.JobProgressReport as Record<string, unknown> | undefined),
        inputLocation: properties.InputDataConfig?.S3Uri,
        outputLocation: properties.JobOutputDataConfig?.S3Configuration?.S3Uri,
      }),
    };
  }

  /** The data store id, checked against the id rule before any call. */
  private checkScope(scope: string | undefined, jobId?: string): string {
    const ref: JobRef = {
      service: this.definition.id,
      ...(scope !== undefined && { scope }),
      ...(jobId !== undefined && { jobId }),
    };
    if (scope === undefined) {
      throw new InvalidIdError(ref, 'DatastoreId', '', 'a HealthLake job needs its data store id');
    }
    const problem = this.definition.validateScopeId?.(scope);
    if (problem) throw new InvalidIdError(ref, 'DatastoreId', scope, problem);
    return scope;
  }
}
