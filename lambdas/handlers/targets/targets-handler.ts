import type { Context } from 'aws-lambda';
import { locatorFromNativeEvent } from '../../core/native-events.js';
import { pollTargets } from '../../core/poll/targets.js';
import { refreshJob, runPollCycle } from '../../core/poll-cycle.js';
import { publishCycleMetrics, publishTargetFailures } from '../observability.js';
import type { PollEvent, PollerBase, PollResult } from '../poll-handler.js';
import { cyclePolicy, ignoredEvent, isNativeEvent, paced } from '../poller-parts.js';
import { sharedActiveJobs } from './shared-active-jobs.js';
import { type OwnIdentity, ownIdentity, TargetAdapters } from './target-adapters.js';
import { publishDiscoveryProblem, TargetList } from './target-list.js';

/** Targets polled at once. Quotas are per target, so they overlap freely; this bounds memory and sockets. */
export const TARGETS_AT_ONCE = 4;

/**
 * A hub's poller: every run polls each target (account and region) with that target's adapter, limiter,
 * cursor and known jobs; a target that fails is counted and the others go on. A native event refreshes its
 * job in the target its `account` and `region` name, never in another.
 */
export function createTargetsHandler(base: PollerBase) {
  const { wiring, settings, targetSettings, clientSettings, logger, log, metrics } = base;
  const adapters = new TargetAdapters({
    service: wiring.service,
    clientSettings,
    targets: targetSettings,
    log,
    createAdapter: (init) => paced(wiring.createAdapter(init), settings),
  });
  const list = new TargetList({
    service: wiring.service,
    settings: targetSettings,
    clientSettings,
    region: base.region,
    log,
  });
  /** Where the next run starts: the first target the deadline left out, so every target gets its turn. */
  let startAt = 0;

  return async (event: PollEvent, context: Context): Promise<PollResult> => {
    logger.addContext(context);
    const own = ownIdentity(context.invokedFunctionArn, base.region);
    if (isNativeEvent(event, base.nativeEvents)) return refreshFromEvent(base, adapters, list, own, event);

    const startedAt = new Date();
    const { targets, discovery } = await list.current();
    publishDiscoveryProblem(metrics, discovery);
    const ordered = rotate(targets, startAt);
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
      ordered,
    );
    startAt = run.resumeAt === undefined ? 0 : (startAt + run.resumeAt) % ordered.length;
    publishCycleMetrics(metrics, run.report);
    publishTargetFailures(metrics, run.failures);
    log.info('poll cycle finished', {
      ...run.report,
      targets: ordered.length,
      failedTargets: run.failures.length,
      ...(discovery && { discovery: discovery.source }),
    });
    return { mode: 'cycle', ...run.report, targets: run.targets };
  };
}

async function refreshFromEvent(
  base: PollerBase,
  adapters: TargetAdapters,
  list: TargetList,
  own: OwnIdentity,
  event: PollEvent,
): Promise<PollResult> {
  const { log, store } = base;
  const job = locatorFromNativeEvent(base.nativeEvents, event);
  if (!job) return ignoredEvent(log, event);
  const target = await list.watched(job.target);
  if (!target) {
    log.warn('native event from an account and region this hub does not watch; ignored', {
      account: job.target?.accountId,
      region: job.target?.region,
    });
    return { mode: 'ignored', reason: 'native event from an unwatched target' };
  }
  const { adapter, log: targetLog } = adapters.entry(target, own);
  return { mode: 'refresh', ...(await refreshJob({ adapter, store, log: targetLog }, job.locator)) };
}

function rotate<T>(items: readonly T[], start: number): T[] {
  const at = items.length === 0 ? 0 : start % items.length;
  return [...items.slice(at), ...items.slice(0, at)];
}
