import { QuotaLimiter, quotaPlan, rateLimited } from '../aws/rate-limit.js';
import type { PollerSettings } from '../contract/settings.js';
import { PROGRESS_REFRESH_BUDGET_SECONDS } from '../contract/settings.js';
import type { ServiceAdapter } from '../core/adapter.js';
import type { NativeEventSource } from '../core/native-events.js';
import { isFullSweepDue, type PollPolicy } from '../core/poll-cycle.js';
import type { Log } from '../core/ports.js';
import type { PollEvent, PollResult } from './poll-handler.js';

/** The parts both kinds of poller (own account, targets) share. */

/** The cycle's policy at `now`: the settings, the sweep due, and the progress budget at the paced rate. */
export function cyclePolicy(settings: PollerSettings, adapter: ServiceAdapter, now: Date): PollPolicy {
  return {
    ...settings.policy,
    fullSweep: isFullSweepDue(now, settings.scheduleSeconds, settings.fullSweepSeconds),
    stallAfterSeconds: settings.stallAfterSeconds,
    progressRefreshLimit:
      settings.progressRefreshLimit ??
      Math.ceil(
        adapter.definition.quotas.describePerSecond *
          settings.quotaMultiplier *
          PROGRESS_REFRESH_BUDGET_SECONDS,
      ),
  };
}

export function isNativeEvent(event: PollEvent, nativeEvents: NativeEventSource | undefined): boolean {
  return event.source !== undefined && event.source === nativeEvents?.source;
}

export function ignoredEvent(log: Log, event: PollEvent): PollResult {
  log.warn('native event without a usable job id; the schedule will cover it', {
    detailType: event['detail-type'],
  });
  return { mode: 'ignored', reason: 'native event without job id' };
}

/** The adapter behind a limiter at its definition's published rates. */
export function paced(adapter: ServiceAdapter, settings: PollerSettings): ServiceAdapter {
  const { definition } = adapter;
  return rateLimited(adapter, new QuotaLimiter(definition, quotaPlan(definition, settings.quotaMultiplier)));
}
