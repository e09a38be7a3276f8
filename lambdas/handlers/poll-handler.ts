import type { Context } from 'aws-lambda';
import { type ClientSettings, clientSettingsFromEnv } from '../aws/client-config.js';
import { pollerServiceName } from '../contract/metrics.js';
import { serviceFacts } from '../contract/services.js';
import {
  type JobCountSettings,
  type PollerSettings,
  readJobCountSettings,
  readPollerSettings,
  readTargetSettings,
  type TargetSettings,
  watchesTargets,
} from '../contract/settings.js';
import type { ServiceAdapter } from '../core/adapter.js';
import { type IncomingEvent, locatorFromNativeEvent, type NativeEventSource } from '../core/native-events.js';
import type { TargetOutcome } from '../core/poll/targets.js';
import { type CycleReport, type RefreshOutcome, refreshJob, runPollCycle } from '../core/poll-cycle.js';
import type { JobStateStore, Log } from '../core/ports.js';
import type { ServiceId } from '../core/service-id.js';
import type { AdapterInit } from '../services/service-module.js';
import {
  asLog,
  createLogger,
  createMetrics,
  publishCycleMetrics,
  publishFailedRun,
  withMetrics,
} from './observability.js';
import { cyclePolicy, ignoredEvent, isNativeEvent, paced } from './poller-parts.js';
import { createTargetsHandler } from './targets/targets-handler.js';

/** What a poller needs to be built: the service's adapter and the store. */
export interface PollerWiring {
  readonly service: ServiceId;
  createAdapter(init: AdapterInit): ServiceAdapter;
  createStore(log: Log): JobStateStore;
}

export type PollEvent = { readonly kind?: 'poll' } & IncomingEvent;

export type PollResult =
  | ({ readonly mode: 'cycle' } & CycleReport & { readonly targets?: readonly TargetOutcome[] })
  | ({ readonly mode: 'refresh' } & RefreshOutcome)
  | { readonly mode: 'ignored'; readonly reason: string }
  /** A scheduled run that handed its targets to `batches` asynchronous invocations of itself. */
  | {
      readonly mode: 'fan-out';
      readonly targets: number;
      readonly batches: number;
      readonly dispatched: number;
      /** The targets of batches Lambda did not take, polled by the scheduled run itself. */
      readonly inline?: readonly TargetOutcome[];
    };

/** What both kinds of poller are built from, read once at cold start. */
export interface PollerBase {
  readonly wiring: PollerWiring;
  readonly settings: PollerSettings;
  readonly targetSettings: TargetSettings;
  readonly clientSettings: ClientSettings;
  readonly jobCounts: JobCountSettings;
  readonly logger: ReturnType<typeof createLogger>;
  readonly log: Log;
  readonly metrics: ReturnType<typeof createMetrics>;
  readonly store: JobStateStore;
  /** The function's own region. */
  readonly region: string;
  readonly nativeEvents: NativeEventSource | undefined;
}

/**
 * Builds the Lambda handler of one service's poller. Settings are read once at cold start and fail it
 * loudly when wrong. A scheduled invocation runs a poll cycle; a native AWS event refreshes its one job.
 * Every call the adapter makes is paced at the service's published rates (the quota multiplier scales
 * them), by a limiter that lives as long as the warm function, so back-to-back runs share it. With targets
 * (the `targets` setting) the poller watches those accounts and regions instead (lambdas/handlers/targets/).
 */
export function createPollHandler(wiring: PollerWiring, env: NodeJS.ProcessEnv = process.env) {
  // The logger's `service` is the function's (POWERTOOLS_SERVICE_NAME); a job's service is `jobService`.
  const logger = createLogger(pollerServiceName(wiring.service), env);
  logger.appendPersistentKeys({ jobService: wiring.service });
  const log = asLog(logger);
  const base: PollerBase = {
    wiring,
    settings: readPollerSettings(env),
    targetSettings: readTargetSettings(env),
    clientSettings: clientSettingsFromEnv(env),
    jobCounts: readJobCountSettings(env),
    logger,
    log,
    metrics: createMetrics(env),
    store: wiring.createStore(log),
    region: env.AWS_REGION ?? 'us-east-1',
    nativeEvents: serviceFacts(wiring.service).nativeEvents,
  };
  const handler = watchesTargets(base.targetSettings) ? createTargetsHandler(base) : ownAccountHandler(base);
  // Metrics are published at the end of every invocation, a failed one too (cold start included).
  return (event: PollEvent, context: Context): Promise<PollResult> =>
    withMetrics(base.metrics, async () => {
      try {
        return await handler(event, context);
      } catch (error) {
        publishFailedRun(base.metrics, log, error);
        throw error;
      }
    });
}

/** The function's own account and region, with its own credentials: a poller without targets. */
function ownAccountHandler(base: PollerBase) {
  const { wiring, settings, clientSettings, logger, log, metrics, store, region, nativeEvents } = base;
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

    if (isNativeEvent(event, nativeEvents)) {
      const job = locatorFromNativeEvent(nativeEvents, event);
      if (!job) return ignoredEvent(log, event);
      return { mode: 'refresh', ...(await refreshJob({ adapter, store, log }, job.locator)) };
    }

    const now = new Date();
    const report = await runPollCycle(
      { adapter, store, log, now: () => new Date(), remainingMs: () => context.getRemainingTimeInMillis() },
      cyclePolicy(settings, adapter, now),
    );
    publishCycleMetrics(metrics, { service: wiring.service, report, counts: base.jobCounts });
    log.info('poll cycle finished', { ...report });
    return { mode: 'cycle', ...report };
  };
}
