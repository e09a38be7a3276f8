import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { isJobStatus, TERMINAL_STATUSES } from '../lambdas/contract/events.js';
import {
  CountMetric,
  CycleMetric,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  MetricDimension,
  PublisherMetric,
} from '../lambdas/contract/metrics.js';
import { isServiceId, SERVICE_IDS } from '../lambdas/core/service-id.js';

/**
 * The figures behind the aggregator's `metric…()` methods, in CDK's style: a `cloudwatch.Metric` with the
 * aggregator's defaults (5 minutes, the statistic that suits the figure) that `options` override.
 * The health figures are one series for the whole stack (lambdas/contract/metrics.ts says why); a poller's
 * own are Lambda's (free); the job counts are per service and status, when `jobCountMetrics` is on.
 */

export type AggregatorMetricOptions = cloudwatch.MetricOptions;

const PERIOD = Duration.minutes(5);

/** A stack-wide figure the functions emit, summed per period by default. */
export function stackFigure(metricName: string, options: AggregatorMetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [MetricDimension.SERVICE]: METRICS_SERVICE },
    statistic: cloudwatch.Stats.SUM,
    period: PERIOD,
    ...options,
  });
}

export const StackFigure = {
  TRANSITIONS: CycleMetric.TRANSITIONS,
  API_ERRORS: CycleMetric.API_ERRORS,
  TARGET_FAILURES: CycleMetric.TARGET_FAILURES,
  EVENTS_DELIVERED: PublisherMetric.DELIVERED,
  EVENTS_RETRIED: PublisherMetric.RETRIED,
  EVENTS_DEAD_LETTERED: PublisherMetric.DEAD_LETTERED,
} as const;

/** A poller's own Lambda figures: errors (sum) and duration (p99). */
export function pollerFunctionMetrics(fn: lambda.IFunction) {
  return {
    errors: (options: AggregatorMetricOptions = {}) =>
      fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM, ...options }),
    duration: (options: AggregatorMetricOptions = {}) =>
      fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99), ...options }),
  };
}

/**
 * Jobs of one service in one status: `ActiveJobs` (a gauge, maximum) for a non-terminal status,
 * `FinishedJobs` (a counter, sum) for a terminal one. Emitted only with `jobCountMetrics`.
 */
export function jobCountFigure(
  service: string,
  status: string,
  enabled: readonly string[],
  options: AggregatorMetricOptions = {},
): cloudwatch.Metric {
  checkService(service, enabled);
  if (!isJobStatus(status)) throw new Error(`${JSON.stringify(status)} is not a normalized job status.`);
  const finished = TERMINAL_STATUSES.includes(status);
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: finished ? CountMetric.FINISHED_JOBS : CountMetric.ACTIVE_JOBS,
    dimensionsMap: {
      [MetricDimension.SERVICE]: METRICS_SERVICE,
      [MetricDimension.JOB_SERVICE]: service,
      [MetricDimension.STATUS]: status,
    },
    statistic: finished ? cloudwatch.Stats.SUM : cloudwatch.Stats.MAXIMUM,
    period: PERIOD,
    ...options,
  });
}

/** The publisher's figures: Lambda's for the function, SQS's for the dead-letter queue. */
export function publisherMetrics(publisher: lambda.IFunction, deadLetterQueue: sqs.IQueue) {
  return {
    errors: (options: AggregatorMetricOptions = {}) =>
      publisher.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM, ...options }),
    /** How old the newest stream record was when the publisher got it: how late events are. */
    iteratorAge: (options: AggregatorMetricOptions = {}) =>
      publisher.metric('IteratorAge', { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, ...options }),
    deadLetters: (options: AggregatorMetricOptions = {}) =>
      deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
        ...options,
      }),
  };
}

export function checkService(service: string, enabled: readonly string[]): void {
  if (enabled.includes(service)) return;
  throw new Error(
    isServiceId(service)
      ? `${service} is not among this aggregator's services (${enabled.join(', ')}); it has no poller to measure.`
      : `${JSON.stringify(service)} is not a service. Allowed: ${SERVICE_IDS.join(', ')}.`,
  );
}
