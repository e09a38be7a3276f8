/**
 * The functions' CloudWatch metrics, as plain data: the handlers emit exactly these names and dimension
 * sets (embedded metric format, lambdas/handlers/observability.ts), the alarms and the dashboard in lib/
 * are built on them, and bench/monitoring-cost.ts counts them the way CloudWatch bills them.
 *
 * CloudWatch bills each unique name × dimension values as one metric ($0.30 a month, prorated by the hour
 * it receives data). So the health metrics carry no per-function or per-service dimension: each is one
 * metric for the whole stack, the Lambda built-in metrics (free) say which function failed, and the log
 * lines say which service and job. Only the job counts, which exist to be read per service, are split.
 */

export const METRICS_NAMESPACE = 'JobStatusAggregator';

/**
 * Powertools' `service` dimension on every metric of every function: one value, so that a metric is one
 * billed series however many functions emit it. (The functions' logs carry their own service names.)
 */
export const METRICS_SERVICE = 'job-status-aggregator';

/** `POWERTOOLS_SERVICE_NAME` of a poller: the `service` key of its log lines. */
export function pollerServiceName(service: string): string {
  return `job-poller-${service}`;
}

/** `POWERTOOLS_SERVICE_NAME` of the publisher. */
export const PUBLISHER_SERVICE_NAME = 'job-status-publisher';

/** What every poll run emits, with the `service` dimension only. */
export const CycleMetric = {
  /** Transitions recorded (all pollers together; the dashboard splits them per service from the logs). */
  TRANSITIONS: 'Transitions',
  /**
   * Failed calls and list items of the run, every kind (the log line says which kind and which job), and
   * one for a run that failed as a whole.
   */
  API_ERRORS: 'ApiErrors',
  /** A hub's targets (account and region) the run could not poll at all; only where targets are set. */
  TARGET_FAILURES: 'TargetFailures',
  /**
   * Cycles whose Organization discovery failed or found no account (they fell back to the last good list,
   * or to the listed accounts alone).
   */
  DISCOVERY_FAILURES: 'DiscoveryFailures',
} as const;
export type CycleMetric = (typeof CycleMetric)[keyof typeof CycleMetric];

/** The live job counts (setting `jobCountMetrics`), with `jobService` and `status` (and `target`). */
export const CountMetric = {
  /** Jobs in each non-terminal status as the run leaves them: a gauge (read its Maximum). */
  ACTIVE_JOBS: 'ActiveJobs',
  /** Jobs that reached each terminal status in the run: a counter (read its Sum over a period). */
  FINISHED_JOBS: 'FinishedJobs',
} as const;
export type CountMetric = (typeof CountMetric)[keyof typeof CountMetric];

/** What every publisher invocation emits, with the `service` dimension only. */
export const PublisherMetric = {
  /** Events EventBridge accepted. */
  DELIVERED: 'EventsDelivered',
  /** Stream records handed back to the stream to be tried again (the batch item failures). */
  RETRIED: 'EventsRetried',
  /** Events that went to the dead-letter queue after their retries. */
  DEAD_LETTERED: 'EventsDeadLettered',
} as const;
export type PublisherMetric = (typeof PublisherMetric)[keyof typeof PublisherMetric];

/** Powertools' cold-start metric, emitted by every function on its first invocation. */
export const COLD_START_METRIC = 'ColdStart';

export const MetricDimension = {
  /** Powertools' own: always `METRICS_SERVICE`. */
  SERVICE: 'service',
  /** The job's service id (`healthlake`, ...), on the job counts. */
  JOB_SERVICE: 'jobService',
  /** A normalized job status, on the job counts. */
  STATUS: 'status',
  /** `accountId:region` of a hub's target, on the job counts with `jobCountsPerTarget`. */
  TARGET: 'target',
} as const;
export type MetricDimension = (typeof MetricDimension)[keyof typeof MetricDimension];

/**
 * Every metric a function can emit: its dimension names, and how many billed series it makes. `stack`:
 * one series; `service-status`: one per enabled service and status its status map can produce;
 * `service-status-target`: that, times the hub's targets. `when` says when it is emitted at all.
 */
export interface MetricSeries {
  readonly metric: CycleMetric | CountMetric | PublisherMetric | typeof COLD_START_METRIC;
  readonly dimensions: readonly MetricDimension[];
  readonly per: 'stack' | 'service-status' | 'service-status-target';
  readonly when: 'always' | 'targets' | 'discovery' | 'job-counts' | 'job-counts-per-target';
}

const STACK = [MetricDimension.SERVICE] as const;
const COUNTS = [MetricDimension.SERVICE, MetricDimension.JOB_SERVICE, MetricDimension.STATUS] as const;
const TARGET_COUNTS = [...COUNTS, MetricDimension.TARGET] as const;

export const METRIC_SERIES: readonly MetricSeries[] = [
  { metric: CycleMetric.TRANSITIONS, dimensions: STACK, per: 'stack', when: 'always' },
  { metric: CycleMetric.API_ERRORS, dimensions: STACK, per: 'stack', when: 'always' },
  { metric: COLD_START_METRIC, dimensions: STACK, per: 'stack', when: 'always' },
  { metric: PublisherMetric.DELIVERED, dimensions: STACK, per: 'stack', when: 'always' },
  { metric: PublisherMetric.RETRIED, dimensions: STACK, per: 'stack', when: 'always' },
  { metric: PublisherMetric.DEAD_LETTERED, dimensions: STACK, per: 'stack', when: 'always' },
  { metric: CycleMetric.TARGET_FAILURES, dimensions: STACK, per: 'stack', when: 'targets' },
  { metric: CycleMetric.DISCOVERY_FAILURES, dimensions: STACK, per: 'stack', when: 'discovery' },
  { metric: CountMetric.ACTIVE_JOBS, dimensions: COUNTS, per: 'service-status', when: 'job-counts' },
  { metric: CountMetric.FINISHED_JOBS, dimensions: COUNTS, per: 'service-status', when: 'job-counts' },
  {
    metric: CountMetric.ACTIVE_JOBS,
    dimensions: TARGET_COUNTS,
    per: 'service-status-target',
    when: 'job-counts-per-target',
  },
  {
    metric: CountMetric.FINISHED_JOBS,
    dimensions: TARGET_COUNTS,
    per: 'service-status-target',
    when: 'job-counts-per-target',
  },
];

/** The kinds of service failure the poller and its logs tell apart (`errorKind` of a log line). */
export const ServiceErrorKind = {
  THROTTLED: 'throttled',
  NOT_FOUND: 'not-found',
  VALIDATION: 'validation',
  ACCESS_DENIED: 'access-denied',
  SERVER: 'server',
  TIMEOUT: 'timeout',
  NETWORK: 'network',
  MALFORMED: 'malformed',
  OTHER: 'other',
} as const;
export type ServiceErrorKind = (typeof ServiceErrorKind)[keyof typeof ServiceErrorKind];
