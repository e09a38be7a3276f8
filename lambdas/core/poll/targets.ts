import { errorMessage, failureKindOf } from '../errors.js';
import type { Log } from '../ports.js';
import { type Target, targetLabel } from '../target.js';
import { type CycleReport, combineReports } from './tally.js';

/** What polling one target came to: its cycle, a failure that kept it from being polled, or no turn. */
export type TargetOutcome =
  | { readonly target: string; readonly kind: 'polled'; readonly report: CycleReport }
  | { readonly target: string; readonly kind: 'failed'; readonly errorKind: string; readonly error: string }
  /** The run's deadline came first: this target goes first in the next run. */
  | { readonly target: string; readonly kind: 'not-reached' };

export interface TargetRunDeps {
  readonly service: string;
  readonly log: Log;
  /** Milliseconds left in this run. */
  readonly remainingMs: () => number;
  /** Below this many milliseconds left no target starts (the cycle's own safety margin). */
  readonly safetyMarginMs: number;
  /** Targets polled at once: each has its own quotas, so they overlap without slowing one another. */
  readonly concurrency: number;
  /** Makes sure the target can be reached (its role assumed); throws when it cannot. */
  readonly check: (target: Target) => Promise<void>;
  /** One poll cycle of the target, with its own adapter, cursor and known jobs. */
  readonly poll: (target: Target) => Promise<CycleReport>;
}

export interface TargetRunReport {
  readonly report: CycleReport;
  readonly targets: readonly TargetOutcome[];
  /** Targets that could not be polled at all (role, region): each one is logged and counted. */
  readonly failures: readonly Extract<TargetOutcome, { kind: 'failed' }>[];
  /** Index (in `ordered`) of the first target this run did not reach, for the next run to start with. */
  readonly resumeAt: number | undefined;
}

/**
 * Polls every target, a few at a time, within the run's deadline. A target whose role cannot be assumed, or
 * whose calls all fail (a region that is not enabled), is logged with the target and reported as failed;
 * the others go on. Targets the deadline leaves out are not failures: the next run starts with them.
 */
export async function pollTargets(deps: TargetRunDeps, ordered: readonly Target[]): Promise<TargetRunReport> {
  const started = Date.now();
  const outcomes: TargetOutcome[] = new Array(ordered.length);
  let next = 0;
  let resumeAt: number | undefined;
  const worker = async () => {
    while (next < ordered.length) {
      const index = next++;
      const target = ordered[index] as Target;
      if (deps.remainingMs() < deps.safetyMarginMs) {
        resumeAt = Math.min(resumeAt ?? index, index);
        outcomes[index] = { target: targetLabel(target), kind: 'not-reached' };
        continue;
      }
      outcomes[index] = await pollOne(deps, target);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency, ordered.length)) }, worker));
  const polled = outcomes.flatMap((outcome) => (outcome.kind === 'polled' ? [outcome.report] : []));
  const failures = outcomes.filter((outcome) => outcome.kind === 'failed');
  const notReached = outcomes.filter((outcome) => outcome.kind === 'not-reached').length;
  if (notReached > 0) {
    deps.log.warn('the deadline came before every target was polled; the next run starts with the rest', {
      notReached,
    });
  }
  const report = combineReports(deps.service, polled, Date.now() - started);
  if (notReached > 0) report.incomplete = true;
  return { report, targets: outcomes, failures, resumeAt };
}

async function pollOne(deps: TargetRunDeps, target: Target): Promise<TargetOutcome> {
  const label = targetLabel(target);
  try {
    await deps.check(target);
  } catch (error) {
    return failed(deps.log, label, error, 'the role of a target could not be assumed; its jobs wait');
  }
  let report: CycleReport;
  try {
    report = await deps.poll(target);
  } catch (error) {
    return failed(deps.log, label, error, 'a target could not be polled');
  }
  if (reachedNothing(report)) {
    const errorKind = Object.keys(report.errors).join(',');
    deps.log.error('every call to a target failed (is the region enabled?); its jobs wait', {
      target: label,
      errorKind,
    });
    return { target: label, kind: 'failed', errorKind, error: 'every list call failed' };
  }
  return { target: label, kind: 'polled', report };
}

/** A cycle that listed nothing and failed somewhere did not reach the target at all. */
function reachedNothing(report: CycleReport): boolean {
  return report.listed === 0 && Object.values(report.errors).some((count) => count > 0);
}

function failed(log: Log, target: string, error: unknown, message: string): TargetOutcome {
  const errorKind = failureKindOf(error);
  log.error(message, { target, errorKind, error: errorMessage(error) });
  return { target, kind: 'failed', errorKind, error: errorMessage(error) };
}
