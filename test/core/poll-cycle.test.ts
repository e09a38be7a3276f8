import { describe, expect, it } from 'vitest';
import type { JobLocator, ListedJob, ServiceAdapter } from '../../lambdas/core/adapter.js';
import { formatJobKey, type JobKey } from '../../lambdas/core/job-key.js';
import { type PollPolicy, runPollCycle } from '../../lambdas/core/poll-cycle.js';
import type { JobStateStore, RecordResult, StoredJob } from '../../lambdas/core/ports.js';
import { silentLog } from '../../lambdas/core/ports.js';
import { planRecord } from '../../lambdas/core/recording.js';
import type { ServiceDefinition } from '../../lambdas/core/service-definition.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';
import { isTerminal, JobStatus, normalizeStatus } from '../../lambdas/core/status.js';

/**
 * The cycle's scheduling on an in-memory store and a scripted adapter: work starts while the lists are
 * read, the deadline stops listing after a pass's first page, missing jobs go oldest first, and progress
 * refreshes stay within their limit and take turns.
 */

const T0 = Date.parse('2025-06-01T12:00:00.000Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const definition: ServiceDefinition = {
  id: 'entityresolution',
  displayName: 'Test service',
  describeOperation: 'GetJob',
  listOperation: 'ListJobs',
  scopeKind: 'workflow',
  statusMap: { QUEUED: JobStatus.QUEUED, RUNNING: JobStatus.RUNNING, SUCCEEDED: JobStatus.SUCCEEDED },
  validateScopeId: undefined,
  validateJobId: () => undefined,
  listFilters: { status: false, submittedAfter: false },
  maxPageSize: 2,
  quotas: { describePerSecond: 5, listPerSecond: 5 },
};

const keyOf = (jobId: string): JobKey => ({ service: 'entityresolution', scope: 'wf', jobId });

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

  constructor(readonly jobs: Map<string, ServiceJob>) {}

  async *listScopes(): AsyncIterable<string> {
    yield 'wf';
  }

  async *listJobs(): AsyncIterable<ListedJob> {
    for (const [jobId, job] of this.jobs) {
      this.trace.push(`list:${jobId}`);
      // A page boundary's worth of latency: pooled work gets its turn meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 5));
      yield { ok: true, snapshot: snapshot(jobId, job.rawStatus, { observedAt: iso(100) }) };
    }
  }

  async describeJob(locator: JobLocator): Promise<JobSnapshot> {
    this.trace.push(`describe:${locator.jobId}`);
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
  store: MemoryStore,
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
