import type { JobLocator, ServiceAdapter } from '../adapter.js';
import { assertSameJob, compareSnapshots } from '../diff.js';
import type { JobRef } from '../errors.js';
import { formatJobKey, type JobKey } from '../job-key.js';
import type { JobStateStore, StoredJob } from '../ports.js';
import type { JobSnapshot } from '../snapshot.js';
import { isTerminal } from '../status.js';
import type { ListPosition, ResumePoint } from './cursor.js';
import { locatorOf, refOf } from './job-log.js';
import type { PollPolicy } from './policy.js';
import { type ProgressTurns, refreshDue } from './progress-turns.js';
import type { CycleTally } from './tally.js';
import type { WorkPool } from './work-pool.js';

/** One job to describe (when the list does not show enough) and record. */
export interface Work {
  readonly locator: JobLocator;
  /** Set for jobs seen in a resumable listing: where to list again if the deadline leaves the job out. */
  readonly position?: ListPosition;
  readonly previous: StoredJob | undefined;
  readonly listed?: JobSnapshot;
  /** Only the job's progress is looked at: it may be left out when time runs short. */
  readonly refresh?: boolean;
  /** New to the store in the first run's look-back: recorded as `backfilled` if it has finished. */
  readonly backfill?: boolean;
}

export interface JobWorkDeps {
  readonly adapter: ServiceAdapter;
  readonly store: JobStateStore;
  readonly tally: CycleTally;
  readonly pool: WorkPool;
  readonly resume: ResumePoint;
  readonly turns: ProgressTurns;
  /** The service's active jobs as the store held them when the cycle began, by formatted key. */
  readonly known: ReadonlyMap<string, StoredJob>;
  readonly now: Date;
  readonly policy: Pick<PollPolicy, 'progressRefreshSeconds'>;
  /** Jobs finished before this and never seen are ignored. */
  readonly recentSince: Date;
  /** The first run's look-back: finished jobs new to the store are recorded as `backfilled`. */
  readonly backfill?: boolean;
}

/**
 * Decides what each job needs and queues it: a describe only where the list cannot show the change, a
 * record through the store. Past the deadline no queued work starts; a change left out is counted as
 * skipped, with its list position kept to resume from, while a progress refresh left out is dropped quietly.
 */
export class JobWork {
  /** Jobs already listed this cycle: a job two passes show is handled once. */
  private readonly seen = new Set<string>();
  /** Finished jobs recorded as backfilled this cycle. */
  backfilled = 0;

  constructor(private readonly deps: JobWorkDeps) {}

  /** A job a list page showed. */
  consider(snapshot: JobSnapshot, position: ListPosition | undefined): void {
    const { known, now, policy, tally, turns } = this.deps;
    const id = formatJobKey(snapshot.key);
    if (this.seen.has(id)) return;
    this.seen.add(id);
    tally.jobListed();
    const previous = known.get(id);
    const locator = locatorOf(snapshot.key);
    if (previous) {
      const need = workNeeded(previous, snapshot, now, policy);
      if (need === 'change')
        this.schedule({ locator, previous, listed: snapshot, ...(position && { position }) });
      else if (need === 'refresh' && turns.take(id)) {
        this.deps.pool.runAside(async () => {
          if (!this.leftOut(true)) await this.process({ locator, previous, listed: snapshot, refresh: true });
        });
      }
      return;
    }
    if (isTerminal(snapshot.status) && !isRecent(snapshot, this.deps.recentSince)) return;
    this.deps.pool.run(() => this.considerUnknown(snapshot, locator, position));
  }

  /**
   * After lists read to the end: known active jobs they did not show are finished (filtered out), vanished,
   * or their scope's list failed. The ones written longest ago go first: a job a cut-short run left out is
   * first in line next time. `listedInFull` tells whether this run listed a job's scope from the start.
   */
  scheduleMissing(listedInFull: (stored: StoredJob) => boolean): void {
    const absent = [...this.deps.known.entries()]
      .filter(([id, previous]) => !this.seen.has(id) && listedInFull(previous))
      .map(([, previous]) => previous)
      .sort((a, b) => Date.parse(a.writtenAt) - Date.parse(b.writtenAt));
    for (const previous of absent) this.schedule({ locator: locatorOf(previous.snapshot.key), previous });
  }

  /**
   * A status pass of `scope` was read to its end: a known job last seen in `rawStatus` that it did not show
   * has left that status. The passes go from the latest status to the earliest (cancel statuses last) and
   * jobs only move forward, so such a job has finished (or is being cancelled, or the list raced its move):
   * it is described now, beside the rest of the listing, instead of after it; a later pass that shows it
   * finds it handled. With `recentPassFollows`, a job submitted since `recentSince` is left to
   * the recently-submitted pass, which shows it whatever its status.
   */
  statusPassEnded(scope: string | undefined, rawStatus: string, recentPassFollows: boolean): void {
    const since = this.deps.recentSince.getTime();
    for (const [id, previous] of this.deps.known) {
      const { key, rawStatus: lastSeen, submittedAt } = previous.snapshot;
      if (this.seen.has(id) || key.scope !== scope || lastSeen !== rawStatus) continue;
      if (recentPassFollows && (submittedAt === undefined || Date.parse(submittedAt) >= since)) continue;
      this.seen.add(id);
      this.schedule({ locator: locatorOf(key), previous });
    }
  }

  /**
   * Work that needs a describe goes to the pool's describe lane and hands its write on to the main lane:
   * describes wait only for the service's quota, writes only for the store.
   */
  private schedule(item: Work): void {
    const { pool } = this.deps;
    if (!needsDescribe(item)) {
      pool.run(async () => {
        if (!this.leftOut(false, item.position)) await this.record(item, item.listed);
      });
      return;
    }
    pool.runDescribe(async () => {
      if (this.leftOut(false, item.position)) return;
      const next = await this.describe(item);
      if (next) pool.run(() => this.record(item, next));
    });
  }

  /** Unknown to the active list: new, or a finished job recorded earlier. One read tells them apart. */
  private async considerUnknown(
    snapshot: JobSnapshot,
    locator: JobLocator,
    position: ListPosition | undefined,
  ): Promise<void> {
    let stored: StoredJob | undefined;
    try {
      stored = await this.deps.store.get(snapshot.key);
    } catch (error) {
      this.deps.tally.fail(error, refOf(snapshot.key), 'store read');
      return;
    }
    if (!stored || compareSnapshots(stored.snapshot, snapshot).kind !== 'unchanged') {
      const backfill = !stored && this.deps.backfill === true;
      const item: Work = {
        locator,
        previous: stored,
        listed: snapshot,
        ...(position && { position }),
        ...(backfill && { backfill }),
      };
      if (needsDescribe(item)) this.schedule(item);
      else if (!this.leftOut(false, position)) await this.process(item);
    }
  }

  /** Past the deadline nothing new starts; a change left out makes the cycle incomplete. */
  private leftOut(refresh: boolean, position?: ListPosition): boolean {
    if (!this.deps.pool.outOfTime()) return false;
    if (!refresh) {
      this.deps.tally.skipped();
      this.deps.resume.noLaterThan(position);
    }
    return true;
  }

  /** Describes the job, then records it (a progress refresh, in its own lane). */
  private async process(item: Work): Promise<void> {
    const next = needsDescribe(item) ? await this.describe(item) : item.listed;
    if (next) await this.record(item, next);
  }

  /** The job as its describe call shows it; undefined (the failure logged with the job) when it failed. */
  private async describe(item: Work): Promise<JobSnapshot | undefined> {
    const key = keyOf(item);
    try {
      this.deps.tally.described(item.refresh === true);
      const next = await this.deps.adapter.describeJob(item.locator);
      // For a job seen for the first time there is no earlier snapshot to catch a wrong answer.
      if (key) assertSameJob(key, next);
      return next;
    } catch (error) {
      this.deps.tally.fail(error, this.refOf(item), 'refresh job');
      return undefined;
    }
  }

  private async record(item: Work, observed: JobSnapshot | undefined): Promise<void> {
    if (!observed) return;
    const backfilled = item.backfill === true && isTerminal(observed.status);
    const next: JobSnapshot = backfilled ? { ...observed, backfilled } : observed;
    try {
      const result = await this.deps.store.record(item.previous, next);
      if (backfilled && result.kind === 'transition') this.backfilled += 1;
      this.deps.tally.recorded(result, next);
    } catch (error) {
      this.deps.tally.fail(error, this.refOf(item), 'refresh job');
    }
  }

  private refOf(item: Work): JobRef {
    const key = keyOf(item);
    return key ? refOf(key) : { service: this.deps.adapter.definition.id, jobId: item.locator.jobId };
  }
}

function keyOf(item: Work): JobKey | undefined {
  return item.previous?.snapshot.key ?? item.listed?.key;
}

/** The list did not show the job, or showed only a summary: only a describe tells what it is now. */
function needsDescribe(item: Work): boolean {
  return !item.listed || item.listed.detail === 'summary';
}

/**
 * What a listed job that is already known needs this cycle: `change` (a describe or a write), `refresh` (a
 * describe for its progress alone, when its turn comes), or nothing.
 */
export function workNeeded(
  previous: StoredJob,
  listed: JobSnapshot,
  now: Date,
  policy: Pick<PollPolicy, 'progressRefreshSeconds'>,
): 'change' | 'refresh' | undefined {
  if (listed.rawStatus !== previous.snapshot.rawStatus) return 'change';
  if (listed.detail === 'full') {
    return compareSnapshots(previous.snapshot, listed).kind !== 'unchanged' ? 'change' : undefined;
  }
  // A summary shows no counters: only a describe can move a running job's progress.
  return refreshDue(previous, now, policy) ? 'refresh' : undefined;
}

function isRecent(snapshot: JobSnapshot, since: Date): boolean {
  const at = snapshot.endedAt ?? snapshot.submittedAt;
  return at === undefined || Date.parse(at) >= since.getTime();
}
