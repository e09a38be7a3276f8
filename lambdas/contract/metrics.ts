/**
 * The pollers' CloudWatch metrics, as plain data: the handlers emit exactly these names (embedded metric
 * format, lambdas/handlers/observability.ts) and the dashboard and alarms in lib/ are built on them.
 */

export const METRICS_NAMESPACE = 'JobStatusAggregator';

/** The metrics every poll cycle emits, each with the `service` dimension. */
export const CycleMetric = {
  JOBS_SEEN: 'JobsSeen',
  DESCRIBES: 'Describes',
  TRANSITIONS: 'Transitions',
  PROGRESS_WRITES: 'ProgressWrites',
  STALLS: 'Stalls',
  CYCLE_DURATION: 'CycleDuration',
  CYCLE_INCOMPLETE: 'CycleIncomplete',
  /** One per error kind, with the `errorKind` dimension too. */
  API_ERRORS: 'ApiErrors',
  /**
   * Targets (account and region) a cycle could not poll at all: a role that cannot be assumed, a region
   * that is not enabled. With the `target` dimension (`accountId:region`) too.
   */
  TARGET_FAILURES: 'TargetFailures',
  /**
   * Cycles whose Organization discovery failed or found no account (they fell back to the last good list,
   * or to the listed accounts alone).
   */
  DISCOVERY_FAILURES: 'DiscoveryFailures',
} as const;
export type CycleMetric = (typeof CycleMetric)[keyof typeof CycleMetric];

export const MetricDimension = {
  /** The service id: Powertools' `serviceName`, so every metric of a poller carries it. */
  SERVICE: 'service',
  ERROR_KIND: 'errorKind',
  /** `accountId:region` of a hub's target. */
  TARGET: 'target',
} as const;

/** The kinds of service failure the poller and its metrics tell apart: the `errorKind` values. */
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
