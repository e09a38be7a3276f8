import type { StoredJob } from './ports.js';
import { JobStatus } from './status.js';

/**
 * Stall detection: a RUNNING job whose status and progress have not changed for longer than its service's
 * threshold is reported once (`Job Stalled`); the job's next recorded change ends the stall, and a new
 * quiet period can then be reported again. The threshold is a setting (lambdas/contract/settings.ts).
 */

/**
 * Whether a stall can be reported for `job` at all: it is running and no reported stall is still open. A
 * recorded change (status or progress) writes the job without `stalledSince`, so it ends the stall.
 */
export function mayStall(job: StoredJob): boolean {
  return job.snapshot.status === JobStatus.RUNNING && job.stalledSince === undefined;
}

/**
 * The stall rule: `job` may stall and has not changed for `thresholdSeconds` or longer at `now`. An
 * unreadable last-change time never counts as quiet.
 */
export function isStallDue(job: StoredJob, now: Date, thresholdSeconds: number): boolean {
  return mayStall(job) && quietSeconds(job, now) >= thresholdSeconds;
}

/** Seconds since the job last changed; NaN when its last-change time is unreadable. */
export function quietSeconds(job: StoredJob, now: Date): number {
  return (now.getTime() - Date.parse(job.lastChangeAt)) / 1000;
}
