import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  CountMetric,
  CycleMetric,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  MetricDimension,
  PublisherMetric,
} from '../contract/metrics.js';
import { serviceFacts } from '../contract/services.js';
import type { JobCountSettings } from '../contract/settings.js';
import { errorMessage, failureKindOf } from '../core/errors.js';
import type { TargetOutcome } from '../core/poll/targets.js';
import type { CycleReport } from '../core/poll-cycle.js';
import type { Log } from '../core/ports.js';
import type { ServiceId } from '../core/service-id.js';
import { isTerminal, type JobStatus } from '../core/status.js';

/**
 * The Powertools logger for one function, named by the `POWERTOOLS_SERVICE_NAME` the stack sets for it;
 * `fallback` where it is unset (local mode, tests).
 */
export function createLogger(fallback: string, env: NodeJS.ProcessEnv = process.env): Logger {
  return new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME?.trim() || fallback });
}

/**
 * Keys Powertools reserves for its own fields and would drop (with a warning) from a line's extras, and
 * what they become. A job's service is `jobService` on every line, which the dashboard's queries read.
 */
const RESERVED_KEYS: Readonly<Record<string, string>> = {
  service: 'jobService',
  level: 'levelField',
  message: 'messageField',
  sampling_rate: 'samplingRateField',
  timestamp: 'timestampField',
};

/** The core's structural `Log` on top of Powertools: structured extras become keys of the JSON line. */
export function asLog(logger: Logger): Log {
  const extra = (fields?: Record<string, unknown>) =>
    fields ? [unreserved(fields) as Record<string, never>] : [];
  return {
    debug: (message, fields) => logger.debug(message, ...extra(fields)),
    info: (message, fields) => logger.info(message, ...extra(fields)),
    warn: (message, fields) => logger.warn(message, ...extra(fields)),
    error: (message, fields) => logger.error(message, ...extra(fields)),
  };
}

function unreserved(fields: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(fields).some((key) => Object.hasOwn(RESERVED_KEYS, key))) return fields;
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [RESERVED_KEYS[key] ?? key, value]));
}

/**
 * The metrics of any function: Powertools' `service` dimension is `METRICS_SERVICE` for all of them, so a
 * metric is one billed series for the whole stack (lambdas/contract/metrics.ts).
 */
export function createMetrics(env: NodeJS.ProcessEnv = process.env): Metrics {
  return new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE?.trim() || METRICS_NAMESPACE,
    serviceName: METRICS_SERVICE,
  });
}

/**
 * Runs one invocation with its metrics: Powertools' cold-start metric on the first, and whatever the
 * invocation stored published at its end, whether it returned or threw.
 */
export async function withMetrics<T>(metrics: Metrics, invocation: () => Promise<T>): Promise<T> {
  metrics.captureColdStartMetric();
  try {
    return await invocation();
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}

/** What a run of a poller adds to its metrics: the counts by status too where the settings ask for them. */
export interface CycleMetricsInput {
  readonly service: ServiceId;
  readonly report: CycleReport;
  readonly counts: JobCountSettings;
  /** A hub's run: each target's outcome, for the counts per target. */
  readonly targets?: readonly TargetOutcome[];
}

/**
 * Stores one run's figures (published by `withMetrics` at the end of the invocation) and emits its job
 * counts. Embedded metric format: no API call; CloudWatch reads them from the log.
 */
export function publishCycleMetrics(metrics: Metrics, input: CycleMetricsInput): void {
  const { report, counts } = input;
  metrics.addMetric(CycleMetric.TRANSITIONS, MetricUnit.Count, report.transitions);
  metrics.addMetric(
    CycleMetric.API_ERRORS,
    MetricUnit.Count,
    Object.values(report.errors).reduce((sum, count) => sum + count, 0),
  );
  if (counts.mode === 'off') return;
  emitCounts(metrics, input.service, report, counts, undefined);
  if (!counts.perTarget) return;
  for (const outcome of input.targets ?? []) {
    if (outcome.kind === 'polled') emitCounts(metrics, input.service, outcome.report, counts, outcome.target);
  }
}

function emitCounts(
  metrics: Metrics,
  service: ServiceId,
  report: CycleReport,
  counts: JobCountSettings,
  target: string | undefined,
): void {
  const present = presentStatuses(report);
  const statuses = counts.mode === 'all' ? [...new Set([...statusesOf(service), ...present])] : present;
  for (const status of statuses) {
    const terminal = isTerminal(status);
    const count = (terminal ? report.finishedByStatus : report.activeByStatus)[status] ?? 0;
    if (counts.mode === 'nonzero' && count === 0) continue;
    const single = metrics
      .singleMetric()
      .addDimension(MetricDimension.JOB_SERVICE, service)
      .addDimension(MetricDimension.STATUS, status);
    if (target !== undefined) single.addDimension(MetricDimension.TARGET, target);
    single.addMetric(terminal ? CountMetric.FINISHED_JOBS : CountMetric.ACTIVE_JOBS, MetricUnit.Count, count);
  }
}

/** Every status the service's status map can produce, UNKNOWN aside (it appears only when seen). */
export function statusesOf(service: ServiceId): JobStatus[] {
  return [...new Set(Object.values(serviceFacts(service).definition.statusMap))];
}

function presentStatuses(report: CycleReport): JobStatus[] {
  return [...Object.keys(report.activeByStatus), ...Object.keys(report.finishedByStatus)] as JobStatus[];
}

/**
 * A run that failed as a whole (its store unreachable, a bug): logged with its kind, and counted as one
 * failure in `ApiErrors`, so a poller that fails every run trips the same alarm as one whose calls fail.
 */
export function publishFailedRun(metrics: Metrics, log: Log, error: unknown): void {
  log.error('poll run failed', { errorKind: failureKindOf(error), error: errorMessage(error) });
  metrics.addMetric(CycleMetric.API_ERRORS, MetricUnit.Count, 1);
}

/** How many targets the run could not poll at all; with targets it is emitted every run, zero included. */
export function publishTargetFailures(metrics: Metrics, failures: readonly TargetOutcome[]): void {
  metrics.addMetric(CycleMetric.TARGET_FAILURES, MetricUnit.Count, failures.length);
}

/** What one publisher invocation did with its stream records. */
export interface PublisherFigures {
  readonly delivered: number;
  /** Records handed back to the stream (batch item failures): it invokes again with them. */
  readonly retried: number;
  readonly deadLettered: number;
}

export function publishPublisherMetrics(metrics: Metrics, figures: PublisherFigures): void {
  metrics.addMetric(PublisherMetric.DELIVERED, MetricUnit.Count, figures.delivered);
  metrics.addMetric(PublisherMetric.RETRIED, MetricUnit.Count, figures.retried);
  metrics.addMetric(PublisherMetric.DEAD_LETTERED, MetricUnit.Count, figures.deadLettered);
}
