import { formatJobKey } from '../lambdas/core/job-key.js';
import type { BenchService, Phase } from './services.js';

export const BENCH_REGION = 'us-east-1';
export const BENCH_ACCOUNT = '123456789012';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface TrackedJob {
  readonly scope: string | undefined;
  readonly jobId: string;
  phase: Phase;
}

/** What one round of changes did to a service: the truth the pollers are measured against. */
export interface AppliedChanges {
  /** Status changes the services will report, new jobs included (each is one history record). */
  readonly transitions: number;
  readonly started: number;
  readonly finished: number;
  readonly submitted: number;
  /** Formatted keys of every job that changed or is new. */
  readonly changedKeys: ReadonlySet<string>;
}

/** The lower bound of a cycle's calls: list pages it cannot do without, plus one call per changed job. */
export interface LowerBound {
  readonly listPages: number;
  readonly changed: number;
  readonly total: number;
}

/**
 * The jobs of one service as the benchmark plays them: `active` jobs (queued or running) that the poller
 * tracks, changing a share of them each cycle, and finished jobs that pile up for months. Deterministic for
 * a given seed.
 */
export class Workload {
  private readonly active = new Map<string, TrackedJob>();
  private readonly finishedByScope = new Map<string | undefined, number>();
  private sequence = 0;
  private readonly random: () => number;

  constructor(
    readonly service: BenchService,
    seed: number,
  ) {
    this.random = mulberry32(seed);
    for (const scope of service.scopes) this.finishedByScope.set(scope, 0);
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** `count` active jobs, 30 % queued (where the service has a queued state), submitted over the last day. */
  seedActive(count: number, now: Date): TrackedJob[] {
    const seeded: TrackedJob[] = [];
    for (let i = 0; i < count; i += 1) {
      const phase: Phase = this.service.hasQueued && this.random() < 0.3 ? 'queued' : 'running';
      const job = this.newJob(phase, new Date(now.getTime() - this.random() * DAY), i);
      seeded.push(job);
    }
    return seeded;
  }

  /** `count` finished jobs, ended 30 to 180 days ago (10 % failed): the history the lists keep returning. */
  seedFinished(count: number, now: Date): void {
    for (let i = 0; i < count; i += 1) {
      const endedAt = new Date(now.getTime() - (30 + this.random() * 150) * DAY);
      const scope = this.service.scopes[i % this.service.scopes.length];
      this.sequence += 1;
      this.service.addJob({
        scope,
        jobId: this.service.jobId(this.sequence),
        phase: 'done',
        failed: this.random() < 0.1,
        submittedAt: new Date(endedAt.getTime() - HOUR),
        endedAt,
      });
      this.finishedByScope.set(scope, (this.finishedByScope.get(scope) ?? 0) + 1);
    }
  }

  /**
   * One round of changes: `rate` of the active jobs change status; half of them start (queued → running),
   * half finish (running → done, 10 % failed), and as many new jobs are submitted as finished, so the
   * number of active jobs stays put. Services without a queued state (Panorama) only finish and submit.
   */
  applyChanges(rate: number, now: Date): AppliedChanges {
    const changes = Math.round(rate * this.active.size);
    const queued = [...this.active.values()].filter((job) => job.phase === 'queued');
    const running = [...this.active.values()].filter((job) => job.phase === 'running');
    const toStart = this.service.hasQueued ? Math.min(Math.floor(changes / 2), queued.length) : 0;
    const toFinish = Math.min(changes - toStart, running.length);
    const changedKeys = new Set<string>();
    for (const job of this.pick(queued, toStart)) {
      job.phase = 'running';
      this.service.move(job.scope, job.jobId, 'running', now);
      changedKeys.add(this.keyOf(job));
    }
    for (const job of this.pick(running, toFinish)) {
      const failed = this.random() < 0.1;
      job.phase = 'done';
      this.service.move(job.scope, job.jobId, 'done', now, failed);
      this.active.delete(job.jobId);
      this.finishedByScope.set(job.scope, (this.finishedByScope.get(job.scope) ?? 0) + 1);
      changedKeys.add(this.keyOf(job));
    }
    for (let i = 0; i < toFinish; i += 1) {
      const job = this.newJob(this.service.hasQueued ? 'queued' : 'running', now, this.sequence);
      changedKeys.add(this.keyOf(job));
    }
    return {
      transitions: toStart + toFinish * 2,
      started: toStart,
      finished: toFinish,
      submitted: toFinish,
      changedKeys,
    };
  }

  /**
   * The pages no poller can do without: one scope listing, and per scope the pages that show every job it
   * must see (the active ones where the API filters by status, every job where it cannot).
   */
  lowerBound(changed: number): LowerBound {
    const { definition, scopes, scopePageSize } = this.service;
    const scopePages = scopePageSize > 0 ? Math.max(1, Math.ceil(scopes.length / scopePageSize)) : 0;
    let listPages = scopePages;
    for (const scope of scopes) {
      const activeInScope = [...this.active.values()].filter((job) => job.scope === scope).length;
      const mustList = definition.listFilters.status
        ? activeInScope
        : activeInScope + (this.finishedByScope.get(scope) ?? 0);
      listPages += Math.max(1, Math.ceil(mustList / definition.maxPageSize));
    }
    return { listPages, changed, total: listPages + changed };
  }

  /** Pages of a full listing of every job (what a full sweep, or the naive poller, reads). */
  fullListingPages(): number {
    const { definition, scopes, scopePageSize } = this.service;
    let pages = scopePageSize > 0 ? Math.max(1, Math.ceil(scopes.length / scopePageSize)) : 0;
    for (const scope of scopes) {
      const all =
        [...this.active.values()].filter((job) => job.scope === scope).length +
        (this.finishedByScope.get(scope) ?? 0);
      pages += Math.max(1, Math.ceil(all / definition.maxPageSize));
    }
    return pages;
  }

  keyOf(job: { readonly scope: string | undefined; readonly jobId: string }): string {
    return formatJobKey({
      service: this.service.id,
      region: BENCH_REGION,
      accountId: BENCH_ACCOUNT,
      ...(job.scope !== undefined && { scope: job.scope }),
      jobId: job.jobId,
    });
  }

  private newJob(phase: Phase, submittedAt: Date, index: number): TrackedJob {
    this.sequence += 1;
    const scope = this.service.scopes[index % this.service.scopes.length];
    const job: TrackedJob = { scope, jobId: this.service.jobId(this.sequence), phase };
    this.service.addJob({ scope, jobId: job.jobId, phase, submittedAt });
    this.active.set(job.jobId, job);
    return job;
  }

  private pick<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const picked: T[] = [];
    for (let i = 0; i < count && pool.length > 0; i += 1) {
      const index = Math.floor(this.random() * pool.length);
      picked.push(pool[index] as T);
      pool[index] = pool[pool.length - 1] as T;
      pool.pop();
    }
    return picked;
  }
}

/** A small seeded generator, so every run plays the same jobs. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
