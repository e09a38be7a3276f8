import { describe, expect, it } from 'vitest';
import { ResumePoint } from '../../../lambdas/core/poll/cursor.js';
import { JobWork, workNeeded } from '../../../lambdas/core/poll/job-work.js';
import { ProgressTurns } from '../../../lambdas/core/poll/progress-turns.js';
import { CycleTally } from '../../../lambdas/core/poll/tally.js';
import { WorkPool } from '../../../lambdas/core/poll/work-pool.js';
import type { StoredJob } from '../../../lambdas/core/ports.js';
import { at, byKey, iso, NotingStore, PagedAdapter, recordingLog, snapshot, stored } from './support.js';

const NOW = at(600);
const policy = { progressRefreshSeconds: 60, progressRefreshLimit: 10 };
const withMetrics = (id: string) => snapshot(id, 'RUNNING', { metrics: { processed: 1 } });

/** A JobWork over known jobs; `outOfTime` is the pool's deadline. */
function setUp(knownJobs: StoredJob[], outOfTime = () => false) {
  const adapter = new PagedAdapter(new Map());
  const store = new NotingStore();
  for (const job of knownJobs) store.put(job);
  const tally = new CycleTally('entityresolution', recordingLog());
  const pool = new WorkPool(
    { concurrency: 2, safetyMarginMs: 1000 },
    () => (outOfTime() ? 0 : 60_000),
    () => {},
  );
  const resume = new ResumePoint();
  const known = byKey(knownJobs);
  const turns = new ProgressTurns(known.values(), NOW, policy);
  const recentSince = at(0);
  const work = new JobWork({
    adapter,
    store,
    tally,
    pool,
    resume,
    turns,
    known,
    now: NOW,
    policy,
    recentSince,
  });
  return { adapter, store, tally, pool, resume, work };
}

const described = (adapter: PagedAdapter) => adapter.describes.map((locator) => locator.jobId);
const recorded = (store: NotingStore) => store.recorded.map((job) => job.key.jobId);

describe('workNeeded', () => {
  const known = stored(withMetrics('a'), 0);

  it('is a change when the status moved, or a full listing shows any change', () => {
    expect(workNeeded(known, snapshot('a', 'SUCCEEDED'), NOW, policy)).toBe('change');
    const more = { ...withMetrics('a'), detail: 'full', metrics: { processed: 2 } } as const;
    expect(workNeeded(known, more, NOW, policy)).toBe('change');
    expect(workNeeded(known, { ...known.snapshot }, NOW, policy)).toBeUndefined();
  });

  it('is a progress refresh for an unmoved summary of a job due one, else nothing', () => {
    expect(workNeeded(known, withMetrics('a'), NOW, policy)).toBe('refresh');
    expect(workNeeded(known, withMetrics('a'), at(59), policy)).toBeUndefined();
  });
});

describe('JobWork', () => {
  it('describes and records a changed known job, once however many passes list it', async () => {
    // Prepare
    const { adapter, store, tally, pool, work } = setUp([stored(snapshot('a', 'QUEUED'), 0)]);

    // Act
    work.consider(snapshot('a', 'RUNNING'), undefined);
    work.consider(snapshot('a', 'RUNNING'), undefined);
    await pool.settle();

    // Assess
    expect(described(adapter)).toEqual(['a']);
    expect(recorded(store)).toEqual(['a']);
    expect(tally.report).toMatchObject({ listed: 1, describes: 1, unchanged: 1 });
  });

  it('reads an unknown job from the store, and records it only when new or changed', async () => {
    // Prepare: `done` finished and was recorded earlier; `old` finished before the recent window.
    const done = stored(snapshot('done', 'SUCCEEDED', { detail: 'full', endedAt: iso(100) }), 100);
    const { adapter, store, pool, work } = setUp([]);
    store.put(done);

    // Act
    work.consider(snapshot('new', 'QUEUED', { detail: 'full' }), undefined);
    work.consider(done.snapshot, undefined);
    work.consider(snapshot('old', 'SUCCEEDED', { endedAt: iso(-10) }), undefined);
    await pool.settle();

    // Assess: a full listing needs no describe.
    expect(recorded(store)).toEqual(['new']);
    expect(described(adapter)).toEqual([]);
  });

  it('refreshes the progress of a known running job when due', async () => {
    const { adapter, tally, pool, work } = setUp([stored(withMetrics('r'), 0)]);
    work.consider(withMetrics('r'), undefined);
    await pool.settle();
    expect(described(adapter)).toEqual(['r']);
    expect(tally.report).toMatchObject({ describes: 1, progressRefreshes: 1 });
  });

  it('past the deadline starts nothing: a change is skipped with its page kept, a refresh dropped', async () => {
    // Prepare: the deadline has passed.
    const { adapter, store, tally, pool, resume, work } = setUp(
      [stored(snapshot('a', 'QUEUED'), 0), stored(withMetrics('r'), 0)],
      () => true,
    );
    const page = { scope: 'wf', pageToken: 't2', rank: 1 };

    // Act
    work.consider(snapshot('a', 'RUNNING'), page);
    work.consider(withMetrics('r'), page);
    work.consider(snapshot('new', 'QUEUED'), { scope: 'wf', pageToken: 't4', rank: 2 });
    await pool.settle();

    // Assess: the refresh left out is not counted.
    expect(described(adapter)).toEqual([]);
    expect(recorded(store)).toEqual([]);
    expect(tally.report).toMatchObject({ incomplete: true, skipped: 2 });
    expect(resume.position).toEqual(page);
  });

  it('schedules the known jobs the lists did not show oldest-written first, only where listed in full', async () => {
    // Prepare
    const jobs = [
      stored(snapshot('x', 'RUNNING'), -10),
      stored(snapshot('y', 'RUNNING'), -30),
      stored(snapshot('seen', 'RUNNING'), -40),
      stored(snapshot('z', 'RUNNING'), -20),
      stored(snapshot('elsewhere', 'RUNNING', { scope: 'other' }), -50),
    ];
    const { adapter, pool, work } = setUp(jobs);
    work.consider(snapshot('seen', 'RUNNING'), undefined);

    // Act
    work.scheduleMissing((job) => job.snapshot.key.scope === 'wf');
    await pool.settle();

    // Assess
    expect(described(adapter)).toEqual(['y', 'z', 'x']);
  });

  it('describes the known jobs a status pass left out as soon as it ends, leaving recent ones to the recent pass', async () => {
    // Prepare: `gone` and `recent` were running; `queued` waits in another status, `other` in another scope.
    const jobs = [
      stored(snapshot('gone', 'RUNNING', { submittedAt: iso(-100) }), -10),
      stored(snapshot('recent', 'RUNNING', { submittedAt: iso(10) }), -10),
      stored(snapshot('shown', 'RUNNING', { submittedAt: iso(-100) }), -10),
      stored(snapshot('queued', 'QUEUED', { submittedAt: iso(-100) }), -10),
      stored(snapshot('other', 'RUNNING', { scope: 'other', submittedAt: iso(-100) }), -10),
    ];
    const { adapter, pool, work } = setUp(jobs);
    work.consider(snapshot('shown', 'RUNNING'), undefined);

    // Act: the RUNNING pass of wf ends while the listing goes on; later the lists end.
    work.statusPassEnded('wf', 'RUNNING', true);
    await pool.settle();
    const early = described(adapter);
    work.scheduleMissing(() => true);
    await pool.settle();

    // Assess: `gone` first, and once; `recent` (the recent pass would show it) and the rest only at the end.
    expect(early).toEqual(['gone']);
    expect(described(adapter)).toEqual(['gone', 'recent', 'queued', 'other']);
  });

  it('handles a job described after its pass once, when a later pass (a cancel status) shows it', async () => {
    const { adapter, pool, store, work } = setUp([
      stored(snapshot('cancelled', 'RUNNING', { submittedAt: iso(-100) }), -10),
    ]);
    work.statusPassEnded('wf', 'RUNNING', true);
    work.consider(snapshot('cancelled', 'CANCELLING'), undefined);
    await pool.settle();
    expect(described(adapter)).toEqual(['cancelled']);
    expect(recorded(store)).toHaveLength(1);
  });

  it('without a recent pass, describes every known job a status pass left out', async () => {
    const { adapter, pool, work } = setUp([
      stored(snapshot('recent', 'RUNNING', { submittedAt: iso(10) }), -10),
    ]);
    work.statusPassEnded('wf', 'RUNNING', false);
    await pool.settle();
    expect(described(adapter)).toEqual(['recent']);
  });
});
