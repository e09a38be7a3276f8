import type { Target } from '../contract/hub.js';
import type { JobLocator } from './adapter.js';
import { assertSameJob } from './diff.js';
import { errorMessage, type FailureKind, failureKindOf, type JobRef } from './errors.js';
import { formatJobKey } from './job-key.js';
import { backfillDue, markBackfilled } from './poll/backfill.js';
import { loadCursor, nextCursor, ResumePoint, saveCursor } from './poll/cursor.js';
import { jobFields, logRegression, logTransition } from './poll/job-log.js';
import { JobWork } from './poll/job-work.js';
import { planListing } from './poll/list-plan.js';
import { Listing } from './poll/listing.js';
import type { PollDeps, PollPolicy } from './poll/policy.js';
import { ProgressTurns } from './poll/progress-turns.js';
import { sweepStalls } from './poll/stall-sweep.js';
import { type CycleReport, CycleTally } from './poll/tally.js';
import { WorkPool } from './poll/work-pool.js';
import type { JobStateStore, RecordResult, StoredJob } from './ports.js';
import type { ServiceId } from './service-id.js';

export { jobFields } from './poll/job-log.js';
export { isFullSweepDue, listPasses } from './poll/list-plan.js';
export type { PollDeps, PollPolicy } from './poll/policy.js';
export type { CycleReport } from './poll/tally.js';

/**
 * One poll of one service. The work is: list pages (with server-side filters where the API has them),
 * describe only what changed or what the lists cannot show, and record through the store, which writes
 * nothing for an unchanged job. One job's failure is logged with its key and never stops the others.
 *
 * Work starts as soon as a list page shows it, so describes and writes overlap the listing and a cycle
 * takes about as long as its calls take at the service's rates. When the deadline comes, nothing new is
 * started (listing included) and the report says the cycle is incomplete; the next run lists again, and
 * the known jobs that wait longest go first, so a cycle split across runs never loses its place. An
 * unfiltered listing (every job, finished ones included) can outgrow a run: where the store keeps a list
 * cursor, the next run resumes it at the first page whose work was left out instead of starting over.
 *
 * The parts, in lambdas/core/poll/: the list plan and cursor, the listing, the work pool with its
 * deadline, what each job needs, the stall sweep, and the tally every part reports to.
 */
export async function runPollCycle(deps: PollDeps, policy: PollPolicy): Promise<CycleReport> {
  const started = Date.now();
  const { adapter, store, log, target } = deps;
  const service = adapter.definition.id;
  const tally = new CycleTally(service, log);
  const known = await activeJobs(store, service, target);
  tally.watchActive(known.values());
  const now = deps.now();
  const cursor = await loadCursor({ store, service, target, tally });
  const firstRun = await backfillDue({ store, service, target, tally });
  const plan = planListing(adapter, policy, cursor, now, !!store.saveListCursor, firstRun);
  const pool = new WorkPool(policy, deps.remainingMs, (error) =>
    tally.fail(error, { service }, 'cycle task'),
  );
  const resume = new ResumePoint();
  const turns = new ProgressTurns(known.values(), now, policy);
  const { recentSince, backfill } = plan;
  const work = new JobWork({
    ...{ adapter, store, tally, pool, resume, turns, known, now, policy, recentSince, backfill },
  });
  const onJob = work.consider.bind(work);
  const recentPassFollows = plan.passes.some((pass) => pass.submittedAfter !== undefined);
  const onStatusPassEnd = (scope: string | undefined, rawStatus: string) =>
    work.statusPassEnded(scope, rawStatus, recentPassFollows);
  const listing = new Listing(
    { adapter, log, tally, resume, outOfTime: () => pool.outOfTime(), onJob, onStatusPassEnd },
    plan,
  );
  await listing.read();

  const listedInFull = listing.listedInFull.bind(listing);
  if (listing.complete) work.scheduleMissing(listedInFull);
  else {
    tally.listsCutShort();
    log.warn('the deadline came before the lists were read to the end; the next run lists again', {
      service,
      listed: tally.report.listed,
    });
  }
  await pool.settle();
  await saveCursor({ store, service, target, tally, log }, cursor, nextCursor(plan, resume, deps.now));
  if (backfill && !tally.report.incomplete) {
    await markBackfilled({ store, service, target, tally, log }, deps.now(), work.backfilled);
  }

  // A job whose change was left for the next run is not stalled: stalls are only judged on a whole cycle.
  const thresholdSeconds = policy.stallAfterSeconds;
  if (thresholdSeconds !== undefined && !tally.report.incomplete) {
    const { changed } = tally;
    await sweepStalls({
      store,
      tally,
      pool,
      known,
      changed,
      listedInFull,
      thresholdSeconds,
      checkAt: deps.now(),
    });
  }
  return tally.finish(started);
}

/** The service's (or the target's) active jobs, by formatted key: what the cycle compares the lists with. */
async function activeJobs(
  store: JobStateStore,
  service: ServiceId,
  target: Target | undefined,
): Promise<Map<string, StoredJob>> {
  const known = new Map<string, StoredJob>();
  const active = target ? store.listActive(service, target) : store.listActive(service);
  for await (const stored of active) known.set(formatJobKey(stored.snapshot.key), stored);
  return known;
}

/** What refreshing one job (the native-event fast path) did. */
export type RefreshOutcome =
  | { readonly kind: 'recorded'; readonly result: RecordResult['kind'] }
  | { readonly kind: 'failed'; readonly errorKind: FailureKind };

/**
 * Describes one job and records it: the native-event fast path. The id is validated by the adapter before
 * any call; a failure is logged with the job and returned, never thrown, so a bad event cannot poison retries.
 */
export async function refreshJob(
  deps: Pick<PollDeps, 'adapter' | 'store' | 'log'>,
  locator: JobLocator,
): Promise<RefreshOutcome> {
  const ref: JobRef = { service: deps.adapter.definition.id, ...locator };
  try {
    const next = await deps.adapter.describeJob(locator);
    // Region and account come from the adapter; service, scope and id must be the ones asked about.
    assertSameJob(
      {
        ...next.key,
        service: ref.service,
        jobId: locator.jobId,
        ...(locator.scope && { scope: locator.scope }),
      },
      next,
    );
    const previous = await deps.store.get(next.key);
    const result = await deps.store.record(previous, next);
    deps.log.info('refreshed job from a native event', { ...jobFields(ref), result: result.kind });
    if (result.kind === 'transition') logTransition(deps.log, result.record);
    if (result.kind === 'regression') logRegression(deps.log, ref, result);
    return { kind: 'recorded', result: result.kind };
  } catch (error) {
    const kind = failureKindOf(error);
    deps.log.error('refresh job failed', { ...jobFields(ref), errorKind: kind, error: errorMessage(error) });
    return { kind: 'failed', errorKind: kind };
  }
}
