import { AggregatorError } from './errors.js';
import { formatJobKey, type JobKey } from './job-key.js';
import type { Counters, JobSnapshot, SourceStatus } from './snapshot.js';
import { isTerminal, type JobStatus } from './status.js';

/** What a new observation of a job means relative to the last one recorded. */
export type SnapshotChange =
  /** First sighting of the job. */
  | { readonly kind: 'new'; readonly status: JobStatus; readonly rawStatus: string }
  /**
   * The raw status changed (the normalized one may be equal, e.g. HealthLake SUBMITTED → QUEUED), or a
   * non-final normalized status changed under the same raw one.
   */
  | {
      readonly kind: 'transition';
      readonly from: JobStatus;
      readonly fromRaw: string;
      readonly to: JobStatus;
      readonly toRaw: string;
    }
  /** Same status; counters, message, sources or times moved. */
  | { readonly kind: 'progress'; readonly fields: readonly ProgressField[] }
  | { readonly kind: 'unchanged' }
  /**
   * A terminal job reported as something else: a late or reordered observation. Never applied; the
   * caller logs the conflict.
   */
  | {
      readonly kind: 'regression';
      readonly from: JobStatus;
      readonly fromRaw: string;
      readonly to: JobStatus;
      readonly toRaw: string;
    };

export const PROGRESS_FIELDS = [
  'progress',
  'metrics',
  'sources',
  'message',
  'failure',
  'jobType',
  'startedAt',
  'endedAt',
  'jobName',
  'inputLocation',
  'outputLocation',
] as const;
export type ProgressField = (typeof PROGRESS_FIELDS)[number];

export class SnapshotMismatchError extends AggregatorError {
  constructor(expected: JobKey, actual: JobKey, options?: ErrorOptions) {
    super(
      `Cannot compare snapshots of different jobs: ${formatJobKey(expected)} vs ${formatJobKey(actual)}`,
      options,
    );
    this.name = 'SnapshotMismatchError';
  }
}

/** Throws unless `snapshot` is about the job `expected` names: a service must answer for what was asked. */
export function assertSameJob(expected: JobKey, snapshot: JobSnapshot): void {
  if (formatJobKey(expected) !== formatJobKey(snapshot.key))
    throw new SnapshotMismatchError(expected, snapshot.key);
}

/**
 * Compares two observations of one job. A field the new snapshot does not carry (a list summary has no
 * message) is "not known", not "removed", so it never counts as a change.
 */
export function compareSnapshots(previous: JobSnapshot | undefined, next: JobSnapshot): SnapshotChange {
  if (!previous) return { kind: 'new', status: next.status, rawStatus: next.rawStatus };
  assertSameJob(previous.key, next);

  // A non-final status can move under the same raw status (HealthImaging's COMPLETED waits for its
  // manifest as RUNNING, then becomes SUCCEEDED or SUCCEEDED_WITH_ERRORS): that is a transition too.
  const movedUnderSameRaw = previous.status !== next.status && !isTerminal(previous.status);
  if (previous.rawStatus !== next.rawStatus || movedUnderSameRaw) {
    const change = {
      from: previous.status,
      fromRaw: previous.rawStatus,
      to: next.status,
      toRaw: next.rawStatus,
    };
    return isTerminal(previous.status)
      ? { kind: 'regression', ...change }
      : { kind: 'transition', ...change };
  }

  const fields = PROGRESS_FIELDS.filter(
    (field) => next[field] !== undefined && differs(previous[field], next[field]),
  );
  return fields.length > 0 ? { kind: 'progress', fields } : { kind: 'unchanged' };
}

type FieldValue = string | Counters | readonly SourceStatus[] | undefined;

function differs(a: FieldValue, b: FieldValue): boolean {
  if (typeof a === 'string' || typeof b === 'string' || a === undefined || b === undefined) return a !== b;
  return stableJson(a) !== stableJson(b);
}

/** JSON with object keys sorted, so counter maps compare by content, not insertion order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
