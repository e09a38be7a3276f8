import type { Target } from '../../contract/hub.js';
import type { JobStateStore, Log } from '../ports.js';
import type { ServiceId } from '../service-id.js';
import type { CycleTally } from './tally.js';

interface BackfillDeps {
  readonly store: Pick<JobStateStore, 'loadBackfillMark' | 'saveBackfillMark'>;
  readonly service: ServiceId;
  readonly target?: Target | undefined;
  readonly tally: CycleTally;
}

/**
 * Whether this run is the first one (of the service, or of the service in `target`): no run has recorded
 * the look-back yet. A store without marks never backfills; a failed read counts as done, so a store
 * problem costs the look-back, never a wide listing on every run.
 */
export async function backfillDue({ store, service, target, tally }: BackfillDeps): Promise<boolean> {
  if (!store.loadBackfillMark || !store.saveBackfillMark) return false;
  try {
    const mark = await (target ? store.loadBackfillMark(service, target) : store.loadBackfillMark(service));
    return mark === undefined;
  } catch (error) {
    tally.fail(error, { service }, 'load backfill mark');
    return false;
  }
}

/** Marks the look-back recorded, once a backfill run listed to the end; until then every run backfills. */
export async function markBackfilled(
  { store, service, target, tally, log }: BackfillDeps & { readonly log: Log },
  at: Date,
  backfilled: number,
): Promise<void> {
  try {
    if (target) await store.saveBackfillMark?.(service, at.toISOString(), target);
    else await store.saveBackfillMark?.(service, at.toISOString());
    log.info('the first run recorded its look-back', { service, backfilled });
  } catch (error) {
    // The next run backfills again: more list calls, nothing recorded twice.
    tally.fail(error, { service }, 'save backfill mark');
  }
}
