import { describe, expect, it } from 'vitest';
import { formatJobKey } from '../../../lambdas/core/job-key.js';
import { stallCandidates, sweepStalls } from '../../../lambdas/core/poll/stall-sweep.js';
import { CycleTally } from '../../../lambdas/core/poll/tally.js';
import { WorkPool } from '../../../lambdas/core/poll/work-pool.js';
import type { StoredJob } from '../../../lambdas/core/ports.js';
import { at, byKey, iso, keyOf, NotingStore, recordingLog, snapshot, stored } from './support.js';

const THRESHOLD = 3600;
const NOW = at(10_000);
/** A job last changed `quietSeconds` before NOW. */
const quiet = (id: string, quietSeconds: number, extra: Partial<StoredJob> = {}, scope = 'wf') =>
  stored(snapshot(id, 'RUNNING', { scope }), 10_000 - quietSeconds, extra);

const known = byKey([
  quiet('due', 3600),
  quiet('long-due', 9000),
  quiet('recent', 3599),
  stored(snapshot('queued', 'QUEUED'), 0),
  quiet('reported', 9000, { stalledSince: iso(5000) }),
  quiet('moved', 9000),
  quiet('unlisted', 9000, {}, 'other'),
]);
const sweep = {
  known,
  changed: new Set([formatJobKey(keyOf('moved'))]),
  listedInFull: (job: StoredJob) => job.snapshot.key.scope !== 'other',
  thresholdSeconds: THRESHOLD,
  checkAt: NOW,
};

describe('the stall sweep', () => {
  it('picks the running jobs quiet for the threshold, not the moved, the reported or the unlisted', () => {
    expect(stallCandidates(sweep).map((job) => job.snapshot.key.jobId)).toEqual(['due', 'long-due']);
  });

  it('records each candidate and counts the stalls the store recorded, failures logged', async () => {
    // Prepare: the store already holds one stall; a third candidate's write fails.
    const store = new NotingStore();
    store.stallAlreadyRecorded.add('long-due');
    store.stallFails.add('third');
    const tally = new CycleTally('entityresolution', recordingLog());
    const pool = new WorkPool(
      { concurrency: 2, safetyMarginMs: 0 },
      () => 1000,
      () => {},
    );
    const withThird = new Map([...known, [formatJobKey(keyOf('third')), quiet('third', 4000)]]);

    // Act
    await sweepStalls({ ...sweep, known: withThird, store, tally, pool });

    // Assess
    expect(store.stallsAsked.sort()).toEqual(['due', 'long-due', 'third']);
    expect(tally.report.stalls).toBe(1);
    expect(tally.report.errors).toEqual({ internal: 1 });
  });
});
