import {
  errorMessage,
  failureKindOf,
  type InvalidIdError,
  type JobRef,
  type MalformedResponseError,
} from '../errors.js';
import { formatJobKey } from '../job-key.js';
import type { Log, RecordResult, StoredJob } from '../ports.js';
import type { JobSnapshot } from '../snapshot.js';
import { isTerminal, type JobStatus } from '../status.js';
import { jobFields, logRegression, logTransition, refOf } from './job-log.js';

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
  /**
   * The run's own view of its jobs, by normalized status: the active jobs it started from (the store's
   * active index), moved by every transition it recorded. Jobs that left for a terminal status are not here.
   */
  readonly activeByStatus: Partial<Record<JobStatus, number>>;
  /** Jobs whose transition to a terminal status this run recorded, by that status. */
  readonly finishedByStatus: Partial<Record<JobStatus, number>>;
}

/**
 * The counts of one cycle and the log lines that go with them: every part reports here what it did, and
 * the cycle returns `report` at the end.
 */
export class CycleTally {
  readonly report: CycleReport;
  /** Jobs whose status or progress moved this cycle: not stalled, whatever their old state said. */
  readonly changed = new Set<string>();
  /** Bad list items already reported: a job can appear in two passes (active, recently submitted). */
  private readonly failedItems = new Set<string>();
  /** The status of every job the run knows to be active, by formatted key. */
  private readonly active = new Map<string, JobStatus>();

  constructor(
    service: string,
    private readonly log: Log,
  ) {
    this.report = emptyReport(service);
  }

  /** Counts a failure by kind and logs it with its job; one failure never stops the cycle. */
  fail(error: unknown, job: JobRef | undefined, step: string): void {
    const kind = failureKindOf(error);
    add(this.report.errors, kind, 1);
    this.log.error(`${step} failed`, { ...jobFields(job), errorKind: kind, error: errorMessage(error) });
  }

  /** A list item the adapter could not read; reported once however many passes show it. */
  failListItem(error: MalformedResponseError | InvalidIdError): void {
    const id = error.job ? `${error.job.scope ?? ''}/${error.job.jobId ?? ''}` : undefined;
    if (id !== undefined && this.failedItems.has(id)) return;
    if (id !== undefined) this.failedItems.add(id);
    this.fail(error, error.job, 'list item');
  }

  /** The active jobs the run starts from: the base of the counts by status. */
  watchActive(jobs: Iterable<StoredJob>): void {
    for (const job of jobs) this.active.set(formatJobKey(job.snapshot.key), job.snapshot.status);
  }

  scopeListed(): void {
    this.report.scopes += 1;
  }

  jobListed(): void {
    this.report.listed += 1;
  }

  described(forProgressOnly: boolean): void {
    this.report.describes += 1;
    if (forProgressOnly) this.report.progressRefreshes += 1;
  }

  /** A change the deadline left out: the cycle is incomplete. */
  skipped(): void {
    this.report.incomplete = true;
    this.report.skipped += 1;
  }

  /** The deadline stopped the listing before its end. */
  listsCutShort(): void {
    this.report.incomplete = true;
  }

  stallRecorded(): void {
    this.report.stalls += 1;
  }

  /** Counts what recording `next` did, and logs what needs a line. */
  recorded(result: RecordResult, next: JobSnapshot): void {
    // Deferred progress counts too: the job moved, even if the write waits for the progress interval.
    if (result.kind === 'transition' || result.kind === 'progress') {
      this.changed.add(formatJobKey(next.key));
    }
    switch (result.kind) {
      case 'transition':
        this.report.transitions += 1;
        this.moved(formatJobKey(next.key), result.record.to.status);
        logTransition(this.log, result.record);
        return;
      case 'progress':
        if (result.written) this.report.progressWrites += 1;
        return;
      case 'unchanged':
        this.report.unchanged += 1;
        return;
      case 'lost-race':
        this.report.lostRaces += 1;
        this.log.info('another poller recorded this change first', jobFields(refOf(next.key)));
        return;
      case 'regression':
        this.report.regressions += 1;
        logRegression(this.log, refOf(next.key), result);
        return;
    }
  }

  /** The report, with the cycle's duration since `startedAt` (epoch milliseconds). */
  finish(startedAt: number): CycleReport {
    this.report.durationMs = Date.now() - startedAt;
    for (const status of this.active.values()) add(this.report.activeByStatus, status, 1);
    return this.report;
  }

  private moved(key: string, status: JobStatus): void {
    if (!isTerminal(status)) {
      this.active.set(key, status);
      return;
    }
    this.active.delete(key);
    add(this.report.finishedByStatus, status, 1);
  }
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
    activeByStatus: {},
    finishedByStatus: {},
  };
}

function add<K extends string>(counts: Partial<Record<K, number>>, key: K, count: number): void {
  counts[key] = (counts[key] ?? 0) + count;
}

/** The sum of several cycles of one service (one per target): counts added, incomplete if any was. */
export function combineReports(
  service: string,
  reports: readonly CycleReport[],
  durationMs: number,
): CycleReport {
  const total = emptyReport(service);
  for (const report of reports) {
    for (const field of SUMMED_FIELDS) total[field] += report[field];
    for (const [kind, count] of Object.entries(report.errors)) add(total.errors, kind, count);
    for (const [status, count] of Object.entries(report.activeByStatus) as [JobStatus, number][]) {
      add(total.activeByStatus, status, count);
    }
    for (const [status, count] of Object.entries(report.finishedByStatus) as [JobStatus, number][]) {
      add(total.finishedByStatus, status, count);
    }
    total.incomplete ||= report.incomplete;
  }
  total.durationMs = durationMs;
  return total;
}

const SUMMED_FIELDS = [
  'scopes',
  'listed',
  'describes',
  'progressRefreshes',
  'transitions',
  'progressWrites',
  'unchanged',
  'lostRaces',
  'regressions',
  'stalls',
  'skipped',
] as const satisfies readonly (keyof CycleReport)[];
