import type { ListJobsOptions, ServiceAdapter } from '../adapter.js';
import type { Log, StoredJob } from '../ports.js';
import type { JobSnapshot } from '../snapshot.js';
import type { ListPosition, ResumePoint } from './cursor.js';
import type { ListPlan } from './list-plan.js';
import type { CycleTally } from './tally.js';

export interface ListingDeps {
  readonly adapter: ServiceAdapter;
  readonly log: Log;
  readonly tally: CycleTally;
  readonly resume: ResumePoint;
  /** True once nothing new should start (the work pool's deadline). */
  readonly outOfTime: () => boolean;
  /** Each job listed, with where it was seen when the listing is resumable. */
  readonly onJob: (snapshot: JobSnapshot, position: ListPosition | undefined) => void;
  /** A status pass of `scope` was read to its end (see `ListJobsOptions.onStatusPassEnd`). */
  readonly onStatusPassEnd?: (scope: string | undefined, rawStatus: string) => void;
}

/**
 * Reads the pages of every scope as the plan says, handing each job on as soon as its page shows it. Past
 * the deadline the listing stops, but only after a pass's first page, so every run makes progress; where
 * the listing is resumable, the page it stopped in is a place to resume. A scope's failure is logged and
 * the next scope is listed.
 */
export class Listing {
  /** False when the deadline stopped the listing before its end. */
  complete = true;
  /** Scopes this run did not list from their first page: their unseen jobs are not judged missing. */
  private readonly uncovered = new Set<string | undefined>();
  private pagesRead = 0;
  /** The page being read: where to come back to if the deadline stops the listing in it. */
  private page: ListPosition = { scope: undefined, pageToken: undefined, rank: 0 };

  constructor(
    private readonly deps: ListingDeps,
    private readonly plan: ListPlan,
  ) {}

  /** Whether this run listed the job's scope from its first page, so a job it did not show is missing. */
  listedInFull(stored: StoredJob): boolean {
    return !this.uncovered.has(stored.snapshot.key.scope);
  }

  async read(): Promise<void> {
    const { adapter, tally, log } = this.deps;
    const service = adapter.definition.id;
    /** Resuming: scopes before the cursor's were listed by the earlier run; this run skips them. */
    let skippingTo = this.plan.resuming ? { scope: this.plan.resuming.scope } : undefined;
    try {
      for await (const scope of adapter.listScopes()) {
        if (skippingTo) {
          if (scope !== skippingTo.scope) {
            this.uncovered.add(scope);
            continue;
          }
          skippingTo = undefined;
        }
        if (!(await this.readScope(scope))) break;
      }
    } catch (error) {
      tally.fail(error, { service }, 'list scopes');
    }
    if (skippingTo) {
      log.warn('the scope a cut-short listing stopped in is gone; the next run lists from the start', {
        service,
        ...(skippingTo.scope !== undefined && { scope: skippingTo.scope }),
      });
    }
  }

  /** Lists every pass of one scope; false when the deadline stopped the listing in it. */
  private async readScope(scope: string | undefined): Promise<boolean> {
    const { adapter, tally, resume, outOfTime, onJob } = this.deps;
    const { resuming, resumable } = this.plan;
    tally.scopeListed();
    const startToken = resuming && scope === resuming.scope ? resuming.pageToken : undefined;
    if (startToken !== undefined) this.uncovered.add(scope);
    this.page = { scope, pageToken: startToken, rank: this.pagesRead++ };
    try {
      for (const pass of this.plan.passes) {
        let read = 0;
        for await (const item of adapter.listJobs(scope, this.passOptions(pass, scope, startToken))) {
          if (item.ok) onJob(item.snapshot, resumable ? this.page : undefined);
          else tally.failListItem(item.error);
          read += 1;
          if (read >= adapter.definition.maxPageSize && outOfTime()) {
            this.complete = false;
            if (resumable) resume.noLaterThan(this.page);
            return false;
          }
        }
      }
    } catch (error) {
      const service = adapter.definition.id;
      tally.fail(error, { service, ...(scope !== undefined && { scope }) }, 'list jobs');
    }
    return true;
  }

  /**
   * A status pass reports its end; a resumable pass starts at the cursor's page and reports each page's
   * end, to track the position.
   */
  private passOptions(
    pass: ListJobsOptions,
    scope: string | undefined,
    startToken: string | undefined,
  ): ListJobsOptions {
    const { onStatusPassEnd } = this.deps;
    const reported =
      pass.rawStatuses && onStatusPassEnd
        ? { ...pass, onStatusPassEnd: (rawStatus: string) => onStatusPassEnd(scope, rawStatus) }
        : pass;
    if (!this.plan.resumable) return reported;
    return {
      ...reported,
      ...(startToken !== undefined && { startToken }),
      onPageEnd: (next: string | undefined) => {
        this.page = { scope, pageToken: next, rank: this.pagesRead++ };
      },
    };
  }
}
