import { JobsTableAttributes as A, ACTIVE_JOBS_PARTITION } from '../contract/table-schema.js';
import { type HistoryRecord, historyRecordId, type StatusPair } from '../core/history.js';
import { formatJobKey, type JobKey } from '../core/job-key.js';
import type { ListCursor, StoredJob } from '../core/ports.js';
import {
  type CurrentJob,
  type LatestRecord,
  recordOfCurrent,
  TRUNCATED_COUNTER,
  TRUNCATED_SOURCE_NAME,
  TRUNCATION_MARKER,
} from '../core/recording.js';
import { isServiceId, type ServiceId } from '../core/service-id.js';
import type { JobSnapshot } from '../core/snapshot.js';
import { isJobStatus, isTerminal } from '../core/status.js';
import type { Target } from '../core/target.js';

/**
 * Items of the jobs table and back. Items are plain objects as `@aws-sdk/lib-dynamodb` (or `unmarshall`)
 * hands them over: the snapshot is a nested map, numbers are numbers.
 */

export const ItemType = {
  JOB: 'job',
  HISTORY: 'history',
  LIST_CURSOR: 'list-cursor',
  BACKFILL_MARK: 'backfill-mark',
} as const;
export const CURRENT_SORT_KEY = 'CURRENT';
export const HISTORY_SORT_KEY_PREFIX = 'H#';

export type Item = Record<string, unknown>;

export class ItemDecodeError extends Error {
  constructor(item: Item, problem: string) {
    super(
      `Malformed jobs-table item ${String(item[A.PARTITION_KEY])} ${String(item[A.SORT_KEY])}: ${problem}`,
    );
    this.name = 'ItemDecodeError';
  }
}

export function jobPartitionKey(key: JobKey | string): string {
  return `JOB#${typeof key === 'string' ? key : formatJobKey(key)}`;
}

/** `H#0000000042`: zero-padded so the sort key orders history by version. */
export function historySortKey(version: number): string {
  return `${HISTORY_SORT_KEY_PREFIX}${String(version).padStart(10, '0')}`;
}

export function currentItemKey(key: JobKey | string): Item {
  return { [A.PARTITION_KEY]: jobPartitionKey(key), [A.SORT_KEY]: CURRENT_SORT_KEY };
}

/**
 * How the job keys of one target of a service begin (`service/region/account/`, each part URI-encoded as
 * in `formatJobKey`): the `ActiveByJobKey` sort key prefix of that target's jobs.
 */
export function targetKeyPrefix(service: ServiceId, target: Target): string {
  return `${[service, target.region, target.accountId].map(encodeURIComponent).join('/')}/`;
}

/** How the job keys of one service begin: the `ActiveByJobKey` sort key prefix of its jobs. */
export function serviceKeyPrefix(service: ServiceId): string {
  return `${encodeURIComponent(service)}/`;
}

/**
 * The one list-cursor item of a service, or of a service in one target (`LIST#<service>/<region>/<account>`,
 * the job key's own prefix form): outside every job's item collection and every index.
 */
export function listCursorItemKey(service: ServiceId, target?: Target): Item {
  const id = target ? [service, target.region, target.accountId].map(encodeURIComponent).join('/') : service;
  return { [A.PARTITION_KEY]: `LIST#${id}`, [A.SORT_KEY]: 'CURSOR' };
}

/**
 * A service's list cursor as an item; `undefined` writes a cleared one (a Put, so the pollers need no
 * DeleteItem). A saved cursor expires by TTL a day later, should its service be turned off meanwhile.
 */
export function listCursorToItem(
  service: ServiceId,
  cursor: ListCursor | undefined,
  now: Date,
  target?: Target,
): Item {
  const item: Item = { ...listCursorItemKey(service, target), itemType: ItemType.LIST_CURSOR, service };
  if (!cursor) return { ...item, active: false, savedAt: now.toISOString() };
  return plain({
    ...item,
    active: true,
    scope: cursor.scope,
    pageToken: cursor.pageToken,
    fullSweep: cursor.fullSweep,
    savedAt: cursor.savedAt,
    [A.EXPIRES_AT]: Math.floor(now.getTime() / 1000) + 86_400,
  });
}

/** The one backfill mark of a service (or of a service in one target): beside its list cursor. */
export function backfillMarkItemKey(service: ServiceId, target?: Target): Item {
  return { ...listCursorItemKey(service, target), [A.SORT_KEY]: 'BACKFILL' };
}

/** The mark that the first run's look-back was recorded, at `at` (ISO-8601). It never expires. */
export function backfillMarkToItem(service: ServiceId, at: string, target?: Target): Item {
  return {
    ...backfillMarkItemKey(service, target),
    itemType: ItemType.BACKFILL_MARK,
    service,
    backfilledAt: at,
  };
}

/** When the backfill an item marks was done, or undefined without one. */
export function backfillMarkFromItem(item: Item | undefined): string | undefined {
  return typeof item?.backfilledAt === 'string' ? item.backfilledAt : undefined;
}

/** The cursor an item holds, or undefined when it was cleared. */
export function listCursorFromItem(item: Item | undefined): ListCursor | undefined {
  if (item?.active !== true) return undefined;
  return {
    scope: typeof item.scope === 'string' ? item.scope : undefined,
    pageToken: typeof item.pageToken === 'string' ? item.pageToken : undefined,
    fullSweep: item.fullSweep === true,
    savedAt: stringOf(item, 'savedAt'),
  };
}

/**
 * The item of a job's current state. Only the attributes no other one already says: the snapshot holds the
 * key, statuses and times; the index keys are set only where the index wants the item (sparse):
 * `activeJob` while the job is not final, `currentStatus` and the feed keys once it is (a final job's
 * last record lives in this item, see `recordFromItem`).
 */
export function currentJobToItem(job: CurrentJob): Item {
  const { snapshot, latestRecord } = job;
  const final = isTerminal(snapshot.status);
  return {
    [A.PARTITION_KEY]: jobPartitionKey(snapshot.key),
    [A.SORT_KEY]: CURRENT_SORT_KEY,
    [A.JOB_KEY]: formatJobKey(snapshot.key),
    [A.STATUS_SINCE]: job.statusSince,
    ...(!final && { [A.ACTIVE_JOB]: ACTIVE_JOBS_PARTITION }),
    ...(final && { [A.CURRENT_STATUS]: snapshot.status }),
    ...(final &&
      latestRecord && {
        [A.CHANGE_KIND]: latestRecord.kind,
        [A.CHANGED_AT]: isoOrSame(latestRecord.recordedAt),
      }),
    version: job.version,
    lastChangeAt: job.lastChangeAt,
    writtenAt: job.writtenAt,
    ...(job.stalledSince !== undefined && { stalledSince: job.stalledSince }),
    ...(latestRecord && { latestRecord: plain(latestRecord) }),
    snapshot: plain(snapshot),
    ...truncationOf(snapshot),
  };
}

/** A job's current state from its item; `undefined` when the item is not a current item. */
export function currentJobFromItem(item: Item): CurrentJob | undefined {
  if (item.itemType !== ItemType.JOB && item[A.SORT_KEY] !== CURRENT_SORT_KEY) return undefined;
  const snapshot = snapshotOf(item, item.snapshot);
  const version = numberOf(item.version);
  if (version === undefined || version < 1) throw new ItemDecodeError(item, 'no version');
  const lastChangeAt = stringOf(item, 'lastChangeAt');
  const writtenAt = stringOf(item, 'writtenAt');
  const since = item[A.STATUS_SINCE];
  const statusSince = typeof since === 'string' ? since : lastChangeAt;
  const latestRecord = latestRecordOfItem(item, item.latestRecord);
  return {
    snapshot,
    version,
    lastChangeAt,
    writtenAt,
    statusSince,
    ...(typeof item.stalledSince === 'string' && { stalledSince: item.stalledSince }),
    ...(latestRecord && { latestRecord }),
  };
}

/** `StoredJob` only (no store-specific fields), for callers that compare with the port's type. */
export function storedJobFromItem(item: Item): StoredJob | undefined {
  return currentJobFromItem(item);
}

/**
 * The item of one history record: the snapshot, and only what the snapshot and the key do not say (the
 * version is in the sort key, the record id is derived, the statuses after the record are the snapshot's).
 * `expiresAt` (epoch seconds) turns on TTL for it.
 */
export function historyRecordToItem(record: HistoryRecord, options: { expiresAt?: number } = {}): Item {
  const changedAt = isoOrSame(record.recordedAt);
  const base: Item = {
    [A.PARTITION_KEY]: jobPartitionKey(record.key),
    [A.SORT_KEY]: historySortKey(record.version),
    [A.CHANGE_KIND]: record.kind,
    [A.CHANGED_AT]: changedAt,
    // Kept as given only when the feed key had to normalize it.
    ...(changedAt !== record.recordedAt && { recordedAt: record.recordedAt }),
    ...(options.expiresAt !== undefined && { [A.EXPIRES_AT]: options.expiresAt }),
    snapshot: plain(record.snapshot),
    ...truncationOf(record.snapshot),
  };
  switch (record.kind) {
    case 'transition':
      return { ...base, ...(record.from && { from: { ...record.from } }) };
    case 'stall':
      return { ...base, lastChangeAt: record.lastChangeAt, stalledForSeconds: record.stalledForSeconds };
    case 'progress':
      return base;
  }
}

/**
 * The history record a history item holds, from a plain unmarshalled item (a Query result). Reads the
 * items of both layouts (before the slimming they also carried `recordId`, `version`, `kind`, `to`, ...).
 * Returns `undefined` for items that are not history items; throws `ItemDecodeError` for a history item
 * that is malformed, so it is never silently dropped.
 */
export function historyRecordFromItem(item: Item): HistoryRecord | undefined {
  const sortKey = item[A.SORT_KEY];
  const isHistory =
    item.itemType === ItemType.HISTORY ||
    (typeof sortKey === 'string' && sortKey.startsWith(HISTORY_SORT_KEY_PREFIX));
  if (!isHistory) return undefined;
  const snapshot = snapshotOf(item, item.snapshot);
  const version =
    numberOf(item.version) ??
    (typeof sortKey === 'string' ? numberOf(sortKey.slice(HISTORY_SORT_KEY_PREFIX.length)) : undefined);
  if (version === undefined || version < 1) throw new ItemDecodeError(item, 'no version');
  const kind = item.kind ?? item[A.CHANGE_KIND];
  const recordedAt = typeof item.recordedAt === 'string' ? item.recordedAt : stringOf(item, A.CHANGED_AT);
  const recordId =
    typeof item.recordId === 'string'
      ? item.recordId
      : historyRecordId(snapshot.key, version, kind as HistoryRecord['kind'], snapshot.rawStatus);
  const base = { recordId, key: snapshot.key, version, recordedAt, snapshot };
  switch (kind) {
    case 'transition': {
      const to = statusPairOf(item, item.to) ?? { status: snapshot.status, rawStatus: snapshot.rawStatus };
      const from = statusPairOf(item, item.from);
      return { ...base, kind: 'transition', to, ...(from && { from }) };
    }
    case 'stall': {
      const stalledForSeconds = numberOf(item.stalledForSeconds);
      if (stalledForSeconds === undefined)
        throw new ItemDecodeError(item, 'a stall without stalledForSeconds');
      return { ...base, kind: 'stall', lastChangeAt: stringOf(item, 'lastChangeAt'), stalledForSeconds };
    }
    case 'progress':
      return { ...base, kind: 'progress' };
    default:
      throw new ItemDecodeError(item, `unknown record kind ${JSON.stringify(kind)}`);
  }
}

/**
 * A record as the history and the feed hold it: a history item, or the current item of a final job, which
 * keeps the job's last record itself (no history item is written for it). `undefined` for anything else.
 */
export function recordFromItem(item: Item): HistoryRecord | undefined {
  if (item[A.SORT_KEY] !== CURRENT_SORT_KEY) return historyRecordFromItem(item);
  if (item[A.CHANGE_KIND] === undefined) return undefined;
  const job = currentJobFromItem(item);
  return job && recordOfCurrent(job);
}

/** `truncated` and `truncatedFields`, only on an item whose snapshot was cut: a filterable flag. */
function truncationOf(snapshot: JobSnapshot): Item {
  const truncatedFields = truncatedFieldsOf(snapshot);
  return truncatedFields.length > 0 ? { truncated: true, truncatedFields } : {};
}

/** Which snapshot fields carry the truncation marker (set by `boundSnapshot`). */
export function truncatedFieldsOf(snapshot: JobSnapshot): string[] {
  const fields: string[] = [];
  for (const field of ['jobName', 'rawStatus', 'message', 'inputLocation', 'outputLocation'] as const) {
    const value = snapshot[field];
    if (typeof value === 'string' && value.endsWith(TRUNCATION_MARKER)) fields.push(field);
  }
  for (const field of ['progress', 'metrics'] as const) {
    const counters = snapshot[field];
    if (
      counters &&
      Object.keys(counters).some((name) => name === TRUNCATED_COUNTER || name.endsWith(TRUNCATION_MARKER))
    ) {
      fields.push(field);
    }
  }
  if (
    snapshot.sources?.some(
      (source) =>
        source.name === TRUNCATED_SOURCE_NAME ||
        [source.name, source.location, source.message, source.rawStatus].some((value) =>
          value?.endsWith(TRUNCATION_MARKER),
        ),
    )
  ) {
    fields.push('sources');
  }
  return fields;
}

function snapshotOf(item: Item, value: unknown): JobSnapshot {
  if (!isRecord(value)) throw new ItemDecodeError(item, 'no snapshot');
  const key = value.key;
  if (!isRecord(key) || !isServiceId(key.service) || typeof key.jobId !== 'string') {
    throw new ItemDecodeError(item, 'snapshot without a valid job key');
  }
  if (!isJobStatus(value.status) || typeof value.rawStatus !== 'string') {
    throw new ItemDecodeError(item, 'snapshot without a valid status');
  }
  if (typeof value.observedAt !== 'string') throw new ItemDecodeError(item, 'snapshot without observedAt');
  // Counters may come back as strings/NumberValue when a reader wraps numbers; make them numbers again.
  const counters = (input: unknown) =>
    isRecord(input)
      ? Object.fromEntries(
          Object.entries(input).map(([name, count]) => [name, numberOf(count) ?? Number.NaN]),
        )
      : undefined;
  const snapshot: JobSnapshot = {
    ...(value as unknown as JobSnapshot),
    ...(value.progress !== undefined && { progress: counters(value.progress) ?? {} }),
    ...(value.metrics !== undefined && { metrics: counters(value.metrics) ?? {} }),
    detail: value.detail === 'summary' ? 'summary' : 'full',
  };
  return withoutMalformedText(snapshot, OPTIONAL_TEXT_FIELDS);
}

/** Optional text fields a reader relies on being text (a failure reason, a job type). */
const OPTIONAL_TEXT_FIELDS = ['failure', 'jobType'] as const;

/** The snapshot without those of `fields` that are present but not text: they are not known, not wrong. */
function withoutMalformedText(snapshot: JobSnapshot, fields: readonly (keyof JobSnapshot)[]): JobSnapshot {
  const bad = fields.filter((field) => snapshot[field] !== undefined && typeof snapshot[field] !== 'string');
  if (bad.length === 0) return snapshot;
  return Object.fromEntries(
    Object.entries(snapshot).filter(([name]) => !(bad as string[]).includes(name)),
  ) as unknown as JobSnapshot;
}

function latestRecordOfItem(item: Item, value: unknown): LatestRecord | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value) || typeof value.recordedAt !== 'string') {
    throw new ItemDecodeError(item, 'a malformed latestRecord');
  }
  const kind = value.kind;
  if (kind !== 'transition' && kind !== 'stall' && kind !== 'progress') {
    throw new ItemDecodeError(item, `unknown record kind ${JSON.stringify(kind)}`);
  }
  const from = statusPairOf(item, value.from);
  const stalledForSeconds = numberOf(value.stalledForSeconds);
  return {
    kind,
    recordedAt: value.recordedAt,
    ...(from && { from }),
    ...(stalledForSeconds !== undefined && { stalledForSeconds }),
  };
}

function statusPairOf(item: Item, value: unknown): StatusPair | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value) || !isJobStatus(value.status) || typeof value.rawStatus !== 'string') {
    throw new ItemDecodeError(item, 'a malformed status pair');
  }
  return { status: value.status, rawStatus: value.rawStatus };
}

function stringOf(item: Item, name: string): string {
  const value = item[name];
  if (typeof value !== 'string') throw new ItemDecodeError(item, `no ${name}`);
  return value;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  if (isRecord(value) && typeof value.value === 'string') return numberOf(value.value);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy without `undefined` members, so the document client never sees them. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function isoOrSame(value: string): string {
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}
