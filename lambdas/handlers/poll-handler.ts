import type { Context } from 'aws-lambda';
import { clientSettingsFromEnv } from '../aws/client-config.js';
import { QuotaLimiter, quotaPlan, rateLimited } from '../aws/rate-limit.js';
import { serviceFacts } from '../contract/services.js';
import {
  type PollerSettings,
  PROGRESS_REFRESH_BUDGET_SECONDS,
  readPollerSettings,
} from '../contract/settings.js';
import type { ServiceAdapter } from '../core/adapter.js';
import { type IncomingEvent, locatorFromNativeEvent } from '../core/native-events.js';
import {
  type CycleReport,
  isFullSweepDue,
  type RefreshOutcome,
  refreshJob,
  runPollCycle,
} from '../core/poll-cycle.js';
import type { JobStateStore, Log } from '../core/ports.js';
import type { ServiceId } from '../core/service-id.js';
import type { AdapterInit } from '../services/service-module.js';
import { asLog, createLogger, createMetrics, publishCycleMetrics } from './observability.js';

/** What a poller needs to be built: the service's adapter and the store. */
export interface PollerWiring {
  readonly service: ServiceId;
  createAdapter(init: AdapterInit): ServiceAdapter;
  createStore(log: Log): JobStateStore;
}

export type PollEvent = { readonly kind?: 'poll' } & IncomingEvent;

export type PollResult =
  | ({ readonly mode: 'cycle' } & CycleReport)
  | ({ readonly mode: 'refresh' } & RefreshOutcome)
  | { readonly mode: 'ignored'; readonly reason: string };

/**
 * Builds the Lambda handler of one service's poller. Settings are read once at cold start and fail it
 * loudly when wrong. A scheduled invocation runs a poll cycle; a native AWS event refreshes its one job.
 * Every call the adapter makes is paced at the service's published rates (the quota multiplier scales
 * them), by a limiter that lives as long as the warm function, so back-to-back runs share it.
 */
export function createPollHandler(wiring: PollerWiring, env: NodeJS.ProcessEnv = process.env) {
  const settings: PollerSettings = readPollerSettings(env);
  const clientSettings = clientSettingsFromEnv(env);
  // The service id is the logger's `service` key, so every line (and the dashboard's queries) carries it.
  const logger = createLogger(wiring.service);
  const log = asLog(logger);
  const metrics = createMetrics(wiring.service);
  const store = wiring.createStore(log);
  const region = env.AWS_REGION ?? 'us-east-1';
  const nativeEvents = serviceFacts(wiring.service).nativeEvents;
  let adapter: ServiceAdapter | undefined;

  return async (event: PollEvent, context: Context): Promise<PollResult> => {
    logger.addContext(context);
    // The account is known only from the invocation: arn:aws:lambda:<region>:<account>:function:<name>.
    const accountId = context.invokedFunctionArn.split(':')[4];
    adapter ??= paced(
      wiring.createAdapter({
        settings: clientSettings,
        region,
        ...(accountId && { accountId }),
        log,
      }),
      settings,
    );

    if (event.source !== undefined && event.source === nativeEvents?.source) {
      const locator = locatorFromNativeEvent(nativeEvents, event);
      if (!locator) {
        log.warn('native event without a usable job id; the schedule will cover it', {
          detailType: event['detail-type'],
        });
        return { mode: 'ignored', reason: 'native event without job id' };
      }
      return { mode: 'refresh', ...(await refreshJob({ adapter, store, log }, locator)) };
    }

    const now = new Date();
    const report = await runPollCycle(
      { adapter, store, log, now: () => new Date(), remainingMs: () => context.getRemainingTimeInMillis() },
      {
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
      },
    );
    publishCycleMetrics(metrics, report);
    log.info('poll cycle finished', { ...report });
    return { mode: 'cycle', ...report };
  };
}

/** The adapter behind a limiter at its definition's published rates. */
function paced(adapter: ServiceAdapter, settings: PollerSettings): ServiceAdapter {
  const { definition } = adapter;
  return rateLimited(adapter, new QuotaLimiter(definition, quotaPlan(definition, settings.quotaMultiplier)));
}
