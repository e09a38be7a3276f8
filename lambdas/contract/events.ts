/**
 * The public event contract's plain data (docs/events.md, schemas/*.v1.schema.json): what a subscriber
 * matches on. The stack's rules and subscriptions (lib/) and the publisher (lambdas/events/) read it; the
 * detail's shape is in lambdas/events/contract.ts.
 */

/**
 * The `source` of every event. Custom sources must not start with `aws.`; this one does not start with
 * `aws` at all, so it never reads as an AWS service's own events in a pattern or an IAM condition.
 */
export const EVENT_SOURCE = 'job-status-aggregator';

export const DetailType = {
  STATUS_CHANGED: 'Job Status Changed',
  STALLED: 'Job Stalled',
} as const;
export type DetailType = (typeof DetailType)[keyof typeof DetailType];

/** The history record kinds that become events; `progress` records never do. */
export const PUBLISHED_KINDS = ['transition', 'stall'] as const;
export type PublishedKind = (typeof PUBLISHED_KINDS)[number];

/**
 * The canonical job lifecycle every raw AWS status maps to: a detail's `status`. Partial success is its
 * own state: AWS's own waiters disagree on whether it is success (HealthLake) or failure (HealthOmics), so
 * we never fold it.
 */
export const JobStatus = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  SUCCEEDED_WITH_ERRORS: 'SUCCEEDED_WITH_ERRORS',
  FAILED: 'FAILED',
  CANCELLING: 'CANCELLING',
  CANCELLED: 'CANCELLED',
  /** A raw value this release does not know (AWS added it later). The raw value is kept beside it. */
  UNKNOWN: 'UNKNOWN',
} as const;

export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

export const JOB_STATUSES: readonly JobStatus[] = Object.values(JobStatus);

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);
}

/** The statuses a job never leaves (a detail's `terminal: true`); UNKNOWN is not one: it is watched on. */
export const TERMINAL_STATUSES: readonly JobStatus[] = [
  JobStatus.SUCCEEDED,
  JobStatus.SUCCEEDED_WITH_ERRORS,
  JobStatus.FAILED,
  JobStatus.CANCELLED,
];
