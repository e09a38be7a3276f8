import pLimit from 'p-limit';
import type { JobLocator, ListJobsOptions, ServiceAdapter } from './adapter.js';
import { assertSameJob, compareSnapshots } from './diff.js';
import {
  errorMessage,
  type FailureKind,
  failureKindOf,
  type InvalidIdError,
  type JobRef,
  type MalformedResponseError,
} from './errors.js';
import type { TransitionRecord } from './history.js';
import { describeJobKey, formatJobKey, type JobKey } from './job-key.js';
import type { JobStateStore, ListCursor, Log, RecordResult, StoredJob } from './ports.js';
import type { JobSnapshot } from './snapshot.js';
import { isStallDue } from './stall.js';
import { isTerminal, JobStatus } from './status.js';

/** How a cycle behaves; the handler builds it from settings. */
export interface PollPolicy {
  /**
   * Jobs that ended (or, lacking an end time, were submitted) longer ago than this and were never seen are
   * ignored: they finished before the aggregator watched them. It also bounds the `submittedAfter` pass.
   */
  readonly recentWindowSeconds: number;
  /**
   * The same look-back on a full sweep: the sweep period plus one schedule, so a job that started and ended
   * between two polls of a service that cannot filter by time is still found by the next sweep.
   */
  readonly sweepWindowSeconds: number;
  /** Describe a running job for its progress at most this often (summaries carry no counters). */
  readonly progressRefreshSeconds: number;
  /**
   * At most this many such progress describes per cycle (0: none). Jobs take turns when more are due, so
   * progress refreshes use a bounded share of the service's quota however many jobs run.
   */
  readonly progressRefreshLimit: number;
  /** Stall threshold for this service, or undefined to never report stalls. */
  readonly stallAfterSeconds: number | undefined;
  /**
   * List every job, finished ones included, in this cycle. Needed now and then where the API can filter by
   * status but not by time (HealthImaging), to catch jobs that started and ended between two cycles.
   */
  readonly fullSweep: boolean;
  /** Parallel describe/record calls (progress refreshes run one at a time beside them). */
  readonly concurrency: number;
  /** Stop starting new work when less than this much time is left. */
  readonly safetyMarginMs: number;
}

export interface PollDeps {
  readonly adapter: ServiceAdapter;
  readonly store: JobStateStore;
  readonly log: Log;
  readonly now: () => Date;
  /** Milliseconds left in this run (Lambda's `getRemainingTimeInMillis`). */
  readonly remainingMs: () => number;
}

/** What one cycle did: the figures behind the metrics and the benchmark. */
export interface CycleReport {
  readonly service: string;
  scopes: number;
  listed: number;
  /** Describe calls, progress refreshes included. */
  describes: number;
  /** Describes of running jobs whose status had not changed, for their progress only. */
  progressRefreshes: number;
  transitions: number;
  progressWrites: number;
  unchanged: number;
  lostRaces: number;
  regressions: number;
  stalls: number;
  /** Failures by kind; each was logged with its job. */
  readonly errors: Record<string, number>;
  /**
   * True when the deadline stopped the cycle before every change was handled (work skipped, or lists not
   * read to the end); the next cycle picks it up, oldest first. Progress refreshes left out are not counted.
   */
  incomplete: boolean;
  skipped: number;
  durationMs: number;
}

/** Where in a resumable listing a job was seen: its scope, its page's token, and the page's rank in the run. */
type ListPosition = Pick<ListCursor, 'scope' | 'pageToken'> & { readonly rank: number };

type Work = {
  readonly locator: JobLocator;
  /** Set for jobs seen in a resumable listing: where to list again if the deadline leaves the job out. */
  readonly position?: ListPosition;
  readonly previous: StoredJob | undefined;
  readonly listed?: JobSnapshot;
  /** Only the job's progress is looked at: it may be left out when time runs short. */
  readonly refresh?: boolean;
};

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
 */
export async function runPollCycle(deps: PollDeps, policy: PollPolicy): Promise<CycleReport> {
  const started = Date.now();
  const { adapter, store, log } = deps;
  const definition = adapter.definition;
  const report = emptyReport(definition.id);
  const fail = (error: unknown, job: JobRef | undefined, step: string) => {
    const kind = failureKindOf(error);
    report.errors[kind] = (report.errors[kind] ?? 0) + 1;
    log.error(`${step} failed`, { ...jobFields(job), errorKind: kind, error: errorMessage(error) });
  };

  const known = new Map<string, StoredJob>();
  for await (const stored of store.listActive(definition.id))
    known.set(formatJobKey(stored.snapshot.key), stored);

  const now = deps.now();
  const cursor = await loadCursor();
  // A cursor older than the recent window belongs to a listing too old to finish: start afresh.
  const resumeFrom =
    cursor && now.getTime() - Date.parse(cursor.savedAt) <= policy.recentWindowSeconds * 1000
      ? cursor
      : undefined;
  const fullSweep = policy.fullSweep || resumeFrom?.fullSweep === true;
  const windowSeconds = fullSweep
    ? Math.max(policy.recentWindowSeconds, policy.sweepWindowSeconds)
    : policy.recentWindowSeconds;
  const recentSince = new Date(now.getTime() - windowSeconds * 1000);
  const passes = listPasses(adapter, { ...policy, fullSweep }, recentSince);
  // Only an unfiltered listing resumes: its tokens do not depend on this run's time filter.
  const resumable =
    passes.length === 1 && Object.keys(passes[0] ?? {}).length === 0 && !!store.saveListCursor;
  /** The cursor this run goes on from, if it can. */
  const resuming = resumable ? resumeFrom : undefined;
  /** Scopes this run did not list from their first page: their unseen jobs are not judged missing. */
  const uncovered = new Set<string | undefined>();
  const listedInFull = (stored: StoredJob) => !uncovered.has(stored.snapshot.key.scope);
  /** The earliest place whose work the deadline left out (resumable listings only). */
  let resumeAt: ListPosition | undefined;
  const resumeNoLaterThan = (position: ListPosition | undefined) => {
    if (position && (!resumeAt || position.rank < resumeAt.rank)) resumeAt = position;
  };
  let pagesRead = 0;
  const seen = new Set<string>();
  const tasks: Promise<void>[] = [];
  /** Jobs whose status or progress was written this cycle: not stalled, whatever their old state said. */
  const changed = new Set<string>();
  const limit = pLimit(Math.max(1, policy.concurrency));
  const outOfTime = () => deps.remainingMs() < policy.safetyMarginMs;

  /** Past the deadline nothing new starts; a change left out makes the cycle incomplete. */
  const skip = (refresh: boolean, position?: ListPosition): boolean => {
    if (!outOfTime()) return false;
    if (!refresh) {
      report.incomplete = true;
      report.skipped += 1;
      resumeNoLaterThan(position);
    }
    return true;
  };
  /** Runs `work` in the pool; `work` decides what the deadline stops. */
  const pooled = (work: () => Promise<void>) => {
    tasks.push(
      limit(async () => {
        try {
          await work();
        } catch (error) {
          fail(error, { service: definition.id }, 'cycle task');
        }
      }),
    );
  };
  const schedule = (item: Work) =>
    pooled(async () => {
      if (!skip(false, item.position)) await processJob(item);
    });

  // Progress refreshes go through a pool of their own, one at a time: they overlap the listing without
  // holding up status changes, and the deadline drops them quietly. When more are due than the limit
  // allows, the due jobs take turns by a hash of their key, the turn moving with each refresh interval.
  const refreshPool = pLimit(1);
  const refreshLimit = Math.max(0, Math.floor(policy.progressRefreshLimit));
  const refreshGroups = Math.max(
    1,
    Math.ceil(
      [...known.values()].filter((job) => refreshDue(job, now, policy)).length / Math.max(1, refreshLimit),
    ),
  );
  const refreshTurn =
    Math.floor(now.getTime() / 1000 / Math.max(1, policy.progressRefreshSeconds)) % refreshGroups;
  let refreshesTaken = 0;
  const refresh = (id: string, item: Work) => {
    if (refreshesTaken >= refreshLimit || fnv1a(id) % refreshGroups !== refreshTurn) return;
    refreshesTaken += 1;
    tasks.push(
      refreshPool(async () => {
        try {
          if (!skip(true)) await processJob(item);
        } catch (error) {
          fail(error, { service: definition.id }, 'cycle task');
        }
      }),
    );
  };

  // A job can appear in two passes (active statuses, recently submitted): report a bad item once.
  const failedItems = new Set<string>();
  const failListItem = (error: MalformedResponseError | InvalidIdError) => {
    const id = error.job ? `${error.job.scope ?? ''}/${error.job.jobId ?? ''}` : undefined;
    if (id !== undefined && failedItems.has(id)) return;
    if (id !== undefined) failedItems.add(id);
    fail(error, error.job, 'list item');
  };

  const consider = (snapshot: JobSnapshot, position: ListPosition | undefined) => {
    const id = formatJobKey(snapshot.key);
    if (seen.has(id)) return;
    seen.add(id);
    report.listed += 1;
    const previous = known.get(id);
    const locator = locatorOf(snapshot.key);
    if (previous) {
      const need = workNeeded(previous, snapshot, now, policy);
      if (need === 'change') schedule({ locator, previous, listed: snapshot, ...(position && { position }) });
      else if (need === 'refresh') refresh(id, { locator, previous, listed: snapshot, refresh: true });
      return;
    }
    if (isTerminal(snapshot.status) && !isRecent(snapshot, recentSince)) return;
    // Unknown to the active list: new, or a finished job recorded earlier. One read tells them apart.
    pooled(async () => {
      let stored: StoredJob | undefined;
      try {
        stored = await store.get(snapshot.key);
      } catch (error) {
        fail(error, refOf(snapshot.key), 'store read');
        return;
      }
      if (!stored || compareSnapshots(stored.snapshot, snapshot).kind !== 'unchanged') {
        if (!skip(false, position)) await processJob({ locator, previous: stored, listed: snapshot });
      }
    });
  };

  let listsComplete = true;
  /** Resuming: scopes before the cursor's were listed by the earlier run; this run skips them. */
  let skippingTo = resuming ? { scope: resuming.scope } : undefined;
  try {
    scopes: for await (const scope of adapter.listScopes()) {
      if (skippingTo) {
        if (scope !== skippingTo.scope) {
          uncovered.add(scope);
          continue;
        }
        skippingTo = undefined;
      }
      report.scopes += 1;
      const startToken = resuming && scope === resuming.scope ? resuming.pageToken : undefined;
      if (startToken !== undefined) uncovered.add(scope);
      /** The page being read: where to come back to if the deadline stops the listing in it. */
      let page: ListPosition = { scope, pageToken: startToken, rank: pagesRead++ };
      try {
        for (const pass of passes) {
          const options = resumable
            ? {
                ...pass,
                ...(startToken !== undefined && { startToken }),
                onPageEnd: (next: string | undefined) => {
                  page = { scope, pageToken: next, rank: pagesRead++ };
                },
              }
            : pass;
          let read = 0;
          for await (const item of adapter.listJobs(scope, options)) {
            if (item.ok) consider(item.snapshot, resumable ? page : undefined);
            else failListItem(item.error);
            // Past the deadline, stop listing, but only after a pass's first page: every run makes progress.
            read += 1;
            if (read >= definition.maxPageSize && outOfTime()) {
              listsComplete = false;
              if (resumable) resumeNoLaterThan(page);
              break scopes;
            }
          }
        }
      } catch (error) {
        fail(error, { service: definition.id, ...(scope !== undefined && { scope }) }, 'list jobs');
      }
    }
  } catch (error) {
    fail(error, { service: definition.id }, 'list scopes');
  }
  if (skippingTo) {
    log.warn('the scope a cut-short listing stopped in is gone; the next run lists from the start', {
      service: definition.id,
      ...(skippingTo.scope !== undefined && { scope: skippingTo.scope }),
    });
  }

  if (listsComplete) {
    // Known active jobs the lists did not show: finished (filtered out), vanished, or their scope's list
    // failed. The ones written longest ago first: a job a cut-short run left out is first in line next time.
    const absent = [...known.entries()]
      .filter(([id, previous]) => !seen.has(id) && listedInFull(previous))
      .map(([, previous]) => previous)
      .sort((a, b) => Date.parse(a.writtenAt) - Date.parse(b.writtenAt));
    for (const previous of absent) schedule({ locator: locatorOf(previous.snapshot.key), previous });
  } else {
    report.incomplete = true;
    log.warn('the deadline came before the lists were read to the end; the next run lists again', {
      service: definition.id,
      listed: report.listed,
    });
  }
  await Promise.all(tasks);
  await saveCursor();

  // A job whose change was left for the next run is not stalled: stalls are only judged on a whole cycle.
  if (policy.stallAfterSeconds !== undefined && !report.incomplete) {
    await reportStalls(policy.stallAfterSeconds);
  }

  report.durationMs = Date.now() - started;
  return report;

  async function loadCursor(): Promise<ListCursor | undefined> {
    try {
      return await store.loadListCursor?.(definition.id);
    } catch (error) {
      fail(error, { service: definition.id }, 'load list cursor');
      return undefined;
    }
  }

  /** Saves where the next run resumes; clears a cursor this run used up (or found stale). */
  async function saveCursor(): Promise<void> {
    const next: ListCursor | undefined =
      resumable && resumeAt
        ? {
            scope: resumeAt.scope,
            pageToken: resumeAt.pageToken,
            fullSweep,
            savedAt: deps.now().toISOString(),
          }
        : undefined;
    if (!next && !cursor) return;
    try {
      await store.saveListCursor?.(definition.id, next);
      if (next) {
        log.info('the listing resumes in the next run', {
          service: definition.id,
          ...(next.scope !== undefined && { scope: next.scope }),
          fullSweep,
        });
      }
    } catch (error) {
      // Without the cursor the next run lists from the start: slower, nothing lost.
      fail(error, { service: definition.id }, 'save list cursor');
    }
  }

  async function processJob(item: Work): Promise<void> {
    const key = item.previous?.snapshot.key ?? item.listed?.key;
    const ref = key ? refOf(key) : { service: definition.id, jobId: item.locator.jobId };
    try {
      let next = item.listed;
      if (!next || next.detail === 'summary') {
        report.describes += 1;
        if (item.refresh) report.progressRefreshes += 1;
        next = await adapter.describeJob(item.locator);
        // For a job seen for the first time there is no earlier snapshot to catch a wrong answer.
        if (key) assertSameJob(key, next);
      }
      tally(await store.record(item.previous, next), next);
    } catch (error) {
      fail(error, ref, 'refresh job');
    }
  }

  function tally(result: RecordResult, next: JobSnapshot): void {
    // Deferred progress counts too: the job moved, even if the write waits for the progress interval.
    if (result.kind === 'transition' || result.kind === 'progress') {
      changed.add(formatJobKey(next.key));
    }
    switch (result.kind) {
      case 'transition':
        report.transitions += 1;
        logTransition(log, result.record);
        return;
      case 'progress':
        if (result.written) report.progressWrites += 1;
        return;
      case 'unchanged':
        report.unchanged += 1;
        return;
      case 'lost-race':
        report.lostRaces += 1;
        log.info('another poller recorded this change first', jobFields(refOf(next.key)));
        return;
      case 'regression':
        report.regressions += 1;
        log.warn('ignored a non-final status for a job already final', {
          ...jobFields(refOf(next.key)),
          recorded: result.current.snapshot.rawStatus,
          observed: result.observed.rawStatus,
        });
        return;
    }
  }

  async function reportStalls(thresholdSeconds: number): Promise<void> {
    const checkAt = deps.now();
    const candidates = [...known.entries()]
      .filter(
        ([id, stored]) =>
          !changed.has(id) && listedInFull(stored) && isStallDue(stored, checkAt, thresholdSeconds),
      )
      .map(([, stored]) => stored);
    await Promise.all(
      candidates.map((stored) =>
        limit(async () => {
          try {
            if (await store.recordStall(stored, checkAt)) report.stalls += 1;
          } catch (error) {
            fail(error, refOf(stored.snapshot.key), 'record stall');
          }
        }),
      ),
    );
  }
}

/**
 * The list calls of one scope. With a status filter: one pass for the active statuses (cheap however many
 * finished jobs pile up) plus, with a time filter, one pass for recently submitted jobs of any status. A
 * full sweep, or a service without a status filter, lists everything.
 */
export function listPasses(
  adapter: ServiceAdapter,
  policy: PollPolicy,
  recentSince: Date,
): ListJobsOptions[] {
  const { listFilters, statusMap } = adapter.definition;
  if (!listFilters.status || policy.fullSweep) return [{}];
  const activeRaw = Object.entries(statusMap)
    .filter(([, status]) => !isTerminal(status))
    .map(([raw]) => raw);
  const passes: ListJobsOptions[] = [{ rawStatuses: activeRaw }];
  if (listFilters.submittedAfter) passes.push({ submittedAfter: recentSince });
  return passes;
}

/**
 * What a listed job that is already known needs this cycle: `change` (a describe or a write), `refresh` (a
 * describe for its progress alone, when its turn comes), or nothing.
 */
function workNeeded(
  previous: StoredJob,
  listed: JobSnapshot,
  now: Date,
  policy: PollPolicy,
): 'change' | 'refresh' | undefined {
  if (listed.rawStatus !== previous.snapshot.rawStatus) return 'change';
  if (listed.detail === 'full') {
    return compareSnapshots(previous.snapshot, listed).kind !== 'unchanged' ? 'change' : undefined;
  }
  // A summary shows no counters: only a describe can move a running job's progress.
  return refreshDue(previous, now, policy) ? 'refresh' : undefined;
}

/**
 * Whether a known job is due a describe for its progress: running, its last describe showed progress
 * (HealthImaging's and Panorama's never do, so theirs are never refreshed), written long enough ago.
 */
function refreshDue(previous: StoredJob, now: Date, policy: PollPolicy): boolean {
  const { snapshot } = previous;
  const showsProgress =
    snapshot.progress !== undefined || snapshot.metrics !== undefined || snapshot.sources !== undefined;
  if (snapshot.status !== JobStatus.RUNNING || !showsProgress) return false;
  return (now.getTime() - Date.parse(previous.writtenAt)) / 1000 >= policy.progressRefreshSeconds;
}

/** 32-bit FNV-1a: a cheap, stable spread of job keys over the refresh groups. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function isRecent(snapshot: JobSnapshot, since: Date): boolean {
  const at = snapshot.endedAt ?? snapshot.submittedAt;
  return at === undefined || Date.parse(at) >= since.getTime();
}

/** True when a full sweep falls in this run: once per `sweepSeconds`, on the first run of that period. */
export function isFullSweepDue(now: Date, intervalSeconds: number, sweepSeconds: number): boolean {
  const period = Math.floor(now.getTime() / 1000 / sweepSeconds);
  const previousRun = Math.floor((now.getTime() / 1000 - intervalSeconds) / sweepSeconds);
  return period !== previousRun;
}

function locatorOf(key: JobKey): JobLocator {
  return { jobId: key.jobId, ...(key.scope !== undefined && { scope: key.scope }) };
}

function refOf(key: JobKey): JobRef {
  return { service: key.service, jobId: key.jobId, ...(key.scope !== undefined && { scope: key.scope }) };
}

/**
 * The fields every log line about a job carries. The service is the logger's own `service` key (a key
 * Powertools reserves), so it is not repeated here.
 */
export function jobFields(job: JobRef | undefined): Record<string, unknown> {
  if (!job) return {};
  const key: JobKey = {
    service: job.service,
    jobId: job.jobId ?? '',
    ...(job.scope && { scope: job.scope }),
  };
  return { scope: job.scope, jobId: job.jobId, job: job.jobId ? describeJobKey(key) : undefined };
}

/** The one log line per recorded transition; the dashboard's status widgets query exactly this message. */
function logTransition(log: Log, record: TransitionRecord): void {
  log.info('job status changed', {
    ...jobFields(refOf(record.key)),
    from: record.from?.rawStatus,
    to: record.to.rawStatus,
    status: record.to.status,
  });
}

function emptyReport(service: string): CycleReport {
  return {
    service,
    scopes: 0,
    listed: 0,
    describes: 0,
    progressRefreshes: 0,
    transitions: 0,
    progressWrites: 0,
    unchanged: 0,
    lostRaces: 0,
    regressions: 0,
    stalls: 0,
    errors: {},
    incomplete: false,
    skipped: 0,
    durationMs: 0,
  };
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
    if (result.kind === 'regression') {
      deps.log.warn('ignored a non-final status for a job already final', {
        ...jobFields(ref),
        recorded: result.current.snapshot.rawStatus,
        observed: result.observed.rawStatus,
      });
    }
    return { kind: 'recorded', result: result.kind };
  } catch (error) {
    const kind = failureKindOf(error);
    deps.log.error('refresh job failed', { ...jobFields(ref), errorKind: kind, error: errorMessage(error) });
    return { kind: 'failed', errorKind: kind };
  }
}
