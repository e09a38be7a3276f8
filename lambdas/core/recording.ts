import { createHash } from 'node:crypto';
import { compareSnapshots } from './diff.js';
import {
  type HistoryRecord,
  historyRecordId,
  type ProgressRecord,
  type StallRecord,
  type StatusPair,
  type TransitionRecord,
} from './history.js';
import type { RecordResult, StoredJob } from './ports.js';
import { type Counters, type JobSnapshot, mergeSnapshot, type SourceStatus } from './snapshot.js';
import { mayStall, quietSeconds } from './stall.js';
import { JobStatus } from './status.js';

/**
 * What to write for one observation of a job, decided without any I/O: the store turns a plan into one
 * conditional write of the current item and nothing else (the history record it makes travels in that item,
 * see `LatestRecord`). Kept pure so every rule of the write path
 * (exactly one record per change, no write when unchanged, throttled progress, terminal states stick) is
 * unit-tested without DynamoDB.
 */

/** The current state of a job as the store keeps it: `StoredJob` plus when its status was entered. */
export interface CurrentJob extends StoredJob {
  /** When the job entered its current status (the first sighting for a new job). */
  readonly statusSince: string;
  /**
   * The record made at `version`, as far as the rest of the item does not already say it: with it the
   * record can be rebuilt from the current item alone (`recordOfCurrent`), which is how the stream
   * publisher writes history and events. Absent on items written before it existed.
   */
  readonly latestRecord?: LatestRecord;
}

/** What the current item keeps of the record at its version (the snapshot, key and version are the item's). */
export interface LatestRecord {
  readonly kind: HistoryRecord['kind'];
  readonly recordedAt: string;
  /** A transition's previous status; absent on a job's first record. */
  readonly from?: StatusPair;
  /** A stall's quiet time. */
  readonly stalledForSeconds?: number;
}

/** The part of `record` the current item keeps. */
export function latestRecordOf(record: HistoryRecord): LatestRecord {
  return {
    kind: record.kind,
    recordedAt: record.recordedAt,
    ...(record.kind === 'transition' && record.from && { from: record.from }),
    ...(record.kind === 'stall' && { stalledForSeconds: record.stalledForSeconds }),
  };
}

/** The record made at the job's current version, rebuilt from the current state; undefined without one. */
export function recordOfCurrent(job: CurrentJob): HistoryRecord | undefined {
  const latest = job.latestRecord;
  if (!latest) return undefined;
  const { snapshot, version } = job;
  const base = {
    recordId: historyRecordId(snapshot.key, version, latest.kind, snapshot.rawStatus),
    key: snapshot.key,
    version,
    recordedAt: latest.recordedAt,
    snapshot,
  };
  switch (latest.kind) {
    case 'transition':
      return {
        ...base,
        kind: 'transition',
        ...(latest.from && { from: latest.from }),
        to: { status: snapshot.status, rawStatus: snapshot.rawStatus },
      };
    case 'stall':
      return {
        ...base,
        kind: 'stall',
        lastChangeAt: job.lastChangeAt,
        stalledForSeconds: latest.stalledForSeconds ?? 0,
      };
    case 'progress':
      return { ...base, kind: 'progress' };
  }
}

export interface RecordingPolicy {
  /** A running job's progress-only changes are written at most this often. 0 writes every change. */
  readonly progressIntervalSeconds: number;
  /** Keep each written progress change as a `ProgressRecord` in history (and bump the version). */
  readonly keepProgressHistory: boolean;
}

/**
 * The condition the current item must meet for the write to apply. `absent`: no current item yet (a new
 * job). `version`: the item is still exactly what the caller read; `writtenAt` is checked too when the
 * write keeps the version, so a slower writer cannot put older progress over newer progress.
 */
export type WriteCondition =
  | { readonly kind: 'absent' }
  | {
      readonly kind: 'version';
      readonly version: number;
      readonly writtenAt?: string;
      /** The stall is not recorded yet. */
      readonly notStalled?: boolean;
    };

export interface PlannedWrite {
  readonly condition: WriteCondition;
  /** The whole new current item; it carries `history` as its `latestRecord`. */
  readonly current: CurrentJob;
  /** The history record this write makes, if any (the stream publisher stores it). */
  readonly history?: HistoryRecord;
}

export interface RecordPlan {
  /** What `record` returns: at once when there is nothing to write, or after the write succeeded. */
  readonly result: RecordResult;
  readonly write?: PlannedWrite;
  /** Why nothing is written, for the log: the observation is older than the recorded one. */
  readonly stale?: boolean;
}

/** The plan for recording `observed` over `previous` (what the caller read), at time `now`. */
export function planRecord(
  previous: StoredJob | undefined,
  observed: JobSnapshot,
  policy: RecordingPolicy,
  now: Date,
): RecordPlan {
  const next = boundSnapshot(observed);
  const change = compareSnapshots(previous?.snapshot, next);
  const writtenAt = now.toISOString();

  if (change.kind === 'new' || previous === undefined) return planNewJob(next, writtenAt);
  switch (change.kind) {
    case 'unchanged':
      return { result: { kind: 'unchanged' } };
    case 'regression':
      return { result: { kind: 'regression', current: previous, observed } };
    default:
      break;
  }

  // A snapshot taken before the recorded one (a slow describe, a delayed native event) lost to a newer one.
  if (Date.parse(next.observedAt) < Date.parse(previous.snapshot.observedAt)) {
    return { result: { kind: 'lost-race' }, stale: true };
  }

  const merged = mergeSnapshot(previous.snapshot, next);
  if (change.kind === 'transition') return planTransition(previous, merged, next.observedAt, writtenAt);
  return planProgress(previous, merged, next.observedAt, policy, now);
}

function planNewJob(next: JobSnapshot, writtenAt: string): RecordPlan {
  const record = transitionRecord(next, 1, undefined);
  return {
    result: { kind: 'transition', record },
    write: {
      condition: { kind: 'absent' },
      current: {
        snapshot: next,
        version: 1,
        lastChangeAt: next.observedAt,
        writtenAt,
        statusSince: next.observedAt,
        latestRecord: latestRecordOf(record),
      },
      history: record,
    },
  };
}

function planTransition(
  previous: StoredJob,
  merged: JobSnapshot,
  observedAt: string,
  writtenAt: string,
): RecordPlan {
  const version = previous.version + 1;
  const record = transitionRecord(merged, version, previous.snapshot);
  return {
    result: { kind: 'transition', record },
    write: {
      condition: { kind: 'version', version: previous.version },
      current: {
        snapshot: merged,
        version,
        lastChangeAt: observedAt,
        writtenAt,
        statusSince: observedAt,
        latestRecord: latestRecordOf(record),
      },
      history: record,
    },
  };
}

/** Progress only. A stalled job that moves again is written at once, so the stall ends in the store. */
function planProgress(
  previous: StoredJob,
  merged: JobSnapshot,
  observedAt: string,
  policy: RecordingPolicy,
  now: Date,
): RecordPlan {
  const sinceWrite = (now.getTime() - Date.parse(previous.writtenAt)) / 1000;
  const due =
    previous.stalledSince !== undefined ||
    !(sinceWrite < policy.progressIntervalSeconds) || // NaN (unparseable writtenAt) counts as due
    policy.progressIntervalSeconds <= 0;
  if (!due) return { result: { kind: 'progress', written: false } };

  const version = policy.keepProgressHistory ? previous.version + 1 : previous.version;
  const history: ProgressRecord | undefined = policy.keepProgressHistory
    ? {
        kind: 'progress',
        recordId: historyRecordId(merged.key, version, 'progress', merged.rawStatus),
        key: merged.key,
        version,
        recordedAt: observedAt,
        snapshot: merged,
      }
    : undefined;
  // Without a new record the version stays, and so does the record the item holds for it.
  const latestRecord = history ? latestRecordOf(history) : (previous as Partial<CurrentJob>).latestRecord;
  const current: CurrentJob = {
    snapshot: merged,
    version,
    lastChangeAt: observedAt,
    writtenAt: now.toISOString(),
    statusSince: statusSinceOf(previous),
    ...(latestRecord && { latestRecord }),
  };
  return {
    result: { kind: 'progress', written: true },
    write: {
      condition: { kind: 'version', version: previous.version, writtenAt: previous.writtenAt },
      current,
      ...(history && { history }),
    },
  };
}

/**
 * The plan for reporting a stall of `current` at `now`: a `StallRecord` and `stalledSince` on the current
 * item, conditional on the item being unchanged and not yet stalled. The stall takes a version of its own
 * (history holds one record per version). `undefined` when the stall rule says the job cannot stall (not
 * running, or its stall is already recorded); the caller has applied the rule's threshold.
 */
export function planStall(
  current: StoredJob,
  now: Date,
): { readonly record: StallRecord; readonly write: PlannedWrite } | undefined {
  if (!mayStall(current)) return undefined;
  const version = current.version + 1;
  const recordedAt = now.toISOString();
  const { snapshot } = current;
  const record: StallRecord = {
    kind: 'stall',
    recordId: historyRecordId(snapshot.key, version, 'stall', snapshot.rawStatus),
    key: snapshot.key,
    version,
    recordedAt,
    snapshot,
    lastChangeAt: current.lastChangeAt,
    stalledForSeconds: Math.max(0, Math.floor(quietSeconds(current, now))),
  };
  return {
    record,
    write: {
      condition: {
        kind: 'version',
        version: current.version,
        writtenAt: current.writtenAt,
        notStalled: true,
      },
      current: {
        snapshot,
        version,
        lastChangeAt: current.lastChangeAt,
        writtenAt: current.writtenAt,
        statusSince: statusSinceOf(current),
        stalledSince: recordedAt,
        latestRecord: latestRecordOf(record),
      },
      history: record,
    },
  };
}

/** When history records expire (epoch seconds), or `undefined` to keep them forever (retention 0). */
export function historyExpiresAt(record: HistoryRecord, retentionDays: number): number | undefined {
  if (!(retentionDays > 0)) return undefined;
  const recordedAt = Date.parse(record.recordedAt);
  const base = Number.isNaN(recordedAt) ? Date.now() : recordedAt;
  return Math.floor(base / 1000) + Math.round(retentionDays * 86_400);
}

function transitionRecord(
  snapshot: JobSnapshot,
  version: number,
  from: JobSnapshot | undefined,
): TransitionRecord {
  return {
    kind: 'transition',
    recordId: historyRecordId(snapshot.key, version, 'transition', snapshot.rawStatus),
    key: snapshot.key,
    version,
    recordedAt: snapshot.observedAt,
    snapshot,
    ...(from && { from: { status: from.status, rawStatus: from.rawStatus } }),
    to: { status: snapshot.status, rawStatus: snapshot.rawStatus },
  };
}

function statusSinceOf(job: StoredJob): string {
  const since = (job as Partial<CurrentJob>).statusSince;
  return typeof since === 'string' ? since : job.lastChangeAt;
}

// ---------------------------------------------------------------------------------------------------------
// Bounding a snapshot: items must stay far below DynamoDB's 400 KB limit whatever a service returns.

export const TRUNCATION_MARKER = '… [truncated]';
/** The counter that stands for dropped counters; its value is how many were dropped. */
export const TRUNCATED_COUNTER = '[truncated]';
/** The source that stands for dropped sources. */
export const TRUNCATED_SOURCE_NAME = '[truncated]';

/** Byte limits are UTF-8 bytes, marker included. */
export const SNAPSHOT_LIMITS = {
  messageBytes: 4096,
  jobNameBytes: 512,
  rawStatusBytes: 128,
  locationBytes: 1024,
  /** Entries per counter map (progress, metrics), the marker included. */
  counters: 50,
  counterNameBytes: 100,
  /** Entries of `sources`, the marker included. */
  sources: 20,
  sourceNameBytes: 256,
  sourceMessageBytes: 512,
} as const;

/**
 * The snapshot with long strings cut (ending in `TRUNCATION_MARKER`) and long counter maps and source lists
 * shortened (a `[truncated]` entry says how many went). Idempotent, and applied before comparing, so a
 * stored (bounded) snapshot compares equal to the same observation seen again.
 */
export function boundSnapshot(snapshot: JobSnapshot): JobSnapshot {
  const L = SNAPSHOT_LIMITS;
  const out: { -readonly [K in keyof JobSnapshot]: JobSnapshot[K] } = { ...snapshot };
  out.rawStatus = truncateUtf8(snapshot.rawStatus, L.rawStatusBytes);
  if (snapshot.jobName !== undefined) out.jobName = truncateUtf8(snapshot.jobName, L.jobNameBytes);
  if (snapshot.message !== undefined) out.message = truncateUtf8(snapshot.message, L.messageBytes);
  if (snapshot.inputLocation !== undefined)
    out.inputLocation = truncateUtf8(snapshot.inputLocation, L.locationBytes);
  if (snapshot.outputLocation !== undefined)
    out.outputLocation = truncateUtf8(snapshot.outputLocation, L.locationBytes);
  if (snapshot.progress !== undefined) out.progress = boundCounters(snapshot.progress);
  if (snapshot.metrics !== undefined) out.metrics = boundCounters(snapshot.metrics);
  if (snapshot.sources !== undefined) out.sources = boundSources(snapshot.sources);
  return out;
}

/** Cuts `value` to at most `maxBytes` UTF-8 bytes, ending with the marker when cut; never splits a character. */
export function truncateUtf8(value: string, maxBytes: number): string {
  if (utf8Length(value) <= maxBytes) return value;
  const budget = maxBytes - utf8Length(TRUNCATION_MARKER);
  let used = 0;
  let end = 0;
  for (const char of value) {
    const size = utf8Length(char);
    if (used + size > budget) break;
    used += size;
    end += char.length;
  }
  return `${value.slice(0, end)}${TRUNCATION_MARKER}`;
}

export function utf8Length(value: string): number {
  let bytes = 0;
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function boundCounters(counters: Counters): Counters {
  const L = SNAPSHOT_LIMITS;
  const entries = Object.entries(counters).map(([name, count]) => [boundCounterName(name), count] as const);
  if (entries.length <= L.counters) return Object.fromEntries(entries);
  const kept = entries
    .filter(([name]) => name !== TRUNCATED_COUNTER)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, L.counters - 1);
  return Object.fromEntries([...kept, [TRUNCATED_COUNTER, entries.length - kept.length]]);
}

/**
 * A counter name within the limit. A cut name keeps a short hash of the whole name before the marker, so
 * two long names that share a prefix stay two counters.
 */
function boundCounterName(name: string): string {
  const L = SNAPSHOT_LIMITS;
  if (utf8Length(name) <= L.counterNameBytes) return name;
  const hash = `#${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  const prefix = truncateUtf8(name, L.counterNameBytes - hash.length).slice(0, -TRUNCATION_MARKER.length);
  return `${prefix}${hash}${TRUNCATION_MARKER}`;
}

function boundSources(sources: readonly SourceStatus[]): readonly SourceStatus[] {
  const L = SNAPSHOT_LIMITS;
  const bound = (source: SourceStatus): SourceStatus => ({
    ...source,
    rawStatus: truncateUtf8(source.rawStatus, L.rawStatusBytes),
    ...(source.name !== undefined && { name: truncateUtf8(source.name, L.sourceNameBytes) }),
    ...(source.location !== undefined && { location: truncateUtf8(source.location, L.locationBytes) }),
    ...(source.message !== undefined && { message: truncateUtf8(source.message, L.sourceMessageBytes) }),
  });
  if (sources.length <= L.sources) return sources.map(bound);
  const kept = sources.slice(0, L.sources - 1).map(bound);
  return [
    ...kept,
    {
      name: TRUNCATED_SOURCE_NAME,
      rawStatus: 'TRUNCATED',
      status: JobStatus.UNKNOWN,
      message: `${sources.length - kept.length} more sources not kept`,
    },
  ];
}
