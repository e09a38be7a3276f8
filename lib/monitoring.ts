import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CycleMetric,
  METRICS_NAMESPACE,
  MetricDimension,
  ServiceErrorKind,
} from '../lambdas/contract/metrics.js';
import { serviceFacts } from '../lambdas/contract/services.js';
import type { ServiceId } from '../lambdas/core/service-id.js';

export interface MonitoredPoller {
  readonly service: ServiceId;
  readonly function: lambda.IFunction;
  readonly logGroup: logs.ILogGroup;
}

export interface AggregatorMonitoringProps {
  readonly pollers: readonly MonitoredPoller[];
  readonly publisher: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  readonly alarmTopic: sns.ITopic;
  /** Whether the pollers watch targets (accounts × regions): then failures per target are alarmed and shown. */
  readonly watchesTargets?: boolean;
  /** Whether the pollers discover their accounts from Organization units: then a failed discovery is alarmed. */
  readonly discoversAccounts?: boolean;
}

/** Publisher lag worth waking someone for: events are this late, for two five-minute periods in a row. */
export const PUBLISHER_LAG_THRESHOLD = Duration.minutes(5);

const PERIOD = Duration.minutes(5);

/**
 * Alarms and the dashboard. Every alarm notifies the alarm topic when it fires and when it recovers;
 * missing data (no invocations) is never a breach.
 */
export class AggregatorMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: AggregatorMonitoringProps) {
    super(scope, id);
    const notify = new actions.SnsAction(props.alarmTopic);
    const alarm = (alarmId: string, alarmProps: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...alarmProps,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      this.alarms.push(created);
      return created;
    };

    for (const { service, function: fn } of props.pollers) {
      const name = serviceFacts(service).displayName;
      const prefix = pascal(service);
      alarm(`${prefix}PollerErrors`, {
        alarmDescription: `The ${name} poller failed (an unhandled error); check its log group.`,
        metric: fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
      // Reserved concurrency 1 throttles a native event that arrives during a cycle (Lambda retries it);
      // throttles in three periods in a row mean cycles keep running into each other.
      alarm(`${prefix}PollerThrottles`, {
        alarmDescription: `The ${name} poller was throttled for 15 minutes: its cycles run longer than its schedule, or native events arrive faster than it refreshes them.`,
        metric: fn.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
      alarm(`${prefix}ApiThrottling`, {
        alarmDescription: `${name} throttled the poller's API calls (after SDK retries) for 15 minutes: consider a longer schedule or a quota increase.`,
        // Unlabelled: a labelled metric would make this a metric-math alarm, harder to read in the console.
        metric: pollerMetric(
          CycleMetric.API_ERRORS,
          service,
          cloudwatch.Stats.SUM,
          {
            [MetricDimension.ERROR_KIND]: ServiceErrorKind.THROTTLED,
          },
          false,
        ),
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
      if (props.watchesTargets) {
        alarm(`${prefix}TargetFailures`, {
          alarmDescription: `The ${name} poller could not poll a target (account and region) in two five-minute periods in a row: a member role it cannot assume, or a region that is not enabled. The dashboard's "Targets that could not be polled" names the target; the log says why.`,
          metric: targetFailures(service),
          threshold: 1,
          evaluationPeriods: 2,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        });
      }
      if (props.discoversAccounts) {
        alarm(`${prefix}DiscoveryFailures`, {
          alarmDescription: `The ${name} poller could not read the Organization units' accounts (or found none) in two five-minute periods in a row; it polls the last good list meanwhile, so accounts that joined since are not polled. The log says why.`,
          metric: pollerMetric(CycleMetric.DISCOVERY_FAILURES, service, cloudwatch.Stats.SUM, {}, false),
          threshold: 1,
          evaluationPeriods: 2,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        });
      }
    }

    alarm('PublisherErrors', {
      alarmDescription:
        'The event publisher failed a batch; the stream retries it, then sends it to the dead-letter queue.',
      metric: props.publisher.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm('PublisherThrottles', {
      alarmDescription:
        'The event publisher was throttled (account concurrency exhausted?); events are delayed.',
      metric: props.publisher.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm('PublisherLag', {
      alarmDescription: `Job events are published more than ${PUBLISHER_LAG_THRESHOLD.toMinutes()} minutes late (stream IteratorAge); records older than the stream's 24 hours are lost to the publisher.`,
      metric: props.publisher.metric('IteratorAge', { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: PUBLISHER_LAG_THRESHOLD.toMilliseconds(),
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm('DeadLetters', {
      alarmDescription:
        'Job events or stream batches are in the dead-letter queue; see docs/deploy.md for how to replay them.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      widgets: dashboardRows(props, this.alarms),
    });
  }
}

/** One of the pollers' own metrics (lambdas/contract/metrics.ts): namespace and `service` dimension. */
export function pollerMetric(
  metricName: CycleMetric,
  service: ServiceId,
  statistic: string,
  extraDimensions: Record<string, string> = {},
  labelled = true,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [MetricDimension.SERVICE]: service, ...extraDimensions },
    statistic,
    period: PERIOD,
    ...(labelled && { label: serviceFacts(service).displayName }),
  });
}

/**
 * A service's target failures summed over its targets, as one series an alarm can watch: a Metrics Insights
 * query, since the targets (the `target` dimension) are not all known at synth.
 */
function targetFailures(service: ServiceId): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SELECT SUM(${CycleMetric.TARGET_FAILURES}) FROM SCHEMA("${METRICS_NAMESPACE}", ${MetricDimension.SERVICE}, ${MetricDimension.TARGET}) WHERE ${MetricDimension.SERVICE} = '${service}'`,
    label: `${serviceFacts(service).displayName} target failures`,
    period: PERIOD,
  });
}

/** One line per service and target that failed (`service`, `target` = accountId:region). */
function targetFailuresByTarget(): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${MetricDimension.SERVICE},${MetricDimension.TARGET}} MetricName="${CycleMetric.TARGET_FAILURES}"', 'Sum', ${PERIOD.toSeconds()})`,
    label: '',
    period: PERIOD,
  });
}

function dashboardRows(props: AggregatorMonitoringProps, alarms: cloudwatch.Alarm[]): cloudwatch.IWidget[][] {
  const services = props.pollers.map((p) => p.service);
  const perService = (metricName: CycleMetric, statistic: string) =>
    services.map((service) => pollerMetric(metricName, service, statistic));
  const logGroupNames = props.pollers.map((p) => p.logGroup.logGroupName);
  const graph = (
    title: string,
    left: cloudwatch.IMetric[],
    extra: Partial<cloudwatch.GraphWidgetProps> = {},
  ) => new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });

  return [
    [
      new cloudwatch.TextWidget({
        markdown: [
          '# Job status aggregator',
          `Watching: ${services.map((s) => serviceFacts(s).displayName).join(', ')}.`,
          'Jobs by status counts the latest status each job reached within the time range; the table',
          '(index `ByStatus`) holds every job. Poller metrics are in namespace',
          `\`${METRICS_NAMESPACE}\`, dimension \`${MetricDimension.SERVICE}\`.`,
        ].join('\n'),
        width: 24,
        height: 3,
      }),
    ],
    [
      new cloudwatch.LogQueryWidget({
        title: 'Jobs by status per service (latest status in the time range)',
        logGroupNames,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        queryLines: [
          'filter message = "job status changed"',
          'stats latest(status) as currentStatus by service, job',
          'stats count(*) as jobs by service, currentStatus',
          'sort service asc, currentStatus asc',
        ],
        width: 12,
        height: 8,
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Transitions over time, by new status',
        logGroupNames,
        view: cloudwatch.LogQueryVisualizationType.STACKEDAREA,
        queryLines: [
          'filter message = "job status changed"',
          'stats count(*) as transitions by bin(1h), status',
        ],
        width: 12,
        height: 8,
      }),
    ],
    [
      graph('Transitions per service', perService(CycleMetric.TRANSITIONS, cloudwatch.Stats.SUM), {
        stacked: true,
      }),
      graph('Jobs seen per cycle', perService(CycleMetric.JOBS_SEEN, cloudwatch.Stats.MAXIMUM)),
    ],
    [
      graph('Cycle duration (p99)', perService(CycleMetric.CYCLE_DURATION, cloudwatch.Stats.p(99)), {
        leftYAxis: { label: 'ms', showUnits: false, min: 0 },
      }),
      graph('Incomplete cycles and stalls', [
        ...perService(CycleMetric.CYCLE_INCOMPLETE, cloudwatch.Stats.SUM),
        ...perService(CycleMetric.STALLS, cloudwatch.Stats.SUM),
      ]),
    ],
    [
      graph('API errors by kind', [
        new cloudwatch.MathExpression({
          expression: `SEARCH('{${METRICS_NAMESPACE},${MetricDimension.ERROR_KIND},${MetricDimension.SERVICE}} MetricName="${CycleMetric.API_ERRORS}"', 'Sum', ${PERIOD.toSeconds()})`,
          label: '',
          period: PERIOD,
        }),
      ]),
      graph('Describe calls per service', perService(CycleMetric.DESCRIBES, cloudwatch.Stats.SUM), {
        stacked: true,
      }),
    ],
    [
      graph(
        'Function errors and throttles',
        [
          ...props.pollers.map((p) => ({ fn: p.function, name: serviceFacts(p.service).displayName })),
          { fn: props.publisher, name: 'Publisher' },
        ].flatMap(({ fn, name }) => [
          fn.metricErrors({ period: PERIOD, label: `${name} errors` }),
          fn.metricThrottles({ period: PERIOD, label: `${name} throttles` }),
        ]),
      ),
      graph(
        'Publisher lag (stream IteratorAge, max)',
        [props.publisher.metric('IteratorAge', { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM })],
        {
          leftAnnotations: [{ value: PUBLISHER_LAG_THRESHOLD.toMilliseconds(), label: 'alarm' }],
          right: [
            props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              statistic: cloudwatch.Stats.MAXIMUM,
              label: 'Dead letters (right)',
            }),
          ],
        },
      ),
    ],
    ...(props.watchesTargets
      ? [
          [
            graph('Targets that could not be polled, per service and target', [targetFailuresByTarget()], {
              width: 24,
            }),
          ],
        ]
      : []),
    [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 4 })],
  ];
}

export function pascal(service: string): string {
  return service.charAt(0).toUpperCase() + service.slice(1);
}
