import { DetailType, EVENT_SOURCE, PUBLISHED_KINDS } from '../contract/events.js';
import { serviceFacts } from '../contract/services.js';
import { cutCodePoints, redactJobData } from '../core/failure.js';
import type { HistoryRecord, StallRecord, TransitionRecord } from '../core/history.js';
import { formatJobKey, type JobKey } from '../core/job-key.js';
import type { Counters, JobSnapshot } from '../core/snapshot.js';
import { isTerminal, type JobStatus } from '../core/status.js';
import type { JobStalledDetailV1, JobStatusChangedDetailV1, Sources } from './detail-types.generated.js';
import { shrinkDetail, type TruncatedField } from './size.js';

/**
 * The public event contract (docs/events.md, schemas/*.v1.schema.json): the detail of each event, built
 * from a history record. Source, detail-types and statuses are plain data in lambdas/contract/events.ts,
 * which lib/ reads too. A change to a field is a change to the documented contract and its schema.
 */

export { DetailType, EVENT_SOURCE } from '../contract/events.js';

/**
 * `major.minor` of the detail. Minor versions only add optional fields; a major version changes or
 * removes one, and is published beside the old one for a deprecation period (docs/events.md).
 */
export const SCHEMA_VERSION = '1.1';

/**
 * A message longer than this is cut (and `truncated` says so) even when the event is small. Only the
 * first MESSAGE_WINDOW_CHARS of the service's message are read, with the job data in them redacted.
 */
export const MAX_MESSAGE_CHARS = 2048;
/** More counters than this in one map are cut: events carry a summary, never a payload. */
export const MAX_COUNTERS = 50;
const MESSAGE_WINDOW_CHARS = MAX_MESSAGE_CHARS * 4;

/**
 * `detail` of `Job Status Changed` and of `Job Stalled`: the types generated from the schemas
 * (detail-types.generated.ts, `npm run generate`), so the code cannot send a field the schema lacks.
 */
export type JobStatusChangedDetail = Readonly<JobStatusChangedDetailV1>;
export type JobStalledDetail = Readonly<JobStalledDetailV1>;

/** The job an event is about: the fields both detail-types have. */
export type JobDetail = Pick<JobStatusChangedDetail, keyof JobStatusChangedDetail & keyof JobStalledDetail>;

/** Per-input statuses of a multi-source job (HealthOmics), counted by normalized status. */
export type SourcesSummary = Readonly<Sources>;

export type EventDetail = JobStatusChangedDetail | JobStalledDetail;

/** A PutEvents entry with every field this project sets made required. */
export interface EventEntry {
  readonly Source: string;
  readonly DetailType: DetailType;
  readonly Detail: string;
  readonly Resources: string[];
  readonly Time: Date;
  readonly EventBusName: string;
}

/** The history records that become events; `progress` records never do. */
export type PublishableRecord = TransitionRecord | StallRecord;

export function isPublishable(record: HistoryRecord): record is PublishableRecord {
  return (PUBLISHED_KINDS as readonly string[]).includes(record.kind);
}

/**
 * A transition the first run's look-back recorded (the job had finished before the aggregator watched):
 * the outbox publishes it only when asked to (the `publishBackfilled` setting).
 */
export function isBackfilled(record: HistoryRecord): boolean {
  return record.kind === 'transition' && record.snapshot.backfilled === true;
}

/**
 * The PutEvents entry for one history record: source, detail-type, the scope's ARN as `resources`, the
 * recorded time as `Time`, and a detail shrunk to fit the entry limit when it would not (see size.ts).
 */
export function toEventEntry(
  record: PublishableRecord,
  busName: string,
  partition: string = DEFAULT_PARTITION,
): EventEntry {
  const detailType = record.kind === 'transition' ? DetailType.STATUS_CHANGED : DetailType.STALLED;
  const resources = scopeResources(record.key, partition);
  const detail = shrinkDetail(toDetail(record), {
    source: EVENT_SOURCE,
    detailType,
    resources,
    hasTime: true,
  });
  return {
    Source: EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    Resources: resources,
    Time: new Date(record.recordedAt),
    EventBusName: busName,
  };
}

/** The detail for one record, before any shrinking for size. */
export function toDetail(record: TransitionRecord): JobStatusChangedDetail;
export function toDetail(record: StallRecord): JobStalledDetail;
export function toDetail(record: PublishableRecord): EventDetail;
export function toDetail(record: PublishableRecord): EventDetail {
  // The id comes right after the version, so a detail reads top-down in a console or a queue message.
  if (record.kind === 'stall') {
    return {
      schemaVersion: SCHEMA_VERSION,
      stallId: record.recordId,
      ...jobDetail(record),
      status: record.snapshot.status,
      rawStatus: record.snapshot.rawStatus,
      lastChangeAt: record.lastChangeAt,
      stalledForSeconds: record.stalledForSeconds,
    };
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    transitionId: record.recordId,
    ...jobDetail(record),
    ...(record.from && { previousStatus: record.from.status, previousRawStatus: record.from.rawStatus }),
    status: record.to.status,
    rawStatus: record.to.rawStatus,
    terminal: isTerminal(record.to.status),
    ...(record.snapshot.failure && { failure: record.snapshot.failure }),
    ...(record.snapshot.jobType && { jobType: record.snapshot.jobType }),
    ...(record.snapshot.backfilled && { backfilled: true }),
  };
}

function jobDetail(record: PublishableRecord): Omit<JobDetail, 'schemaVersion' | 'status' | 'rawStatus'> {
  const { key, snapshot } = record;
  const truncated: TruncatedField[] = [];
  const message = cutMessage(snapshot.message, truncated);
  const progress = cutCounters(snapshot.progress, 'progress', truncated);
  const metrics = cutCounters(snapshot.metrics, 'metrics', truncated);
  const sources = summarizeSources(snapshot);
  return {
    jobKey: formatJobKey(key),
    service: key.service,
    ...(key.region && { region: key.region }),
    ...(key.accountId && { accountId: key.accountId }),
    ...(key.scope && { scope: key.scope }),
    jobId: key.jobId,
    ...(snapshot.jobName && { jobName: snapshot.jobName }),
    version: record.version,
    recordedAt: record.recordedAt,
    observedAt: snapshot.observedAt,
    ...(snapshot.submittedAt && { submittedAt: snapshot.submittedAt }),
    ...(snapshot.startedAt && { startedAt: snapshot.startedAt }),
    ...(snapshot.endedAt && { endedAt: snapshot.endedAt }),
    ...(message !== undefined && { message }),
    ...(progress && { progress }),
    ...(metrics && { metrics }),
    ...(sources && { sources }),
    ...(truncated.length > 0 && { truncated }),
  };
}

function cutMessage(text: string | undefined, truncated: TruncatedField[]): string | undefined {
  if (text === undefined) return undefined;
  // A service's message can name the job's data (an S3 URI, a file, a record's value): redacted like a failure.
  const message = redactJobData(text, MESSAGE_WINDOW_CHARS);
  if (message === '') return undefined;
  const unread = text.length > MESSAGE_WINDOW_CHARS;
  const cut = cutCodePoints(unread ? `${message}…` : message, MAX_MESSAGE_CHARS);
  if (cut !== message) truncated.push('message');
  return cut;
}

function cutCounters(
  counters: Counters | undefined,
  field: 'progress' | 'metrics',
  truncated: TruncatedField[],
): Counters | undefined {
  if (!counters) return undefined;
  const entries = Object.entries(counters);
  if (entries.length === 0) return undefined;
  if (entries.length <= MAX_COUNTERS) return counters;
  truncated.push(field);
  return Object.fromEntries(entries.slice(0, MAX_COUNTERS));
}

function summarizeSources(snapshot: JobSnapshot): SourcesSummary | undefined {
  if (!snapshot.sources || snapshot.sources.length === 0) return undefined;
  const byStatus: Partial<Record<JobStatus, number>> = {};
  for (const source of snapshot.sources) byStatus[source.status] = (byStatus[source.status] ?? 0) + 1;
  return { total: snapshot.sources.length, byStatus };
}

/** The partition of the commercial regions; local mode's, and the one where nothing else is known. */
export const DEFAULT_PARTITION = 'aws';

/**
 * The partition of an ARN (`arn:aws-cn:lambda:...` gives `aws-cn`): the publisher takes it from its own
 * function's ARN, so every partition AWS adds comes out right without a table of region prefixes.
 */
export function partitionOfArn(arn: string | undefined): string {
  const [prefix, partition] = (arn ?? '').split(':');
  return prefix === 'arn' && partition ? partition : DEFAULT_PARTITION;
}

/**
 * `resources` of an event. None of the five services gives an import job an ARN, so this is the ARN of the
 * job's scope (the data store, reference store or workflow; each service's facts build it), and only when
 * region and account are known. Panorama jobs have no scope, so no resource. `partition` is the deployment's:
 * a stack polls its own partition's regions.
 */
export function scopeResources(key: JobKey, partition: string = DEFAULT_PARTITION): string[] {
  const arn = scopeArn(key, partition);
  return arn ? [arn] : [];
}

export function scopeArn(key: JobKey, partition: string = DEFAULT_PARTITION): string | undefined {
  const { region, accountId, scope } = key;
  if (!scope) return undefined;
  const place = region && accountId ? { partition, region, accountId } : undefined;
  return serviceFacts(key.service).scopeArn(scope, place);
}
