import { JobStatus, TERMINAL_STATUSES } from '../contract/events.js';

/** The canonical job lifecycle, defined with the event contract (a detail's `status`). */
export { isJobStatus, JOB_STATUSES, JobStatus } from '../contract/events.js';

const TERMINAL: ReadonlySet<JobStatus> = new Set(TERMINAL_STATUSES);

/** Terminal jobs never change again; UNKNOWN is not terminal so the job keeps being watched. */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

/** An explicit mapping of every raw value a service documents. */
export type StatusMap = Readonly<Record<string, JobStatus>>;

/** Maps a raw value; a value missing from the map is UNKNOWN, never guessed. */
export function normalizeStatus(map: StatusMap, raw: string): JobStatus {
  return Object.hasOwn(map, raw) ? (map[raw] ?? JobStatus.UNKNOWN) : JobStatus.UNKNOWN;
}
