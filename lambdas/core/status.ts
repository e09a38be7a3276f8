/**
 * The canonical job lifecycle every raw AWS status maps to. Partial success is its own state: AWS's own
 * waiters disagree on whether it is success (HealthLake) or failure (HealthOmics), so we never fold it.
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

const TERMINAL: ReadonlySet<JobStatus> = new Set([
  JobStatus.SUCCEEDED,
  JobStatus.SUCCEEDED_WITH_ERRORS,
  JobStatus.FAILED,
  JobStatus.CANCELLED,
]);

/** Terminal jobs never change again; UNKNOWN is not terminal so the job keeps being watched. */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);
}

/** An explicit mapping of every raw value a service documents. */
export type StatusMap = Readonly<Record<string, JobStatus>>;

/** Maps a raw value; a value missing from the map is UNKNOWN, never guessed. */
export function normalizeStatus(map: StatusMap, raw: string): JobStatus {
  return Object.hasOwn(map, raw) ? (map[raw] ?? JobStatus.UNKNOWN) : JobStatus.UNKNOWN;
}
