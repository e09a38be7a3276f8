import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { CycleMetric, METRICS_NAMESPACE, MetricDimension } from '../lambdas/contract/metrics.js';
import { isServiceId, SERVICE_IDS } from '../lambdas/core/service-id.js';

/**
 * The figures behind the aggregator's `metric…()` methods, in CDK's style: a `cloudwatch.Metric` with the
 * aggregator's defaults (5 minutes, the statistic that suits the figure) that `options` override.
 * Pollers' figures are the cycle metrics each poller emits (lambdas/contract/metrics.ts, dimension
 * `service`); the publisher's are Lambda's and SQS's own.
 */

export type AggregatorMetricOptions = cloudwatch.MetricOptions;

const PERIOD = Duration.minutes(5);

/** A poller's figure and the statistic it is read with by default. */
export const PollerFigure = {
  JOBS_SEEN: { name: CycleMetric.JOBS_SEEN, statistic: cloudwatch.Stats.MAXIMUM },
  DESCRIBES: { name: CycleMetric.DESCRIBES, statistic: cloudwatch.Stats.SUM },
  TRANSITIONS: { name: CycleMetric.TRANSITIONS, statistic: cloudwatch.Stats.SUM },
  STALLS: { name: CycleMetric.STALLS, statistic: cloudwatch.Stats.SUM },
  CYCLE_DURATION: { name: CycleMetric.CYCLE_DURATION, statistic: cloudwatch.Stats.p(99) },
  CYCLE_INCOMPLETE: { name: CycleMetric.CYCLE_INCOMPLETE, statistic: cloudwatch.Stats.SUM },
} as const;
export type PollerFigure = (typeof PollerFigure)[keyof typeof PollerFigure];

/** One poller figure of one enabled service; a clear error for a service that is not deployed. */
export function pollerMetric(
  figure: PollerFigure,
  service: string,
  enabled: readonly string[],
  options: AggregatorMetricOptions = {},
): cloudwatch.Metric {
  checkService(service, enabled);
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: figure.name,
    dimensionsMap: { [MetricDimension.SERVICE]: service },
    statistic: figure.statistic,
    period: PERIOD,
    ...options,
  });
}

/**
 * A poller's service API errors after SDK retries, every error kind summed: each kind is its own series
 * (dimension `errorKind`), so this is a search expression summed into one line.
 */
export function pollerApiErrors(
  service: string,
  enabled: readonly string[],
  options: AggregatorMetricOptions = {},
): cloudwatch.IMetric {
  checkService(service, enabled);
  const period = options.period ?? PERIOD;
  return new cloudwatch.MathExpression({
    expression: `SUM(SEARCH('{${METRICS_NAMESPACE},${MetricDimension.ERROR_KIND},${MetricDimension.SERVICE}} MetricName="${CycleMetric.API_ERRORS}" ${MetricDimension.SERVICE}="${service}"', 'Sum', ${period.toSeconds()}))`,
    period,
    label: options.label ?? `${service} API errors`,
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

function checkService(service: string, enabled: readonly string[]): void {
  if (enabled.includes(service)) return;
  throw new Error(
    isServiceId(service)
      ? `${service} is not among this aggregator's services (${enabled.join(', ')}); it has no poller to measure.`
      : `${JSON.stringify(service)} is not a service. Allowed: ${SERVICE_IDS.join(', ')}.`,
  );
}
