import type {
  JobLocator,
  ListedJob,
  ListJobsOptions,
  ServiceAdapter,
} from '../../../lambdas/core/adapter.js';
import type { StallRecord } from '../../../lambdas/core/history.js';
import { formatJobKey, type JobKey } from '../../../lambdas/core/job-key.js';
import type { JobStateStore, Log, RecordResult, StoredJob } from '../../../lambdas/core/ports.js';
import type { ServiceDefinition } from '../../../lambdas/core/service-definition.js';
import type { JobSnapshot } from '../../../lambdas/core/snapshot.js';
import { JobStatus, normalizeStatus } from '../../../lambdas/core/status.js';

/** Fixtures for the parts of the poll cycle, each tested alone. */

export const T0 = Date.parse('2025-06-01T12:00:00.000Z');
export const at = (seconds: number) => new Date(T0 + seconds * 1000);
export const iso = (seconds: number) => at(seconds).toISOString();

export const definition: ServiceDefinition = {
  id: 'entityresolution',
  displayName: 'Test service',
  describeOperation: 'GetJob',
  listOperation: 'ListJobs',
  scopeKind: 'workflow',
  statusMap: { QUEUED: JobStatus.QUEUED, RUNNING: JobStatus.RUNNING, SUCCEEDED: JobStatus.SUCCEEDED },
  validateScopeId: undefined,
  validateJobId: () => undefined,
  listFilters: { status: false, submittedAfter: false },
  maxPageSize: 2,
  quotas: { describePerSecond: 5, listPerSecond: 5 },
};

export const keyOf = (jobId: string, scope = 'wf'): JobKey => ({ service: 'entityresolution', scope, jobId });

export function snapshot(
  jobId: string,
  rawStatus: string,
  extra: Partial<JobSnapshot> & { scope?: string } = {},
): JobSnapshot {
  const { scope, ...rest } = extra;
  return {
    key: keyOf(jobId, scope),
    status: normalizeStatus(definition.statusMap, rawStatus),
    rawStatus,
    observedAt: iso(0),
    detail: 'summary',
    ...rest,
  };
}

/** A stored job last written (and last changed) at `writtenAtSeconds`. */
export function stored(
  snap: JobSnapshot,
  writtenAtSeconds: number,
  extra: Partial<StoredJob> = {},
): StoredJob {
  return {
    snapshot: { ...snap, detail: 'full' },
    version: 1,
    lastChangeAt: iso(writtenAtSeconds),
    writtenAt: iso(writtenAtSeconds),
    ...extra,
  };
}

export function byKey(jobs: readonly StoredJob[]): Map<string, StoredJob> {
  return new Map(jobs.map((job) => [formatJobKey(job.snapshot.key), job]));
}

export interface LogLine {
  readonly level: keyof Log;
  readonly message: string;
  readonly extra: Record<string, unknown> | undefined;
}

/** A log that keeps its lines. */
export function recordingLog(): Log & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const line = (level: keyof Log) => (message: string, extra?: Record<string, unknown>) => {
    lines.push({ level, message, extra });
  };
  return { lines, debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/**
 * An adapter whose scopes each hold a list of jobs, in pages of `maxPageSize` with tokens `t<offset>`;
 * a scope named in `failing` throws after its first item.
 */
export class PagedAdapter implements ServiceAdapter {
  readonly definition: ServiceDefinition;
  readonly listCalls: { scope: string | undefined; options: ListJobsOptions }[] = [];
  readonly describes: JobLocator[] = [];

  constructor(
    readonly scopes: ReadonlyMap<string, readonly JobSnapshot[]>,
    readonly failing: ReadonlySet<string> = new Set(),
    overrides: Partial<ServiceDefinition> = {},
  ) {
    this.definition = { ...definition, ...overrides };
  }

  async *listScopes(): AsyncIterable<string> {
    yield* this.scopes.keys();
  }

  async *listJobs(scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    this.listCalls.push({ scope, options });
    const jobs = this.scopes.get(scope ?? '') ?? [];
    let offset = options.startToken ? Number(options.startToken.slice(1)) : 0;
    while (offset < jobs.length) {
      const page = jobs.slice(offset, offset + this.definition.maxPageSize);
      for (const job of page) {
        yield { ok: true, snapshot: job };
        if (scope !== undefined && this.failing.has(scope)) throw new Error(`listing ${scope} broke`);
      }
      offset += page.length;
      options.onPageEnd?.(offset < jobs.length ? `t${offset}` : undefined);
    }
  }

  async describeJob(locator: JobLocator): Promise<JobSnapshot> {
    this.describes.push(locator);
    return snapshot(locator.jobId, 'RUNNING', {
      detail: 'full',
      ...(locator.scope !== undefined && { scope: locator.scope }),
    });
  }
}

/** A store that keeps jobs in memory and notes every call; `record` answers with `recordAs`. */
export class NotingStore implements JobStateStore {
  readonly jobs = new Map<string, StoredJob>();
  readonly recorded: JobSnapshot[] = [];
  readonly stallsAsked: string[] = [];
  recordAs: RecordResult = { kind: 'unchanged' };
  /** Job ids whose stall the store already holds (it answers undefined), or whose write fails. */
  readonly stallAlreadyRecorded = new Set<string>();
  readonly stallFails = new Set<string>();

  put(job: StoredJob): void {
    this.jobs.set(formatJobKey(job.snapshot.key), job);
  }

  async get(key: JobKey): Promise<StoredJob | undefined> {
    return this.jobs.get(formatJobKey(key));
  }

  async *listActive(): AsyncIterable<StoredJob> {
    yield* this.jobs.values();
  }

  async record(_previous: StoredJob | undefined, next: JobSnapshot): Promise<RecordResult> {
    this.recorded.push(next);
    return this.recordAs;
  }

  async recordStall(current: StoredJob, now: Date): Promise<StallRecord | undefined> {
    const { jobId } = current.snapshot.key;
    this.stallsAsked.push(jobId);
    if (this.stallFails.has(jobId)) throw new Error(`stall write for ${jobId} failed`);
    if (this.stallAlreadyRecorded.has(jobId)) return undefined;
    return {
      kind: 'stall',
      recordId: jobId,
      key: current.snapshot.key,
      version: current.version + 1,
      recordedAt: now.toISOString(),
      snapshot: current.snapshot,
      lastChangeAt: current.lastChangeAt,
      stalledForSeconds: (now.getTime() - Date.parse(current.lastChangeAt)) / 1000,
    };
  }
}
