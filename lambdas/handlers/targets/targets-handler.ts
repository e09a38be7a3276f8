import type { Context } from 'aws-lambda';
import { type InvokeSelf, selfInvoker } from '../../aws/self-invoker.js';
import { locatorFromNativeEvent } from '../../core/native-events.js';
import { isBatchEvent, planFanOut } from '../../core/poll/fan-out.js';
import { refreshJob } from '../../core/poll-cycle.js';
import type { PollEvent, PollerBase, PollResult } from '../poll-handler.js';
import { ignoredEvent, isNativeEvent, paced } from '../poller-parts.js';
import { batchOf, fanOut } from './fan-out.js';
import { type OwnIdentity, ownIdentity, TargetAdapters } from './target-adapters.js';
import { publishDiscoveryProblem, TargetList } from './target-list.js';
import { targetRunner } from './target-run.js';

export { TARGETS_AT_ONCE } from './target-run.js';

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

  let invokeSelf: InvokeSelf | undefined;

  const pollRun = targetRunner(base, adapters);

  return async (event: PollEvent, context: Context): Promise<PollResult> => {
    logger.addContext(context);
    const own = ownIdentity(context.invokedFunctionArn, base.region);
    if (isNativeEvent(event, base.nativeEvents)) return refreshFromEvent(base, adapters, list, own, event);
    if (isBatchEvent(event)) {
      // A batch from this function's scheduled run: its targets only, and never a fan-out of its own.
      const batch = await batchOf(event, list, log);
      const run = await pollRun(batch.targets, context, batch.startedAt, own);
      return { mode: 'cycle', ...run.report, targets: run.targets };
    }

    const startedAt = new Date();
    const { targets, discovery } = await list.current();
    publishDiscoveryProblem(metrics, discovery);
    if (discovery)
      log.info('targets of this cycle', { targets: targets.length, discovery: discovery.source });
    const batches = planFanOut(targets, targetSettings.fanOutTargetsPerRun ?? 0);
    if (batches) {
      invokeSelf ??= selfInvoker({
        service: wiring.service,
        functionName: context.functionName,
        region: base.region,
        settings: clientSettings,
      });
      return fanOut(batches, targets.length, startedAt, invokeSelf, log, (undelivered) =>
        pollRun(undelivered, context, startedAt, own),
      );
    }
    const ordered = rotate(targets, startAt);
    const run = await pollRun(ordered, context, startedAt, own);
    startAt = run.resumeAt === undefined ? 0 : (startAt + run.resumeAt) % ordered.length;
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
