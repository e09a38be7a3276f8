import type { JobKey } from './job-key.js';
import type { JobStatus } from './status.js';

/** Named counters; a service's own field names are kept so users recognise them. */
export type Counters = Readonly<Record<string, number>>;

/** One input of a multi-source job (HealthOmics reference import `sources[]`). */
export interface SourceStatus {
  readonly name?: string;
  readonly location?: string;
  readonly rawStatus: string;
  readonly status: JobStatus;
  readonly message?: string;
}

/**
 * What one observation of a job says, normalized. Fields a service does not have are absent, never
 * invented. Times are ISO-8601 UTC whatever the wire format was.
 */
export interface JobSnapshot {
  readonly key: JobKey;
  readonly jobName?: string;
  readonly status: JobStatus;
  /** Exactly what AWS returned. */
  readonly rawStatus: string;
  readonly submittedAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly message?: string;
  /**
   * Why the job failed or partly failed, as the service says it (`failureReason`: at most 512 characters,
   * job data redacted); only on FAILED and SUCCEEDED_WITH_ERRORS.
   */
  readonly failure?: string;
  /** The kind of run, where the service has kinds (Entity Resolution: BATCH, INCREMENTAL, DELETE_ONLY). */
  readonly jobType?: string;
  /** Counters that move while a job runs (HealthLake's JobProgressReport). */
  readonly progress?: Counters;
  /** Result figures (Entity Resolution metrics, HealthImaging manifest counts). */
  readonly metrics?: Counters;
  readonly sources?: readonly SourceStatus[];
  readonly inputLocation?: string;
  readonly outputLocation?: string;
  /**
   * Recorded by the first run's look-back: the job had finished before the aggregator watched it. Its
   * transition is published only when the publisher is asked to (the `publishBackfilled` setting).
   */
  readonly backfilled?: true;
  /** When the aggregator saw this, ISO-8601 UTC. */
  readonly observedAt: string;
  /**
   * `summary` came from a list call and lacks detail fields; `full` came from a describe call (or a list
   * call that returns everything, as HealthLake's does).
   */
  readonly detail: 'summary' | 'full';
}

/** Converts an SDK date (or epoch seconds, or an ISO string) to ISO-8601 UTC; absent stays absent. */
export function toIsoUtc(value: Date | string | number | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(typeof value === 'number' ? value * 1000 : value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Keeps only the defined entries, so optional fields stay absent instead of `undefined`. */
export function definedOnly<T extends Record<string, unknown>>(
  record: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** Numeric entries only; a counter map that ends up empty is absent. */
export function toCounters(record: Readonly<Record<string, unknown>> | undefined): Counters | undefined {
  if (!record) return undefined;
  const entries = Object.entries(record).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
  );
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/**
 * Lays a new observation over the previous one: a summary lacks detail fields (message, locations,
 * progress), so those carry forward from the last full snapshot instead of reading as "removed".
 */
export function mergeSnapshot(previous: JobSnapshot | undefined, next: JobSnapshot): JobSnapshot {
  if (!previous || next.detail === 'full') return next;
  const merged = { ...previous, ...next };
  // Same raw status: keep the normalization made with detail (HealthImaging's manifest can turn COMPLETED
  // into SUCCEEDED_WITH_ERRORS; a later summary of the same job cannot know that).
  return previous.rawStatus === next.rawStatus ? { ...merged, status: previous.status } : merged;
}
