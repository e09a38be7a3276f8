import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CycleReport } from '../core/poll-cycle.js';
import type { Log } from '../core/ports.js';

export const METRICS_NAMESPACE = 'JobStatusAggregator';

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
 * The dashboard and the alarms in lib/ are built on exactly these names.
 */
export function publishCycleMetrics(metrics: Metrics, report: CycleReport): void {
  metrics.addMetric('JobsSeen', MetricUnit.Count, report.listed);
  metrics.addMetric('Describes', MetricUnit.Count, report.describes);
  metrics.addMetric('Transitions', MetricUnit.Count, report.transitions);
  metrics.addMetric('ProgressWrites', MetricUnit.Count, report.progressWrites);
  metrics.addMetric('Stalls', MetricUnit.Count, report.stalls);
  metrics.addMetric('CycleDuration', MetricUnit.Milliseconds, report.durationMs);
  metrics.addMetric('CycleIncomplete', MetricUnit.Count, report.incomplete ? 1 : 0);
  metrics.publishStoredMetrics();
  for (const [kind, count] of Object.entries(report.errors)) {
    metrics.singleMetric().addDimension('errorKind', kind).addMetric('ApiErrors', MetricUnit.Count, count);
  }
}
