import {
  GetReferenceImportJobCommand,
  type GetReferenceImportJobResponse,
  type ImportReferenceFilter,
  type ImportReferenceSourceItem,
  ListReferenceImportJobsCommand,
  ListReferenceStoresCommand,
  OmicsClient,
  type ReferenceImportJobStatus,
} from '@aws-sdk/client-omics';
import { baseClientConfig, hasEndpointOverride } from '../../aws/client-config.js';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../core/adapter.js';
import {
  type Counters,
  definedOnly,
  type JobSnapshot,
  type SourceStatus,
  toIsoUtc,
} from '../../core/snapshot.js';
import { JobStatus, normalizeStatus } from '../../core/status.js';
import { AdapterBase, type AdapterOptions, type IdFields, type SnapshotFields } from '../adapter-kit.js';
import { healthOmicsDefinition, referenceImportItemStatusMap } from './definition.js';

export type HealthOmicsAdapterOptions = AdapterOptions;

const IDS: IdFields = {
  jobId: 'id',
  status: 'status',
  missing: 'job without',
  scope: { field: 'referenceStoreId', required: 'a reference store id is required' },
};

/** Per-source counters in `progress`, by raw item status; values AWS adds later count as `sourcesOther`. */
const SOURCE_COUNTERS: Readonly<Record<string, string>> = {
  NOT_STARTED: 'sourcesNotStarted',
  IN_PROGRESS: 'sourcesInProgress',
  FINISHED: 'sourcesFinished',
  FAILED: 'sourcesFailed',
};

/** HealthOmics reference import jobs through the real `OmicsClient`. */
export class HealthOmicsAdapter extends AdapterBase implements ServiceAdapter {
  private readonly client: OmicsClient;

  constructor(options: HealthOmicsAdapterOptions) {
    super(healthOmicsDefinition, IDS, options);
    this.client = new OmicsClient({
      ...baseClientConfig(options.settings),
      region: options.region,
      // Reference store calls carry the `control-storage-` host prefix, which the SDK also puts in front of
      // an overridden endpoint (control-storage-127.0.0.1). Only the real AWS endpoints need it.
      ...(hasEndpointOverride(options.settings, 'OMICS') && { disableHostPrefix: true }),
    });
  }

  /** Every reference store id (ListReferenceStores, all pages). */
  listScopes(): AsyncIterable<string> {
    return this.scopeIds({
      operation: 'ListReferenceStores',
      fetchPage: (token) =>
        this.client.send(
          new ListReferenceStoresCommand({
            maxResults: this.definition.maxPageSize,
            ...(token && { nextToken: token }),
          }),
        ),
      tokenOf: (page) => page.nextToken,
      itemsOf: (page) => page.referenceStores,
      idOf: (store) => store.id,
      noIdWarning: 'ListReferenceStores returned a store without an id',
    });
  }

  /**
   * Every page of ListReferenceImportJobs for one store. The API filters on one status per call, so several
   * raw statuses mean one pass each; `submittedAfter` becomes `filter.createdAfter` on every pass.
   */
  async *listJobs(scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    const storeId = this.requireScope(scope);
    yield* this.listedJobs(storeId, options, {
      fetchPage: (token, status) => {
        const filter: ImportReferenceFilter = {
          ...(status !== undefined && { status: status as ReferenceImportJobStatus }),
          ...(options.submittedAfter && { createdAfter: options.submittedAfter }),
        };
        return this.client.send(
          new ListReferenceImportJobsCommand({
            referenceStoreId: storeId,
            maxResults: this.definition.maxPageSize,
            ...(token && { nextToken: token }),
            ...(Object.keys(filter).length > 0 && { filter }),
          }),
        );
      },
      tokenOf: (page) => page.nextToken,
      itemsOf: (page) => page.importJobs,
      idsOf: (item) => ({ jobId: item.id, status: item.status }),
      snapshot: (item, jobId, rawStatus, observedAt) =>
        this.snapshotOf(
          { scope: storeId, jobId, rawStatus, detail: 'summary', observedAt },
          { submittedAt: toIsoUtc(item.creationTime), endedAt: toIsoUtc(item.completionTime) },
        ),
    });
  }

  /** GetReferenceImportJob, with per-source status and counts of sources by status. */
  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const storeId = this.requireScope(job.scope, job.jobId);
    const ref = this.describedJob(storeId, job.jobId);
    const response = await this.describeCall(ref, () =>
      this.client.send(new GetReferenceImportJobCommand({ referenceStoreId: storeId, id: job.jobId })),
    );
    if (!response.status) {
      throw this.malformedDescribe('no status', ref);
    }
    const seen = { scope: storeId, jobId: job.jobId, rawStatus: response.status };
    return this.snapshotOf({ ...seen, detail: 'full' }, describedFields(response));
  }
}

function describedFields(response: GetReferenceImportJobResponse): SnapshotFields {
  const sources = response.sources?.map(toSourceStatus);
  return {
    submittedAt: toIsoUtc(response.creationTime),
    endedAt: toIsoUtc(response.completionTime),
    message: response.statusMessage || undefined,
    // Without a message of the job's own, the first failed source's says why.
    failure:
      response.statusMessage ||
      sources?.find((source) => source.status === JobStatus.FAILED)?.message ||
      undefined,
    sources,
    progress: sources && sources.length > 0 ? countSources(sources) : undefined,
  };
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
