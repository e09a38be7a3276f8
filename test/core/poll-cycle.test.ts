import { describe, expect, it } from 'vitest';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../lambdas/core/adapter.js';
import { formatJobKey, type JobKey } from '../../lambdas/core/job-key.js';
import { type PollPolicy, runPollCycle } from '../../lambdas/core/poll-cycle.js';
import type { JobStateStore, ListCursor, RecordResult, StoredJob } from '../../lambdas/core/ports.js';
import { silentLog } from '../../lambdas/core/ports.js';
import { planRecord } from '../../lambdas/core/recording.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';
import { isTerminal, normalizeStatus } from '../../lambdas/core/status.js';
import { definition, iso, keyOf, T0 } from './poll/support.js';

/**
 * The cycle's scheduling on an in-memory store and a scripted adapter: work starts while the lists are
 * read, the deadline stops listing after a pass's first page, missing jobs go oldest first, and progress
 * refreshes stay within their limit and take turns.
 */

function snapshot(jobId: string, rawStatus: string, extra: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    key: keyOf(jobId),
    status: normalizeStatus(definition.statusMap, rawStatus),
    rawStatus,
    observedAt: iso(0),
    detail: 'summary',
    ...extra,
  };
}

/** A job as the service has it, and what its describe adds. */
interface ServiceJob {
  rawStatus: string;
  metrics?: Record<string, number>;
}

class ScriptedAdapter implements ServiceAdapter {
  readonly definition = definition;
  /** `list:<id>` and `describe:<id>`, in the order they happened. */
  readonly trace: string[] = [];
  /** The options of every list pass. */
  readonly listCalls: ListJobsOptions[] = [];
  /** How long a describe takes. */
  describeDelayMs = 0;

  constructor(readonly jobs: Map<string, ServiceJob>) {}

  async *listScopes(): AsyncIterable<string> {
    yield 'wf';
  }

  /** Pages of `maxPageSize` jobs; page tokens `t<offset>`, as an API's opaque tokens would be. */
  async *listJobs(_scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    this.listCalls.push(options);
    const entries = [...this.jobs];
    let offset = options.startToken ? Number(options.startToken.slice(1)) : 0;
    while (offset < entries.length) {
      const page = entries.slice(offset, offset + definition.maxPageSize);
      for (const [jobId, job] of page) {
        this.trace.push(`list:${jobId}`);
        // A page boundary's worth of latency: pooled work gets its turn meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield { ok: true, snapshot: snapshot(jobId, job.rawStatus, { observedAt: iso(100) }) };
      }
      offset += page.length;
      options.onPageEnd?.(offset < entries.length ? `t${offset}` : undefined);
    }
  }

  async describeJob(locator: JobLocator): Promise<JobSnapshot> {
    this.trace.push(`describe:${locator.jobId}`);
    if (this.describeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.describeDelayMs));
    const job = this.jobs.get(locator.jobId);
    if (!job) throw new Error(`no job ${locator.jobId}`);
    return snapshot(locator.jobId, job.rawStatus, {
      detail: 'full',
      observedAt: iso(100),
      ...(job.metrics && { metrics: job.metrics }),
    });
  }

  described(): string[] {
    return this.trace.filter((step) => step.startsWith('describe:')).map((step) => step.slice(9));
  }
}

class MemoryStore implements JobStateStore {
  readonly jobs = new Map<string, StoredJob>();
  stallChecks = 0;

  put(snap: JobSnapshot, writtenAtSeconds: number): void {
    this.jobs.set(formatJobKey(snap.key), {
      snapshot: { ...snap, detail: 'full' },
      version: 1,
      lastChangeAt: iso(writtenAtSeconds),
      writtenAt: iso(writtenAtSeconds),
    });
  }

  async get(key: JobKey): Promise<StoredJob | undefined> {
    return this.jobs.get(formatJobKey(key));
  }

  async *listActive(): AsyncIterable<StoredJob> {
    for (const job of this.jobs.values()) if (!isTerminal(job.snapshot.status)) yield job;
  }

  async record(previous: StoredJob | undefined, next: JobSnapshot): Promise<RecordResult> {
    const plan = planRecord(
      previous,
      next,
      { progressIntervalSeconds: 0, keepProgressHistory: false },
      new Date(T0),
    );
    if (plan.write) this.jobs.set(formatJobKey(next.key), plan.write.current);
    return plan.result;
  }

  async recordStall(): Promise<undefined> {
    this.stallChecks += 1;
    return undefined;
  }
}

/** A store that keeps a list cursor, as the DynamoDB store does. */
class CursorStore extends MemoryStore {
  cursor: ListCursor | undefined;
  cursorWrites = 0;

  async loadListCursor(): Promise<ListCursor | undefined> {
    return this.cursor;
  }

  async saveListCursor(_service: string, cursor: ListCursor | undefined): Promise<void> {
    this.cursorWrites += 1;
    this.cursor = cursor;
  }
}

const policy: PollPolicy = {
  recentWindowSeconds: 3600,
  sweepWindowSeconds: 6 * 3600 + 300,
  progressRefreshSeconds: 60,
  progressRefreshLimit: 100,
  stallAfterSeconds: undefined,
  fullSweep: false,
  concurrency: 1,
  safetyMarginMs: 1000,
};

function run(
  adapter: ScriptedAdapter,
  store: JobStateStore,
  overrides: Partial<PollPolicy> = {},
  options: { nowSeconds?: number; remainingMs?: () => number } = {},
) {
  return runPollCycle(
    {
      adapter,
      store,
      log: silentLog,
      now: () => new Date(T0 + (options.nowSeconds ?? 100) * 1000),
      remainingMs: options.remainingMs ?? (() => 300_000),
    },
    { ...policy, ...overrides },
  );
}

describe('runPollCycle scheduling', () => {
  it('starts describing a changed job while the lists are still being read', async () => {
    // Prepare: the first listed job changed status; two more follow in the list.
    const adapter = new ScriptedAdapter(
      new Map([
        ['a', { rawStatus: 'RUNNING' }],
        ['b', { rawStatus: 'QUEUED' }],
        ['c', { rawStatus: 'QUEUED' }],
      ]),
    );
    const store = new MemoryStore();
    store.put(snapshot('a', 'QUEUED'), 0);
    store.put(snapshot('b', 'QUEUED'), 0);
    store.put(snapshot('c', 'QUEUED'), 0);

    // Act
    const report = await run(adapter, store);

    // Assess
    expect(report).toMatchObject({ transitions: 1, describes: 1, incomplete: false });
    expect(adapter.trace.indexOf('describe:a')).toBeLessThan(adapter.trace.indexOf('list:c'));
  });

  it('stops listing at the deadline after the first page, and judges no missing job or stall', async () => {
    // Prepare: five jobs, pages of two; a known running job that the cut-short lists never reach.
    const adapter = new ScriptedAdapter(
      new Map([
        ['a', { rawStatus: 'QUEUED' }],
        ['b', { rawStatus: 'QUEUED' }],
        ['c', { rawStatus: 'QUEUED' }],
        ['d', { rawStatus: 'QUEUED' }],
        ['e', { rawStatus: 'QUEUED' }],
      ]),
    );
    const store = new MemoryStore();
    store.put(snapshot('gone', 'RUNNING'), 0);

    // Act: time runs out as soon as the first item is listed.
    const listed = () => adapter.trace.filter((step) => step.startsWith('list:')).length;
    const report = await run(
      adapter,
      store,
      { stallAfterSeconds: 1 },
      { remainingMs: () => (listed() > 0 ? 0 : 300_000) },
    );

    // Assess: the first page (a, b) was read, its work skipped; nothing else was listed or described.
    expect(adapter.trace.filter((step) => step.startsWith('list:'))).toEqual(['list:a', 'list:b']);
    expect(adapter.described()).toEqual([]);
    expect(report).toMatchObject({ incomplete: true, skipped: 2, transitions: 0 });
    expect(store.stallChecks).toBe(0);
  });

  it('describes known jobs missing from the lists oldest-written first', async () => {
    // Prepare: three known jobs finished (the lists no longer show them), written at different times.
    const adapter = new ScriptedAdapter(
      new Map([
        ['new', { rawStatus: 'QUEUED' }],
        ['x', { rawStatus: 'SUCCEEDED' }],
        ['y', { rawStatus: 'SUCCEEDED' }],
        ['z', { rawStatus: 'SUCCEEDED' }],
      ]),
    );
    const visible = new Map([['new', { rawStatus: 'QUEUED' }]]);
    const listing = new ScriptedAdapter(visible);
    listing.describeJob = (locator) => adapter.describeJob(locator);
    const store = new MemoryStore();
    store.put(snapshot('x', 'RUNNING'), -10);
    store.put(snapshot('y', 'RUNNING'), -30);
    store.put(snapshot('z', 'RUNNING'), -20);

    // Act
    const report = await run(listing, store);

    // Assess
    expect(adapter.described().filter((id) => id !== 'new')).toEqual(['y', 'z', 'x']);
    expect(report).toMatchObject({ transitions: 4, incomplete: false });
  });

  it('refreshes only running jobs whose describe showed progress, within the limit, taking turns', async () => {
    // Prepare: six running jobs with metrics, one running without any, one queued.
    const running = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    const jobs = new Map<string, ServiceJob>([
      ...running.map((id): [string, ServiceJob] => [id, { rawStatus: 'RUNNING', metrics: { processed: 5 } }]),
      ['bare', { rawStatus: 'RUNNING' }],
      ['waiting', { rawStatus: 'QUEUED', metrics: { processed: 0 } }],
    ]);
    const store = new MemoryStore();
    for (const id of running) store.put(snapshot(id, 'RUNNING', { metrics: { processed: 5 } }), 0);
    store.put(snapshot('bare', 'RUNNING'), 0);
    store.put(snapshot('waiting', 'QUEUED', { metrics: { processed: 0 } }), 0);

    // Act: three cycles, one refresh interval apart, two refreshes allowed each.
    const turns: string[][] = [];
    for (const nowSeconds of [600, 660, 720]) {
      const adapter = new ScriptedAdapter(jobs);
      const report = await run(adapter, store, { progressRefreshLimit: 2 }, { nowSeconds });
      expect(report.progressRefreshes).toBe(adapter.described().length);
      expect(report.incomplete).toBe(false);
      turns.push(adapter.described());
    }

    // Assess
    for (const turn of turns) {
      expect(turn.length).toBeLessThanOrEqual(2);
      expect(turn).not.toContain('bare');
      expect(turn).not.toContain('waiting');
    }
    const all = turns.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(2);
  });

  it('leaves progress refreshes out at the deadline without calling the cycle incomplete', async () => {
    // Prepare
    const adapter = new ScriptedAdapter(
      new Map([['r1', { rawStatus: 'RUNNING', metrics: { processed: 5 } }]]),
    );
    const store = new MemoryStore();
    store.put(snapshot('r1', 'RUNNING', { metrics: { processed: 5 } }), 0);

    // Act
    const report = await run(adapter, store, {}, { nowSeconds: 600, remainingMs: () => 0 });

    // Assess
    expect(adapter.described()).toEqual([]);
    expect(report).toMatchObject({ incomplete: false, skipped: 0, progressRefreshes: 0 });
  });
});

describe('runPollCycle resuming a cut-short listing', () => {
  const sixJobs = () =>
    new Map<string, ServiceJob>(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => [id, { rawStatus: 'QUEUED' }]));
  const listedIds = (adapter: ScriptedAdapter) =>
    adapter.trace.filter((step) => step.startsWith('list:')).map((step) => step.slice(5));

  it('saves the page the deadline stopped in, and the next run lists on from there', async () => {
    // Prepare: six known queued jobs on three pages of two; c (page 2) and e (page 3) have started.
    const jobs = sixJobs();
    const store = new CursorStore();
    for (const id of jobs.keys()) store.put(snapshot(id, 'QUEUED'), 0);
    store.put(snapshot('vanished', 'QUEUED'), 0);
    jobs.set('c', { rawStatus: 'RUNNING' });
    jobs.set('e', { rawStatus: 'RUNNING' });

    // Act 1: time runs out once c is listed.
    const first = new ScriptedAdapter(jobs);
    const report1 = await run(
      first,
      store,
      {},
      { remainingMs: () => (listedIds(first).includes('c') ? 0 : 300_000) },
    );

    // Assess 1: page 2 was cut short; the cursor points at it.
    expect(listedIds(first)).toEqual(['a', 'b', 'c']);
    expect(report1.incomplete).toBe(true);
    expect(store.cursor).toMatchObject({ scope: 'wf', pageToken: 't2', fullSweep: false });

    // Act 2: a run with time enough.
    const second = new ScriptedAdapter(jobs);
    const report2 = await run(second, store);

    // Assess 2: it resumed at page 2 and saw both changes there and after; the jobs of page 1, unseen this
    // run, are not judged missing (no describe of a, b or the vanished job); the cursor is cleared.
    expect(second.listCalls[0]?.startToken).toBe('t2');
    expect(listedIds(second)).toEqual(['c', 'd', 'e', 'f']);
    expect(second.described().sort()).toEqual(['c', 'e']);
    expect(report2).toMatchObject({ transitions: 2, incomplete: false });
    expect(store.cursor).toBeUndefined();
    expect(store.cursorWrites).toBe(2);

    // Act 3: the next run starts at the first page again and, listing everything, looks for the vanished job.
    const third = new ScriptedAdapter(jobs);
    await run(third, store);
    expect(third.listCalls[0]?.startToken).toBeUndefined();
    expect(third.described()).toEqual(['vanished']);
    expect(store.cursorWrites).toBe(2);
  });

  it('resumes at the page of the first job whose work the deadline left out', async () => {
    // Prepare: a and b (page 1) changed; one describe at a time, a slow one, so b waits while listing goes on.
    const jobs = sixJobs();
    const store = new CursorStore();
    for (const id of jobs.keys()) store.put(snapshot(id, 'QUEUED'), 0);
    jobs.set('a', { rawStatus: 'RUNNING' });
    jobs.set('b', { rawStatus: 'RUNNING' });
    const adapter = new ScriptedAdapter(jobs);
    adapter.describeDelayMs = 60;

    // Act: the deadline comes once d (page 2) is listed, while a is still being described.
    const report = await run(
      adapter,
      store,
      {},
      { remainingMs: () => (listedIds(adapter).includes('d') ? 0 : 300_000) },
    );

    // Assess: b's work was left out, so the cursor points at page 1, not at page 2 where listing stopped.
    expect(listedIds(adapter)).toEqual(['a', 'b', 'c', 'd']);
    expect(adapter.described()).toEqual(['a']);
    expect(report).toMatchObject({ transitions: 1, skipped: 1, incomplete: true });
    expect(store.cursor).toMatchObject({ scope: 'wf', pageToken: undefined });

    // Act 2: the next run lists page 1 again and records b.
    const next = new ScriptedAdapter(jobs);
    const report2 = await run(next, store);
    expect(next.described()).toEqual(['b']);
    expect(report2.transitions).toBe(1);
  });

  it('starts afresh from a cursor older than the recent window, and clears it', async () => {
    // Prepare
    const store = new CursorStore();
    store.cursor = { scope: 'wf', pageToken: 't4', fullSweep: false, savedAt: iso(100 - 7200) };
    const adapter = new ScriptedAdapter(sixJobs());

    // Act
    await run(adapter, store);

    // Assess
    expect(adapter.listCalls[0]?.startToken).toBeUndefined();
    expect(listedIds(adapter)).toHaveLength(6);
    expect(store.cursor).toBeUndefined();
  });

  it('never resumes with a store that keeps no cursor', async () => {
    // Prepare / Act: the deadline cuts the listing short twice in a row.
    const jobs = sixJobs();
    const store = new MemoryStore();
    const runs = [new ScriptedAdapter(jobs), new ScriptedAdapter(jobs)];
    for (const adapter of runs) {
      await run(adapter, store, {}, { remainingMs: () => (listedIds(adapter).includes('c') ? 0 : 300_000) });
    }

    // Assess: both runs started at the first page.
    expect(runs.map((adapter) => adapter.listCalls[0]?.startToken)).toEqual([undefined, undefined]);
    expect(runs.map(listedIds)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
  });
});
