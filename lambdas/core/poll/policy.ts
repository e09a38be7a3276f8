import type { Target } from '../../contract/hub.js';
import type { ServiceAdapter } from '../adapter.js';
import type { JobStateStore, Log } from '../ports.js';

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
  /**
   * The look-back of the first run (per service and target, where the store keeps a backfill mark): every
   * job that ended (or was submitted) within it is recorded, finished ones marked `backfilled`. 0 or
   * absent: none.
   */
  readonly backfillWindowSeconds?: number;
}

export interface PollDeps {
  readonly adapter: ServiceAdapter;
  readonly store: JobStateStore;
  readonly log: Log;
  readonly now: () => Date;
  /** Milliseconds left in this run (Lambda's `getRemainingTimeInMillis`). */
  readonly remainingMs: () => number;
  /**
   * The account and region the adapter watches, when the poller has targets: the known jobs and the list
   * cursor are that target's alone. Absent: the function's own account and region, as one whole.
   */
  readonly target?: Target;
}
