import type { JobStateStore, StoredJob } from '../ports.js';
import { isStallDue } from '../stall.js';
import { refOf } from './job-log.js';
import type { CycleTally } from './tally.js';
import type { WorkPool } from './work-pool.js';

export interface StallSweep {
  readonly store: JobStateStore;
  readonly tally: CycleTally;
  readonly pool: Pick<WorkPool, 'each'>;
  /** The service's active jobs as the store held them when the cycle began, by formatted key. */
  readonly known: ReadonlyMap<string, StoredJob>;
  /** Jobs whose status or progress moved this cycle (formatted keys): not stalled. */
  readonly changed: ReadonlySet<string>;
  /** Whether this run listed the job's scope from its first page; the others' jobs are not judged. */
  readonly listedInFull: (stored: StoredJob) => boolean;
  readonly thresholdSeconds: number;
  readonly checkAt: Date;
}

/** The known jobs the stall rule says are due, leaving out the ones this cycle saw move or did not judge. */
export function stallCandidates(sweep: Omit<StallSweep, 'store' | 'tally' | 'pool'>): StoredJob[] {
  const { known, changed, listedInFull, thresholdSeconds, checkAt } = sweep;
  return [...known.entries()]
    .filter(
      ([id, stored]) =>
        !changed.has(id) && listedInFull(stored) && isStallDue(stored, checkAt, thresholdSeconds),
    )
    .map(([, stored]) => stored);
}

/**
 * Records a stall for every candidate, through the work pool; the store records each once. Only a whole
 * cycle is swept: a job whose change was left for the next run is not stalled.
 */
export async function sweepStalls(sweep: StallSweep): Promise<void> {
  const { store, tally, pool, checkAt } = sweep;
  await pool.each(stallCandidates(sweep), async (stored) => {
    try {
      if (await store.recordStall(stored, checkAt)) tally.stallRecorded();
    } catch (error) {
      tally.fail(error, refOf(stored.snapshot.key), 'record stall');
    }
  });
}
