import {
  GetReferenceImportJobCommand,
  type GetReferenceImportJobResponse,
  type ImportReferenceFilter,
  type ImportReferenceJobItem,
  type ImportReferenceSourceItem,
  ListReferenceImportJobsCommand,
  ListReferenceStoresCommand,
  OmicsClient,
  type ReferenceImportJobStatus,
} from '@aws-sdk/client-omics';
import { callService } from '../../aws/call-service.js';
import { baseClientConfig, type ClientSettings, hasEndpointOverride } from '../../aws/client-config.js';
import { pages, resumeOf, statusPasses } from '../../aws/pages.js';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../core/adapter.js';
import { InvalidIdError, type JobRef, MalformedResponseError } from '../../core/errors.js';
import type { JobKey } from '../../core/job-key.js';
import { type Log, silentLog } from '../../core/ports.js';
import type { ServiceDefinition } from '../../core/service-definition.js';
import {
  type Counters,
  definedOnly,
  type JobSnapshot,
  type SourceStatus,
  toIsoUtc,
} from '../../core/snapshot.js';
import { normalizeStatus } from '../../core/status.js';
import { healthOmicsDefinition, referenceImportItemStatusMap } from './definition.js';

export interface HealthOmicsAdapterOptions {
  readonly settings: ClientSettings;
  readonly region: string;
  readonly accountId?: string;
  readonly clock?: () => Date;
  readonly log?: Log;
}

const SERVICE = healthOmicsDefinition.id;

/** Per-source counters in `progress`, by raw item status; values AWS adds later count as `sourcesOther`. */
const SOURCE_COUNTERS: Readonly<Record<string, string>> = {
  NOT_STARTED: 'sourcesNotStarted',
  IN_PROGRESS: 'sourcesInProgress',
  FINISHED: 'sourcesFinished',
  FAILED: 'sourcesFailed',
};

/** HealthOmics reference import jobs through the real `OmicsClient`. */
export class HealthOmicsAdapter implements ServiceAdapter {
  readonly definition: ServiceDefinition = healthOmicsDefinition;
  private readonly client: OmicsClient;
  private readonly region: string;
  private readonly accountId: string | undefined;
  private readonly clock: () => Date;
  private readonly log: Log;

  constructor(options: HealthOmicsAdapterOptions) {
    this.client = new OmicsClient({
      ...baseClientConfig(options.settings),
      region: options.region,
      // Reference store calls carry the `control-storage-` host prefix, which the SDK also puts in front of
      // an overridden endpoint (control-storage-127.0.0.1). Only the real AWS endpoints need it.
      ...(hasEndpointOverride(options.settings, 'OMICS') && { disableHostPrefix: true }),
    });
    this.region = options.region;
    this.accountId = options.accountId;
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? silentLog;
  }

  /** Every reference store id (ListReferenceStores, all pages). */
  async *listScopes(): AsyncIterable<string> {
    const listing = pages(
      { service: SERVICE, operation: 'ListReferenceStores' },
      (token) =>
        this.client.send(
          new ListReferenceStoresCommand({
            maxResults: this.definition.maxPageSize,
            ...(token && { nextToken: token }),
          }),
        ),
      (page) => page.nextToken,
    );
    for await (const page of listing) {
      for (const store of page.referenceStores ?? []) {
        if (store.id) yield store.id;
        else this.log.warn('ListReferenceStores returned a store without an id', { service: SERVICE });
      }
    }
  }

  /**
   * Every page of ListReferenceImportJobs for one store. The API filters on one status per call, so several
   * raw statuses mean one pass each; `submittedAfter` becomes `filter.createdAfter` on every pass.
   */
  async *listJobs(scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    const storeId = this.requireScope(scope, undefined);
    for (const status of statusPasses(options)) {
      const filter: ImportReferenceFilter = {
        ...(status !== undefined && { status: status as ReferenceImportJobStatus }),
        ...(options.submittedAfter && { createdAfter: options.submittedAfter }),
      };
      const hasFilter = Object.keys(filter).length > 0;
      const listing = pages(
        { service: SERVICE, operation: 'ListReferenceImportJobs', job: { service: SERVICE, scope: storeId } },
        (token) =>
          this.client.send(
            new ListReferenceImportJobsCommand({
              referenceStoreId: storeId,
              maxResults: this.definition.maxPageSize,
              ...(token && { nextToken: token }),
              ...(hasFilter && { filter }),
            }),
          ),
        (page) => page.nextToken,
        resumeOf(options, status),
      );
      for await (const page of listing) {
        const observedAt = this.observedAt();
        for (const item of page.importJobs ?? []) yield this.listed(storeId, item, observedAt);
      }
    }
  }

  /** GetReferenceImportJob, with per-source status and counts of sources by status. */
  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const storeId = this.requireScope(job.scope, job.jobId);
    const ref: JobRef = { service: SERVICE, scope: storeId, jobId: job.jobId };
    const jobProblem = this.definition.validateJobId(job.jobId);
    if (jobProblem) throw new InvalidIdError(ref, 'id', job.jobId, jobProblem);

    const response = await callService(SERVICE, 'GetReferenceImportJob', ref, () =>
      this.client.send(new GetReferenceImportJobCommand({ referenceStoreId: storeId, id: job.jobId })),
    );
    if (!response.status) {
      throw new MalformedResponseError(SERVICE, 'GetReferenceImportJob', 'no status', ref);
    }
    return this.fullSnapshot(storeId, job.jobId, response.status, response);
  }

  private fullSnapshot(
    storeId: string,
    jobId: string,
    rawStatus: string,
    response: GetReferenceImportJobResponse,
  ): JobSnapshot {
    const sources = response.sources?.map(toSourceStatus);
    return {
      key: this.key(storeId, jobId),
      status: normalizeStatus(this.definition.statusMap, rawStatus),
      rawStatus,
      observedAt: this.observedAt(),
      detail: 'full',
      ...definedOnly({
        submittedAt: toIsoUtc(response.creationTime),
        endedAt: toIsoUtc(response.completionTime),
        message: response.statusMessage || undefined,
        sources,
        progress: sources && sources.length > 0 ? countSources(sources) : undefined,
      }),
    };
  }

  private listed(storeId: string, item: ImportReferenceJobItem, observedAt: string): ListedJob {
    const operation = 'ListReferenceImportJobs';
    if (!item.id || !item.status) {
      const ref: JobRef = { service: SERVICE, scope: storeId, ...(item.id && { jobId: item.id }) };
      const missing = item.id ? 'status' : 'id';
      return {
        ok: false,
        error: new MalformedResponseError(SERVICE, operation, `job without ${missing}`, ref),
      };
    }
    const problem = this.definition.validateJobId(item.id);
    if (problem) {
      const ref: JobRef = { service: SERVICE, scope: storeId, jobId: item.id };
      return { ok: false, error: new InvalidIdError(ref, 'id', item.id, problem) };
    }
    return {
      ok: true,
      snapshot: {
        key: this.key(storeId, item.id),
        status: normalizeStatus(this.definition.statusMap, item.status),
        rawStatus: item.status,
        observedAt,
        detail: 'summary',
        ...definedOnly({
          submittedAt: toIsoUtc(item.creationTime),
          endedAt: toIsoUtc(item.completionTime),
        }),
      },
    };
  }

  /** The reference store id, validated; Omics jobs always have one. */
  private requireScope(scope: string | undefined, jobId: string | undefined): string {
    const ref: JobRef = {
      service: SERVICE,
      ...(scope !== undefined && { scope }),
      ...(jobId !== undefined && { jobId }),
    };
    if (scope === undefined) {
      throw new InvalidIdError(ref, 'referenceStoreId', '', 'a reference store id is required');
    }
    const problem = this.definition.validateScopeId?.(scope);
    if (problem) throw new InvalidIdError(ref, 'referenceStoreId', scope, problem);
    return scope;
  }

  private key(scope: string, jobId: string): JobKey {
    return {
      service: SERVICE,
      region: this.region,
      ...(this.accountId !== undefined && { accountId: this.accountId }),
      scope,
      jobId,
    };
  }

  private observedAt(): string {
    return this.clock().toISOString();
  }
}

function toSourceStatus(item: ImportReferenceSourceItem): SourceStatus {
  // `status` is required by the model; a source without one is kept, as UNKNOWN, rather than dropping the job.
  const rawStatus = item.status ?? '';
  return {
    rawStatus,
    status: normalizeStatus(referenceImportItemStatusMap, rawStatus),
    ...definedOnly({
      name: item.name || undefined,
      location: item.sourceFile || undefined,
      message: item.statusMessage || undefined,
    }),
  };
}

/** `sourcesTotal` and one counter per item status, so the progress of a running import is visible. */
function countSources(sources: readonly SourceStatus[]): Counters {
  const counts: Record<string, number> = {
    sourcesTotal: sources.length,
    sourcesNotStarted: 0,
    sourcesInProgress: 0,
    sourcesFinished: 0,
    sourcesFailed: 0,
  };
  for (const source of sources) {
    const counter = SOURCE_COUNTERS[source.rawStatus] ?? 'sourcesOther';
    counts[counter] = (counts[counter] ?? 0) + 1;
  }
  return counts;
}
