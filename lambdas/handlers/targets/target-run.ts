import type { Context } from 'aws-lambda';
import { pollTargets } from '../../core/poll/targets.js';
import { runPollCycle } from '../../core/poll-cycle.js';
import type { Target } from '../../core/target.js';
import { publishCycleMetrics, publishTargetFailures } from '../observability.js';
import type { PollerBase } from '../poll-handler.js';
import { cyclePolicy } from '../poller-parts.js';
import { sharedActiveJobs } from './shared-active-jobs.js';
import type { OwnIdentity, TargetAdapters } from './target-adapters.js';

/** Targets polled at once. Quotas are per target, so they overlap freely; this bounds memory and sockets. */
export const TARGETS_AT_ONCE = 4;

/**
 * One run over `targets`: each polled with its own adapter, limiter, cursor and known jobs, the failures
 * counted, the figures logged and emitted.
 */
export function targetRunner(base: PollerBase, adapters: TargetAdapters) {
  const { wiring, settings, log, metrics } = base;
  return async (targets: readonly Target[], context: Context, startedAt: Date, own: OwnIdentity) => {
    const store = sharedActiveJobs(base.store);
    const remainingMs = () => context.getRemainingTimeInMillis();
    const run = await pollTargets(
      {
        service: wiring.service,
        log,
        remainingMs,
        safetyMarginMs: settings.policy.safetyMarginMs,
        concurrency: TARGETS_AT_ONCE,
        check: (target) => adapters.check(target, own),
        poll: (target) => {
          const { adapter, log: targetLog } = adapters.entry(target, own);
          const deps = { adapter, store, log: targetLog, now: () => new Date(), remainingMs, target };
          // One policy for the whole run: every target sweeps, or none does.
          return runPollCycle(deps, cyclePolicy(settings, adapter, startedAt));
        },
      },
      targets,
    );
    publishCycleMetrics(metrics, {
      service: wiring.service,
      report: run.report,
      counts: base.jobCounts,
      targets: run.targets,
    });
    publishTargetFailures(metrics, run.failures);
    log.info('poll cycle finished', {
      ...run.report,
      targets: targets.length,
      failedTargets: run.failures.length,
    });
    return run;
  };
}
