import type { Target } from '../../contract/hub.js';
import type { JobStateStore, ListCursor, Log } from '../ports.js';
import type { ServiceId } from '../service-id.js';
import type { ListPlan } from './list-plan.js';
import type { CycleTally } from './tally.js';

/** Where in a resumable listing a job was seen: its scope, its page's token, and the page's rank in the run. */
export type ListPosition = Pick<ListCursor, 'scope' | 'pageToken'> & { readonly rank: number };

/** The earliest place in a resumable listing whose work the deadline left out: where the next run goes on. */
export class ResumePoint {
  private earliest: ListPosition | undefined;

  get position(): ListPosition | undefined {
    return this.earliest;
  }

  /** Work at `position` was left out (or the listing stopped there): resume there, unless earlier. */
  noLaterThan(position: ListPosition | undefined): void {
    if (position && (!this.earliest || position.rank < this.earliest.rank)) this.earliest = position;
  }
}

interface CursorDeps {
  readonly store: Pick<JobStateStore, 'loadListCursor' | 'saveListCursor'>;
  readonly service: ServiceId;
  /** The account and region polled, when the poller has targets: each keeps its own cursor. */
  readonly target?: Target | undefined;
  readonly tally: CycleTally;
}

/** The cursor an earlier run saved; a failed read counts as none (the listing starts from the top). */
export async function loadCursor({
  store,
  service,
  target,
  tally,
}: CursorDeps): Promise<ListCursor | undefined> {
  try {
    return await (target ? store.loadListCursor?.(service, target) : store.loadListCursor?.(service));
  } catch (error) {
    tally.fail(error, { service }, 'load list cursor');
    return undefined;
  }
}

/** The cursor to save: where the next run resumes, or undefined when the listing left nothing out. */
export function nextCursor(plan: ListPlan, resume: ResumePoint, now: () => Date): ListCursor | undefined {
  const at = resume.position;
  if (!plan.resumable || !at) return undefined;
  return {
    scope: at.scope,
    pageToken: at.pageToken,
    fullSweep: plan.fullSweep,
    savedAt: now().toISOString(),
  };
}

/**
 * Saves `next`, where the next run resumes; clears the cursor `loaded` when this run used it up (or found
 * it stale). Nothing is written when there was no cursor and none is due.
 */
export async function saveCursor(
  { store, service, target, tally, log }: CursorDeps & { readonly log: Log },
  loaded: ListCursor | undefined,
  next: ListCursor | undefined,
): Promise<void> {
  if (!next && !loaded) return;
  try {
    if (target) await store.saveListCursor?.(service, next, target);
    else await store.saveListCursor?.(service, next);
    if (next) {
      log.info('the listing resumes in the next run', {
        service,
        ...(next.scope !== undefined && { scope: next.scope }),
        fullSweep: next.fullSweep,
      });
    }
  } catch (error) {
    // Without the cursor the next run lists from the start: slower, nothing lost.
    tally.fail(error, { service }, 'save list cursor');
  }
}
