import { ACCOUNT_ID, REGION } from '../../contract/settings.js';
import { type Target, targetLabel } from '../target.js';

/**
 * The event a scheduled run sends to each asynchronous invocation of its own function: one batch of the
 * service's targets. Its kind is not the schedule's (`poll`), so a batch run polls its targets and never
 * fans out again.
 */
export const BATCH_EVENT_KIND = 'poll-batch';

export interface BatchEvent {
  readonly kind: typeof BATCH_EVENT_KIND;
  /** `accountId:region` of each target, as the `targets` setting writes them. */
  readonly targets: readonly string[];
}

/**
 * How a scheduled run splits its targets: undefined when one run polls them all (fan-out off, or no more
 * targets than one run takes), else as few batches as hold `targetsPerRun` each, in order, their sizes
 * differing by one at most so that no batch is left with a sliver.
 */
export function planFanOut(targets: readonly Target[], targetsPerRun: number): Target[][] | undefined {
  if (targetsPerRun <= 0 || targets.length <= targetsPerRun) return undefined;
  const count = Math.ceil(targets.length / targetsPerRun);
  const small = Math.floor(targets.length / count);
  const larger = targets.length % count;
  const batches: Target[][] = [];
  let at = 0;
  for (let index = 0; index < count; index += 1) {
    const size = small + (index < larger ? 1 : 0);
    batches.push(targets.slice(at, at + size));
    at += size;
  }
  return batches;
}

export function batchEvent(batch: readonly Target[]): BatchEvent {
  return { kind: BATCH_EVENT_KIND, targets: batch.map(targetLabel) };
}

/** Whether an invocation's event is a batch (whatever its content); the schedule's and native events are not. */
export function isBatchEvent(event: unknown): boolean {
  return (event as { kind?: unknown } | null)?.kind === BATCH_EVENT_KIND;
}

/**
 * The targets of a batch event that this function may poll: well formed and `allowed`; the rest are
 * returned as rejected, for the log. Anything but a list of strings rejects the whole batch.
 */
export function batchTargets(
  event: unknown,
  allowed: (target: Target) => boolean,
): { readonly targets: Target[]; readonly rejected: string[] } {
  const listed = (event as { targets?: unknown }).targets;
  if (!Array.isArray(listed) || !listed.every((item) => typeof item === 'string')) {
    return { targets: [], rejected: [JSON.stringify(listed ?? null).slice(0, 200)] };
  }
  const targets: Target[] = [];
  const rejected: string[] = [];
  for (const label of new Set(listed as string[])) {
    const [accountId = '', region = '', ...rest] = label.split(':');
    const target = { accountId, region };
    const valid = rest.length === 0 && ACCOUNT_ID.test(accountId) && REGION.test(region);
    if (valid && allowed(target)) targets.push(target);
    else rejected.push(label.slice(0, 100));
  }
  return { targets, rejected };
}
