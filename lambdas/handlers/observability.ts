import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CycleMetric, METRICS_NAMESPACE, MetricDimension } from '../contract/metrics.js';
import type { TargetOutcome } from '../core/poll/targets.js';
import type { CycleReport } from '../core/poll-cycle.js';
import type { Log } from '../core/ports.js';

/** The Powertools logger for one function. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/** The core's structural `Log` on top of Powertools: structured extras become keys of the JSON line. */
export function asLog(logger: Logger): Log {
  const extra = (fields?: Record<string, unknown>) => (fields ? [fields as Record<string, never>] : []);
  return {
    debug: (message, fields) => logger.debug(message, ...extra(fields)),
    info: (message, fields) => logger.info(message, ...extra(fields)),
    warn: (message, fields) => logger.warn(message, ...extra(fields)),
    error: (message, fields) => logger.error(message, ...extra(fields)),
  };
}

/**
 * Powertools turns `serviceName` into the `service` dimension of every metric, single metrics included, so
 * it is the service id itself: the dashboard and alarms in lib/ select on `service=<id>`.
 */
export function createMetrics(service: string): Metrics {
  return new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: service,
  });
}

/**
 * Emits one cycle's figures as embedded metric format (no API call; CloudWatch reads them from the log).
 * The dashboard and the alarms in lib/ are built on exactly these names (lambdas/contract/metrics.ts).
 */
export function publishCycleMetrics(metrics: Metrics, report: CycleReport): void {
  metrics.addMetric(CycleMetric.JOBS_SEEN, MetricUnit.Count, report.listed);
  metrics.addMetric(CycleMetric.DESCRIBES, MetricUnit.Count, report.describes);
  metrics.addMetric(CycleMetric.TRANSITIONS, MetricUnit.Count, report.transitions);
  metrics.addMetric(CycleMetric.PROGRESS_WRITES, MetricUnit.Count, report.progressWrites);
  metrics.addMetric(CycleMetric.STALLS, MetricUnit.Count, report.stalls);
  metrics.addMetric(CycleMetric.CYCLE_DURATION, MetricUnit.Milliseconds, report.durationMs);
  metrics.addMetric(CycleMetric.CYCLE_INCOMPLETE, MetricUnit.Count, report.incomplete ? 1 : 0);
  metrics.publishStoredMetrics();
  for (const [kind, count] of Object.entries(report.errors)) {
    metrics
      .singleMetric()
      .addDimension(MetricDimension.ERROR_KIND, kind)
      .addMetric(CycleMetric.API_ERRORS, MetricUnit.Count, count);
  }
}

/** One count per target a run could not poll at all, with the `target` dimension (`accountId:region`). */
export function publishTargetFailures(metrics: Metrics, failures: readonly TargetOutcome[]): void {
  for (const failure of failures) {
    metrics
      .singleMetric()
      .addDimension(MetricDimension.TARGET, failure.target)
      .addMetric(CycleMetric.TARGET_FAILURES, MetricUnit.Count, 1);
  }
}
