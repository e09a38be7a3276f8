import { createHash } from 'node:crypto';
import { formatJobKey, type JobKey } from './job-key.js';
import type { JobSnapshot } from './snapshot.js';
import type { JobStatus } from './status.js';

/** A status as recorded: normalized and raw side by side. */
export interface StatusPair {
  readonly status: JobStatus;
  readonly rawStatus: string;
}

/**
 * One entry of a job's history. History records are the outbox: every `transition` and `stall` record
 * becomes exactly one event (at least once, de-duplicated by `recordId`).
 */
export type HistoryRecord = TransitionRecord | ProgressRecord | StallRecord;

interface HistoryRecordBase {
  /** Deterministic: the same change seen by two pollers, or re-published, has the same id. */
  readonly recordId: string;
  readonly key: JobKey;
  /** The job's version after this record; versions start at 1 and grow by one per recorded change. */
  readonly version: number;
  /** When the change was observed, ISO-8601 UTC. */
  readonly recordedAt: string;
  /** The job as observed when the record was made. */
  readonly snapshot: JobSnapshot;
}

export interface TransitionRecord extends HistoryRecordBase {
  readonly kind: 'transition';
  /** Absent on the first sighting of a job. */
  readonly from?: StatusPair;
  readonly to: StatusPair;
}

/** Kept only when progress history is enabled. Never published. */
export interface ProgressRecord extends HistoryRecordBase {
  readonly kind: 'progress';
}

/** A running job with no status change and no progress for longer than the service's stall threshold. */
export interface StallRecord extends HistoryRecordBase {
  readonly kind: 'stall';
  /** When the job last changed (status or progress). */
  readonly lastChangeAt: string;
  readonly stalledForSeconds: number;
}

/** The id of a history record: a hash of job key, version and kind, so retries and races agree on it. */
export function historyRecordId(
  key: JobKey,
  version: number,
  kind: HistoryRecord['kind'],
  toRawStatus = '',
): string {
  return createHash('sha256')
    .update(`${formatJobKey(key)}\n${version}\n${kind}\n${toRawStatus}`)
    .digest('hex')
    .slice(0, 32);
}
