import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { JobStatus } from '../lambdas/contract/events.js';
import {
  COLD_START_METRIC,
  CountMetric,
  CycleMetric,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  MetricDimension,
  PublisherMetric,
} from '../lambdas/contract/metrics.js';
import { serviceFacts } from '../lambdas/contract/services.js';
import type { JobCountSettings } from '../lambdas/contract/settings.js';
import type { ServiceId } from '../lambdas/core/service-id.js';
import { jobCountFigure, publisherMetrics, stackFigure } from './construct-metrics.js';

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
  /** Whether the pollers watch targets (accounts × regions): then failed targets are alarmed and shown. */
  readonly watchesTargets?: boolean;
  /** Create the dashboard ($3.00 a month beyond the account's 3 free ones). Default false. */
  readonly dashboard?: boolean;
  /** The job counts the pollers emit (lambdas/contract/settings.ts); the dashboard shows them. Default off. */
  readonly jobCounts?: JobCountSettings;
  /** Alarm per service when at least `threshold` jobs fail within `minutes`; needs the job counts. */
  readonly failedJobsAlarm?: { readonly threshold: number; readonly minutes: number } | undefined;
  /** Whether the pollers discover their accounts from Organization units: then a failed discovery is alarmed. */
  readonly discoversAccounts?: boolean;
}

/** Publisher lag worth waking someone for: events are this late, for two five-minute periods in a row. */
export const PUBLISHER_LAG_THRESHOLD = Duration.minutes(5);

const PERIOD = Duration.minutes(5);

/**
 * The alarms that matter, and an optional dashboard. What each costs is counted by bench/monitoring-cost.ts
 * from the synthesized template (docs/monitoring.md). Every alarm notifies the alarm topic when it fires
 * and when it recovers; missing data (no invocations) is never a breach.
 */
export class AggregatorMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard | undefined;
  private readonly notify: actions.SnsAction;

  constructor(scope: Construct, id: string, props: AggregatorMonitoringProps) {
    super(scope, id);
    this.notify = new actions.SnsAction(props.alarmTopic);
    this.pollerAlarms(props);
    this.publisherAlarms(props);
    if (props.failedJobsAlarm) this.failedJobsAlarms(props, props.failedJobsAlarm);
    this.dashboard = props.dashboard
      ? new cloudwatch.Dashboard(this, 'Dashboard', {
          defaultInterval: Duration.days(1),
          widgets: dashboardRows(props, this.alarms),
        })
      : undefined;
  }

  private alarm(alarmId: string, alarmProps: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const created = new cloudwatch.Alarm(this, alarmId, {
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      ...alarmProps,
    });
    created.addAlarmAction(this.notify);
    created.addOkAction(this.notify);
    this.alarms.push(created);
    return created;
  }

  /** A poller failing (Lambda's own Errors, free) and the pollers' calls failing (one metric for all). */
  private pollerAlarms(props: AggregatorMonitoringProps): void {
    for (const { service, function: fn } of props.pollers) {
      this.alarm(`${pascal(service)}PollerErrors`, {
        alarmDescription: `The ${serviceFacts(service).displayName} poller failed (an unhandled error); check its log group.`,
        metric: fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
      });
    }
    this.alarm('PollerApiErrors', {
      alarmDescription:
        'A poller\'s AWS calls kept failing for 15 minutes (throttled after SDK retries, access denied, malformed answers...). The log lines with "errorKind" name the service (jobService), the job and the kind.',
      metric: stackFigure(CycleMetric.API_ERRORS),
      threshold: 1,
      evaluationPeriods: 3,
    });
    if (props.watchesTargets) {
      this.alarm('TargetFailures', {
        alarmDescription:
          'A poller could not poll a target (account and region) in two five-minute periods in a row: a member role it cannot assume, or a region that is not enabled. The dashboard\'s "Targets that could not be polled" (or the log lines with "target" and "errorKind") name it.',
        metric: stackFigure(CycleMetric.TARGET_FAILURES),
        threshold: 1,
        evaluationPeriods: 2,
      });
    }
    if (props.discoversAccounts) {
      this.alarm('DiscoveryFailures', {
        alarmDescription:
          "A poller could not read the Organization units' accounts (or found none) in two five-minute periods in a row; it polls the last good list meanwhile, so accounts that joined since are not polled. The log says why.",
        metric: stackFigure(CycleMetric.DISCOVERY_FAILURES),
        threshold: 1,
        evaluationPeriods: 2,
      });
    }
  }

  /** The publisher failing, events dead-lettered, the stream falling behind. */
  private publisherAlarms(props: AggregatorMonitoringProps): void {
    this.alarm('PublisherErrors', {
      alarmDescription:
        'The event publisher failed a batch; the stream retries it, then sends it to the dead-letter queue.',
      metric: props.publisher.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    this.alarm('PublisherLag', {
      alarmDescription: `Job events are published more than ${PUBLISHER_LAG_THRESHOLD.toMinutes()} minutes late (stream IteratorAge: the publisher fails, is throttled or is too slow); records older than the stream's 24 hours are lost to the publisher.`,
      metric: publisherMetrics(props.publisher, props.deadLetterQueue).iteratorAge(),
      threshold: PUBLISHER_LAG_THRESHOLD.toMilliseconds(),
      evaluationPeriods: 2,
    });
    this.alarm('DeadLetters', {
      alarmDescription:
        'Job events or stream batches are in the dead-letter queue; see docs/deploy.md for how to replay them.',
      metric: publisherMetrics(props.publisher, props.deadLetterQueue).deadLetters(),
      threshold: 1,
      evaluationPeriods: 1,
    });
  }

  /** One alarm per service on its `FinishedJobs` with status FAILED, summed over the chosen period. */
  private failedJobsAlarms(
    props: AggregatorMonitoringProps,
    { threshold, minutes }: { readonly threshold: number; readonly minutes: number },
  ): void {
    const services = props.pollers.map((poller) => poller.service);
    for (const service of services) {
      const name = serviceFacts(service).displayName;
      this.alarm(`${pascal(service)}FailedJobs`, {
        alarmDescription: `At least ${threshold} ${name} job(s) failed within ${minutes} minutes (metric ${CountMetric.FINISHED_JOBS}, status FAILED).`,
        metric: jobCountFigure(service, JobStatus.FAILED, services, { period: Duration.minutes(minutes) }),
        threshold,
        evaluationPeriods: 1,
      });
    }
  }
}

/** Every series of a job count, per service and status (a SEARCH: the statuses seen are not known at synth). */
function jobCounts(metricName: CountMetric, statistic: string): cloudwatch.MathExpression {
  const { SERVICE, JOB_SERVICE, STATUS } = MetricDimension;
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${SERVICE},${JOB_SERVICE},${STATUS}} MetricName="${metricName}"', '${statistic}', ${PERIOD.toSeconds()})`,
    label: '',
    period: PERIOD,
  });
}

type Graph = (
  title: string,
  left: cloudwatch.IMetric[],
  extra?: Partial<cloudwatch.GraphWidgetProps>,
) => cloudwatch.GraphWidget;

const graph: Graph = (title, left, extra = {}) =>
  new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });

function dashboardRows(props: AggregatorMonitoringProps, alarms: cloudwatch.Alarm[]): cloudwatch.IWidget[][] {
  const logGroupNames = props.pollers.map((p) => p.logGroup.logGroupName);
  return [
    [introduction(props)],
    logRows(logGroupNames),
    ...(props.jobCounts && props.jobCounts.mode !== 'off'
      ? [
          [
            graph('Active jobs by service and status (max)', [jobCounts(CountMetric.ACTIVE_JOBS, 'Maximum')]),
            graph(
              'Finished jobs by service and status (sum)',
              [jobCounts(CountMetric.FINISHED_JOBS, 'Sum')],
              {
                stacked: true,
              },
            ),
          ],
        ]
      : []),
    functionRow(props),
    publisherRow(props),
    ...(props.watchesTargets ? [[targetFailuresWidget(logGroupNames)]] : []),
    [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 4 })],
  ];
}

function introduction(props: AggregatorMonitoringProps): cloudwatch.TextWidget {
  const services = props.pollers.map((p) => serviceFacts(p.service).displayName).join(', ');
  return new cloudwatch.TextWidget({
    markdown: [
      '# Job status aggregator',
      `Watching: ${services}. The tables come from the pollers' logs (field \`jobService\`); the graphs`,
      `from metrics in namespace \`${METRICS_NAMESPACE}\` (dimension \`${MetricDimension.SERVICE}=${METRICS_SERVICE}\`)`,
      "and Lambda's own. Jobs by status counts the latest status each job reached within the time range.",
    ].join('\n'),
    width: 24,
    height: 3,
  });
}

/** Logs Insights tables: nothing per metric to pay for, only the bytes a query scans when it runs. */
function logRows(logGroupNames: string[]): cloudwatch.IWidget[] {
  const table = (title: string, queryLines: string[], width = 8) =>
    new cloudwatch.LogQueryWidget({
      title,
      logGroupNames,
      view: cloudwatch.LogQueryVisualizationType.TABLE,
      queryLines,
      width,
      height: 8,
    });
  return [
    table('Jobs by status per service (latest status in the time range)', [
      'filter message = "job status changed"',
      'stats latest(status) as currentStatus by jobService, job',
      'stats count(*) as jobs by jobService, currentStatus',
      'sort jobService asc, currentStatus asc',
    ]),
    table('Poll runs per service', [
      'filter message = "poll cycle finished"',
      'stats count(*) as runs, sum(transitions) as transitions, sum(describes) as describes, sum(stalls) as stalls, sum(incomplete) as incompleteRuns, max(durationMs) as longestMs by jobService',
    ]),
    table('Failures by service and kind', [
      'filter ispresent(errorKind)',
      'stats count(*) as failures by jobService, errorKind',
      'sort failures desc',
    ]),
  ];
}

function functionRow(props: AggregatorMonitoringProps): cloudwatch.IWidget[] {
  const functions = [
    ...props.pollers.map((p) => ({ fn: p.function, name: serviceFacts(p.service).displayName })),
    { fn: props.publisher, name: 'Publisher' },
  ];
  return [
    graph('Function errors and throttles', [
      ...functions.flatMap(({ fn, name }) => [
        fn.metricErrors({ period: PERIOD, label: `${name} errors` }),
        fn.metricThrottles({ period: PERIOD, label: `${name} throttles` }),
      ]),
    ]),
    graph(
      'Poller run duration (p99), transitions and failed calls',
      props.pollers.map((p) =>
        p.function.metricDuration({
          period: PERIOD,
          statistic: cloudwatch.Stats.p(99),
          label: serviceFacts(p.service).displayName,
        }),
      ),
      {
        leftYAxis: { label: 'ms', showUnits: false, min: 0 },
        right: [
          stackFigure(CycleMetric.TRANSITIONS, { label: 'Transitions (right)' }),
          stackFigure(CycleMetric.API_ERRORS, { label: 'Failed calls (right)' }),
        ],
      },
    ),
  ];
}

function publisherRow(props: AggregatorMonitoringProps): cloudwatch.IWidget[] {
  return [
    graph(
      'Publisher lag (stream IteratorAge, max)',
      [publisherMetrics(props.publisher, props.deadLetterQueue).iteratorAge()],
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
    graph(
      'Events delivered, retried, dead-lettered; cold starts',
      [
        stackFigure(PublisherMetric.DELIVERED, { label: 'Delivered' }),
        stackFigure(PublisherMetric.RETRIED, { label: 'Retried' }),
        stackFigure(PublisherMetric.DEAD_LETTERED, { label: 'Dead-lettered' }),
      ],
      { right: [stackFigure(COLD_START_METRIC, { label: 'Cold starts, all functions (right)' })] },
    ),
  ];
}

/** The targets that failed, from the log lines that say so (each names its target and error kind). */
function targetFailuresWidget(logGroupNames: string[]): cloudwatch.IWidget {
  return new cloudwatch.LogQueryWidget({
    title: 'Targets that could not be polled, per service and target',
    logGroupNames,
    view: cloudwatch.LogQueryVisualizationType.TABLE,
    queryLines: [
      'filter ispresent(target) and ispresent(errorKind) and level = "ERROR" and message like /target/',
      'stats count(*) as failures, latest(errorKind) as lastErrorKind by jobService, target',
      'sort failures desc',
    ],
    width: 24,
    height: 6,
  });
}

export function pascal(service: string): string {
  return service.charAt(0).toUpperCase() + service.slice(1);
}
