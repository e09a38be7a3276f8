import type { ListJobsOptions, ServiceAdapter } from '../adapter.js';
import type { ListCursor } from '../ports.js';
import { isTerminal } from '../status.js';
import type { PollPolicy } from './policy.js';

/** How one cycle lists: which passes, over what look-back, and whether it goes on from a saved cursor. */
export interface ListPlan {
  /** Every job is listed, finished ones included (the policy asks, or the cursor's listing was a sweep). */
  readonly fullSweep: boolean;
  /** Jobs finished before this and never seen are ignored; it is also the `submittedAfter` filter. */
  readonly recentSince: Date;
  /** The list calls of each scope. */
  readonly passes: readonly ListJobsOptions[];
  /** The listing is unfiltered and the store keeps cursors: a cut-short run saves where to go on. */
  readonly resumable: boolean;
  /** The saved cursor this run goes on from, if it can. */
  readonly resuming: ListCursor | undefined;
  /** The first run's look-back: `recentSince` reaches back the backfill window. */
  readonly backfill: boolean;
}

/**
 * Plans the cycle's listing at `now`. `cursor` is what an earlier run saved; `storeKeepsCursor` is false
 * for a store that cannot save one, which never resumes. `backfillDue`: no run has recorded the first
 * run's look-back yet. A backfill reaches back the backfill window; where the API filters on status but
 * not on time (HealthImaging), it is a full sweep, which lists every status in one pass, resumes across
 * runs like any sweep, and keeps only the jobs within the window.
 */
export function planListing(
  adapter: ServiceAdapter,
  policy: Pick<
    PollPolicy,
    'recentWindowSeconds' | 'sweepWindowSeconds' | 'fullSweep' | 'backfillWindowSeconds'
  >,
  cursor: ListCursor | undefined,
  now: Date,
  storeKeepsCursor: boolean,
  backfillDue = false,
): ListPlan {
  // A cursor older than the recent window belongs to a listing too old to finish: start afresh.
  const resumeFrom =
    cursor && now.getTime() - Date.parse(cursor.savedAt) <= policy.recentWindowSeconds * 1000
      ? cursor
      : undefined;
  const backfillSeconds = backfillDue ? (policy.backfillWindowSeconds ?? 0) : 0;
  const backfill = backfillSeconds > 0;
  const sweepsToBackfill = backfill && !adapter.definition.listFilters.submittedAfter;
  const fullSweep = policy.fullSweep || resumeFrom?.fullSweep === true || sweepsToBackfill;
  const windowSeconds = Math.max(
    fullSweep ? Math.max(policy.recentWindowSeconds, policy.sweepWindowSeconds) : policy.recentWindowSeconds,
    backfillSeconds,
  );
  const recentSince = new Date(now.getTime() - windowSeconds * 1000);
  const passes = listPasses(adapter, { fullSweep }, recentSince);
  // Only an unfiltered listing resumes: its tokens do not depend on this run's time filter.
  const resumable = passes.length === 1 && Object.keys(passes[0] ?? {}).length === 0 && storeKeepsCursor;
  const resuming = resumable ? resumeFrom : undefined;
  return { fullSweep, recentSince, passes, resumable, resuming, backfill };
}

/**
 * The list calls of one scope. With a status filter: one pass for the active statuses (cheap however many
 * finished jobs pile up) plus, with a time filter, one pass for recently submitted jobs of any status. A
 * full sweep, or a service without a status filter, lists everything.
 *
 * The active statuses are listed latest first (a definition's status map runs in lifecycle order), the
 * cancel statuses after the rest: a job only moves forward, so one that the pass of its last status does
 * not show, and no earlier pass showed, has finished (or, seldom, is being cancelled), and its describe,
 * which tells which, can start while the listing goes on (`JobWork.statusPassEnded`).
 */
export function listPasses(
  adapter: ServiceAdapter,
  policy: Pick<PollPolicy, 'fullSweep'>,
  recentSince: Date,
): ListJobsOptions[] {
  const { listFilters, statusMap, cancelStatuses = [] } = adapter.definition;
  if (!listFilters.status || policy.fullSweep) return [{}];
  const latestFirst = Object.entries(statusMap)
    .filter(([, status]) => !isTerminal(status))
    .map(([raw]) => raw)
    .reverse();
  const isCancel = (raw: string) => cancelStatuses.includes(raw);
  const activeRaw = [...latestFirst.filter((raw) => !isCancel(raw)), ...latestFirst.filter(isCancel)];
  const passes: ListJobsOptions[] = [{ rawStatuses: activeRaw }];
  if (listFilters.submittedAfter) passes.push({ submittedAfter: recentSince });
  return passes;
}

/** True when a full sweep falls in this run: once per `sweepSeconds`, on the first run of that period. */
export function isFullSweepDue(now: Date, intervalSeconds: number, sweepSeconds: number): boolean {
  const period = Math.floor(now.getTime() / 1000 / sweepSeconds);
  const previousRun = Math.floor((now.getTime() / 1000 - intervalSeconds) / sweepSeconds);
  return period !== previousRun;
}
