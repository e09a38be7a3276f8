import pLimit from 'p-limit';
import type { JobLocator, ListJobsOptions, ServiceAdapter } from './adapter.js';
import { compareSnapshots } from './diff.js';
import { type InvalidIdError, type JobRef, type MalformedResponseError, ServiceErrorKind } from './errors.js';
import type { TransitionRecord } from './history.js';
import { describeJobKey, formatJobKey, type JobKey } from './job-key.js';
import type { JobStateStore, Log, RecordResult, StoredJob } from './ports.js';
import type { JobSnapshot } from './snapshot.js';
import { isTerminal } from './status.js';

/** How a cycle behaves; the handler builds it from settings. */
export interface PollPolicy {
  /**
   * Jobs that ended (or, lacking an end time, were submitted) longer ago than this and were never seen are
   * ignored: they finished before the aggregator watched them. It also bounds the `submittedAfter` pass.
   */
  readonly recentWindowSeconds: number;
  /** Describe a running job for its progress at most this often (summaries carry no counters). */
  readonly progressRefreshSeconds: number;
  /** Stall threshold for this service, or undefined to never report stalls. */
  readonly stallAfterSeconds: number | undefined;
  /**
   * List every job, finished ones included, in this cycle. Needed now and then where the API can filter by
   * status but not by time (HealthImaging), to catch jobs that started and ended between two cycles.
   */
  readonly fullSweep: boolean;
  /** Parallel describe/record calls. */
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
  describes: number;
  transitions: number;
  progressWrites: number;
  unchanged: number;
  lostRaces: number;
  regressions: number;
  stalls: number;
  /** Failures by kind; each was logged with its job. */
  readonly errors: Record<string, number>;
  /** True when the deadline stopped the cycle early; the next cycle resumes from the store. */
  incomplete: boolean;
  skipped: number;
  durationMs: number;
}

type Work = {
  readonly locator: JobLocator;
  readonly previous: StoredJob | undefined;
  readonly listed?: JobSnapshot;
};

/**
 * One poll of one service. The work is: list pages (with server-side filters where the API has them),
 * describe only what changed or what the lists cannot show, and record through the store, which writes
 * nothing for an unchanged job. One job's failure is logged with its key and never stops the others.
 */
export async function runPollCycle(deps: PollDeps, policy: PollPolicy): Promise<CycleReport> {
  const started = Date.now();
  const { adapter, store, log } = deps;
  const definition = adapter.definition;
  const report = emptyReport(definition.id);
  const fail = (error: unknown, job: JobRef | undefined, step: string) => {
    const kind = errorKind(error);
    report.errors[kind] = (report.errors[kind] ?? 0) + 1;
    log.error(`${step} failed`, { ...jobFields(job), errorKind: kind, error: errorMessage(error) });
  };

  const known = new Map<string, StoredJob>();
  for await (const stored of store.listActive(definition.id))
    known.set(formatJobKey(stored.snapshot.key), stored);

  const now = deps.now();
  const recentSince = new Date(now.getTime() - policy.recentWindowSeconds * 1000);
  const seen = new Set<string>();
  const work = new Map<string, Work>();
  const failedScopes = new Set<string | undefined>();
  const lookups: Promise<void>[] = [];
  /** Jobs whose status or progress was written this cycle: not stalled, whatever their old state said. */
  const changed = new Set<string>();
  const limit = pLimit(Math.max(1, policy.concurrency));

  // A job can appear in two passes (active statuses, recently submitted): report a bad item once.
  const failedItems = new Set<string>();
  const failListItem = (error: MalformedResponseError | InvalidIdError) => {
    const id = error.job ? `${error.job.scope ?? ''}/${error.job.jobId ?? ''}` : undefined;
    if (id !== undefined && failedItems.has(id)) return;
    if (id !== undefined) failedItems.add(id);
    fail(error, error.job, 'list item');
  };

  const consider = (snapshot: JobSnapshot) => {
    const id = formatJobKey(snapshot.key);
    if (seen.has(id)) return;
    seen.add(id);
    report.listed += 1;
    const previous = known.get(id);
    const locator = locatorOf(snapshot.key);
    if (previous) {
      if (needsWork(previous, snapshot, now, policy)) work.set(id, { locator, previous, listed: snapshot });
      return;
    }
    if (isTerminal(snapshot.status) && !isRecent(snapshot, recentSince)) return;
    // Unknown to the active list: new, or a finished job recorded earlier. One read tells them apart.
    lookups.push(
      limit(async () => {
        try {
          const stored = await store.get(snapshot.key);
          if (!stored || compareSnapshots(stored.snapshot, snapshot).kind !== 'unchanged') {
            work.set(id, { locator, previous: stored, listed: snapshot });
          }
        } catch (error) {
          fail(error, refOf(snapshot.key), 'store read');
        }
      }),
    );
  };

  try {
    for await (const scope of adapter.listScopes()) {
      report.scopes += 1;
      try {
        for (const options of listPasses(adapter, policy, recentSince)) {
          for await (const item of adapter.listJobs(scope, options)) {
            if (item.ok) consider(item.snapshot);
            else failListItem(item.error);
          }
        }
      } catch (error) {
        failedScopes.add(scope);
        fail(error, { service: definition.id, ...(scope !== undefined && { scope }) }, 'list jobs');
      }
    }
  } catch (error) {
    fail(error, { service: definition.id }, 'list scopes');
  }
  await Promise.all(lookups);

  // Known active jobs the lists did not show: finished (filtered out), vanished, or their scope's list failed.
  for (const [id, previous] of known) {
    if (!seen.has(id)) work.set(id, { locator: locatorOf(previous.snapshot.key), previous });
  }

  await Promise.all(
    [...work.values()].map((item) =>
      limit(async () => {
        if (deps.remainingMs() < policy.safetyMarginMs) {
          report.incomplete = true;
          report.skipped += 1;
          return;
        }
        await processJob(item);
      }),
    ),
  );

  if (policy.stallAfterSeconds !== undefined) await reportStalls(policy.stallAfterSeconds);

  report.durationMs = Date.now() - started;
  return report;

  async function processJob(item: Work): Promise<void> {
    const key = item.previous?.snapshot.key ?? item.listed?.key;
    const ref = key ? refOf(key) : { service: definition.id, jobId: item.locator.jobId };
    try {
      let next = item.listed;
      if (!next || next.detail === 'summary') {
        report.describes += 1;
        next = await adapter.describeJob(item.locator);
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
      .filter(([id, stored]) => {
        const quietFor = (checkAt.getTime() - Date.parse(stored.lastChangeAt)) / 1000;
        return (
          !changed.has(id) &&
          !stored.stalledSince &&
          stored.snapshot.status === 'RUNNING' &&
          quietFor >= thresholdSeconds
        );
      })
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

/** Whether a listed job that is already known needs a describe or a write this cycle. */
function needsWork(previous: StoredJob, listed: JobSnapshot, now: Date, policy: PollPolicy): boolean {
  if (listed.rawStatus !== previous.snapshot.rawStatus) return true;
  if (listed.detail === 'full') return compareSnapshots(previous.snapshot, listed).kind !== 'unchanged';
  // A summary shows no counters: look at a running job's detail only every progressRefreshSeconds.
  const sinceWrite = (now.getTime() - Date.parse(previous.writtenAt)) / 1000;
  return !isTerminal(listed.status) && sinceWrite >= policy.progressRefreshSeconds;
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

function errorKind(error: unknown): string {
  if (error && typeof error === 'object') {
    if ('kind' in error && typeof error.kind === 'string') return error.kind;
    if (error instanceof Error && error.name === 'InvalidIdError') return 'invalid-id';
    if (error instanceof Error && error.name === 'MalformedResponseError') return ServiceErrorKind.MALFORMED;
  }
  return 'internal';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function emptyReport(service: string): CycleReport {
  return {
    service,
    scopes: 0,
    listed: 0,
    describes: 0,
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
  | { readonly kind: 'failed'; readonly errorKind: string };

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
    const kind = errorKind(error);
    deps.log.error('refresh job failed', { ...jobFields(ref), errorKind: kind, error: errorMessage(error) });
    return { kind: 'failed', errorKind: kind };
  }
}
