import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { TERMINAL_STATUSES } from '../lambdas/contract/events.js';
import { METRIC_SERIES, type MetricSeries, PUBLISHER_SERVICE_NAME } from '../lambdas/contract/metrics.js';
import { serviceFacts } from '../lambdas/contract/services.js';
import { variableOf } from '../lambdas/contract/settings.js';
import { isServiceId, type ServiceId } from '../lambdas/core/service-id.js';
import { JobStatusAggregatorStack } from '../lib/job-status-aggregator-stack.js';
import { bundleDirectory } from '../lib/lambda-code.js';
import type { JobStatusAggregatorSettings } from '../lib/settings.js';
import { bundleEntries, bundleLambdas } from '../scripts/bundle-lambdas.js';
import { PRICES } from './cost.js';
import { dec, int, table } from './report.js';

/**
 * What the stack's monitoring costs a month, counted the way CloudWatch bills it: alarms and dashboards
 * from the synthesized template, custom metrics from the metric contract (lambdas/contract/metrics.ts:
 * each name × dimension values is one metric) for the services, targets and settings the template's
 * functions are configured with. A metric is billed by the hour it receives data; the figures here count
 * every metric as present in every hour, so they are the most a month can cost.
 */

const MONTH_SECONDS = 30 * 86_400;
/** One embedded-metric-format line as the functions write it, rounded up (measured: 271–304 bytes). */
const EMF_LINE_BYTES = 320;
/** Dashboards CloudWatch does not bill, per account. */
export const FREE_DASHBOARDS = 3;

type Resource = { readonly Type: string; readonly Properties?: Record<string, unknown> };
export type Template = { readonly Resources: Record<string, Resource> };

/** One billed custom metric family: how many series it makes in this stack, and when it is emitted. */
export interface CountedSeries {
  readonly series: MetricSeries;
  readonly count: number;
}

export interface MonitoringCount {
  readonly alarms: number;
  /** Billed alarm metrics: one per alarm, or one per metric of a metric-math alarm. */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  readonly metrics: readonly CountedSeries[];
  /** The pollers' embedded-metric lines, at most (every status present in every run). */
  readonly emfBytesPerMonth: number;
}

export interface MonitoringCost {
  readonly alarms: number;
  readonly dashboards: number;
  readonly metrics: number;
  readonly logs: number;
  readonly total: number;
}

/** A poller as its function's environment describes it. */
interface PollerConfig {
  readonly service: ServiceId;
  readonly targets: number;
  readonly counts: 'off' | 'nonzero' | 'all';
  readonly perTarget: boolean;
  readonly scheduleSeconds: number;
  /** Discovers its accounts from Organization units. */
  readonly discovers: boolean;
}

/** Builds the Lambda bundles when a fresh checkout has none yet: the stack takes its code from them. */
export async function ensureBundles(): Promise<void> {
  try {
    for (const { name } of bundleEntries()) bundleDirectory(name);
  } catch {
    await bundleLambdas();
  }
}

/** The stack's template with the given settings (the bundles must exist: `ensureBundles`). */
export function synthesizeTemplate(settings: JobStatusAggregatorSettings): Template {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new JobStatusAggregatorStack(app, 'MonitoringCost', { settings });
  return app.synth().getStackByName(stack.stackName).template as Template;
}

export function countMonitoring(template: Template): MonitoringCount {
  const resources = Object.values(template.Resources);
  const alarms = resources.filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
  const pollers = pollersOf(resources);
  const hasPublisher = resources.some(
    (r) => environmentOf(r).POWERTOOLS_SERVICE_NAME === PUBLISHER_SERVICE_NAME,
  );
  const metrics = METRIC_SERIES.map((series) => ({
    series,
    count: seriesCount(series, pollers, hasPublisher),
  }));
  const emfLinesPerMonth = pollers.reduce(
    (sum, poller) => sum + (MONTH_SECONDS / poller.scheduleSeconds) * (1 + countLinesPerRun(poller)),
    0,
  );
  return {
    alarms: alarms.length,
    alarmMetrics: alarms.reduce((sum, alarm) => sum + alarmMetricCount(alarm), 0),
    dashboards: resources.filter((resource) => resource.Type === 'AWS::CloudWatch::Dashboard').length,
    metrics: metrics.filter((entry) => entry.count > 0),
    emfBytesPerMonth: emfLinesPerMonth * EMF_LINE_BYTES,
  };
}

/** Dashboards at $3.00 each unless `freeDashboardsLeft` of the account's 3 free ones remain for them. */
export function monitoringCost(count: MonitoringCount, freeDashboardsLeft = 0): MonitoringCost {
  const alarms = count.alarmMetrics * PRICES.alarmMonth;
  const dashboards = Math.max(0, count.dashboards - freeDashboardsLeft) * PRICES.dashboardMonth;
  const metrics = customMetricCount(count) * PRICES.customMetricMonth;
  const logs = (count.emfBytesPerMonth / 1024 ** 3) * PRICES.cloudWatchLogsPerGb;
  return { alarms, dashboards, metrics, logs, total: alarms + dashboards + metrics + logs };
}

export function customMetricCount(count: MonitoringCount): number {
  return count.metrics.reduce((sum, entry) => sum + entry.count, 0);
}

/** A standard alarm on one metric bills one alarm metric; a metric-math alarm one per metric it reads. */
function alarmMetricCount(alarm: Resource): number {
  const metrics = alarm.Properties?.Metrics as { MetricStat?: unknown }[] | undefined;
  if (!metrics) return 1;
  return Math.max(1, metrics.filter((metric) => metric.MetricStat !== undefined).length);
}

function environmentOf(resource: Resource): Record<string, unknown> {
  if (resource.Type !== 'AWS::Lambda::Function') return {};
  const environment = resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined;
  return environment?.Variables ?? {};
}

function pollersOf(resources: readonly Resource[]): PollerConfig[] {
  return resources.flatMap((resource) => {
    const env = environmentOf(resource);
    const service = String(env.POWERTOOLS_SERVICE_NAME ?? '').replace(/^job-poller-/, '');
    if (!isServiceId(service) || env.POWERTOOLS_SERVICE_NAME === service) return [];
    const counts = (env[variableOf('jobCountMetrics')] ?? 'off') as PollerConfig['counts'];
    return [
      {
        service,
        targets: targetCount(env[variableOf('targets')]),
        counts,
        perTarget: env[variableOf('jobCountsPerTarget')] === 'true',
        scheduleSeconds: Number(env[variableOf('scheduleSeconds')] ?? 300),
        discovers: env[variableOf('organizationUnits')] !== undefined,
      },
    ];
  });
}

/** Targets in the poller's target list: a literal list, or a join with the stack's own account (a token) in it. */
function targetCount(value: unknown): number {
  if (value === undefined) return 0;
  const text = typeof value === 'string' ? value : JSON.stringify(value).replace(/\{[^{}]*\}/g, 'TOKEN');
  return (text.match(/:/g) ?? []).length === 0 ? 0 : text.split(',').length;
}

/** Every status the service's status map can produce: the most `ActiveJobs`/`FinishedJobs` series it makes. */
function statusCount(service: ServiceId, terminal: boolean | undefined): number {
  const terminalStatuses = new Set<string>(TERMINAL_STATUSES);
  const statuses = new Set<string>(Object.values(serviceFacts(service).definition.statusMap));
  if (terminal === undefined) return statuses.size;
  return [...statuses].filter((status) => terminalStatuses.has(status) === terminal).length;
}

function seriesCount(series: MetricSeries, pollers: readonly PollerConfig[], hasPublisher: boolean): number {
  const terminal = series.metric === 'FinishedJobs';
  const counted = (poller: PollerConfig) => poller.counts !== 'off';
  switch (series.when) {
    case 'always':
      return series.metric.startsWith('Events') ? (hasPublisher ? 1 : 0) : pollers.length > 0 ? 1 : 0;
    case 'targets':
      return pollers.some((poller) => poller.targets > 0) ? 1 : 0;
    case 'discovery':
      return pollers.some((poller) => poller.discovers) ? 1 : 0;
    case 'job-counts':
      return pollers.filter(counted).reduce((sum, p) => sum + statusCount(p.service, terminal), 0);
    case 'job-counts-per-target':
      return pollers
        .filter((poller) => counted(poller) && poller.perTarget)
        .reduce((sum, p) => sum + statusCount(p.service, terminal) * p.targets, 0);
  }
}

/** Job-count lines a run writes at most: one per status, and per status and target with the per-target counts. */
function countLinesPerRun(poller: PollerConfig): number {
  if (poller.counts === 'off') return 0;
  const statuses = statusCount(poller.service, undefined);
  return statuses * (1 + (poller.perTarget ? poller.targets : 0));
}

/** The stacks the benchmark costs: the default, its options, and a hub watching 50 account-regions. */
export const MONITORING_SCENARIOS: readonly { name: string; settings: JobStatusAggregatorSettings }[] = [
  { name: 'default stack', settings: {} },
  { name: 'default + dashboard', settings: { dashboard: true } },
  {
    name: 'default + jobCountMetrics=nonzero + failedJobsAlarm=1',
    settings: { jobCountMetrics: 'nonzero', failedJobsAlarm: 1 },
  },
  { name: 'hub, 50 targets (25 accounts × 2 regions)', settings: hubSettings() },
  {
    name: 'hub, 50 targets + jobCountMetrics=nonzero + jobCountsPerTarget',
    settings: { ...hubSettings(), jobCountMetrics: 'nonzero', jobCountsPerTarget: true },
  },
];

function hubSettings(): JobStatusAggregatorSettings {
  const accounts = Array.from({ length: 25 }, (_, n) => String(111_100_000_000 + n));
  return { targetAccounts: accounts, targetRegions: ['us-east-1', 'eu-west-1'] };
}

/** The default stack's monthly monitoring cost, at most (the figure of the benchmark's cost table). */
export function defaultMonitoringCost(settings: JobStatusAggregatorSettings = {}): MonitoringCost {
  return monitoringCost(countMonitoring(synthesizeTemplate(settings)));
}

export function printMonitoringCosts(): void {
  console.log('\n## Monitoring cost\n');
  console.log(
    'CloudWatch per 30-day month, us-east-1 list prices: $0.10 per alarm metric, $0.30 per custom metric ' +
      '(name × dimension values), $3.00 per dashboard (counted here though the first 3 of an account are ' +
      'free), $0.50 per GB of embedded-metric log lines. Every metric is counted as present in every hour: ' +
      'the most a month can cost. Alarms and dashboards are counted from the synthesized template, metrics ' +
      'from lambdas/contract/metrics.ts for the services, targets and settings in it.\n',
  );
  const rows: string[][] = [];
  let breakdown: MonitoringCount | undefined;
  for (const scenario of MONITORING_SCENARIOS) {
    const count = countMonitoring(synthesizeTemplate(scenario.settings));
    breakdown ??= count;
    const cost = monitoringCost(count);
    rows.push([
      scenario.name,
      `${int(count.alarms)} (${int(count.alarmMetrics)})`,
      int(count.dashboards),
      int(customMetricCount(count)),
      dec(count.emfBytesPerMonth / 1024 ** 2, 1),
      `**${dec(cost.total, 2)}**`,
    ]);
  }
  console.log(
    table(
      ['stack', 'alarms (alarm metrics)', 'dashboards', 'custom metrics', 'EMF MB', '$/month at most'],
      rows,
    ),
  );
  if (breakdown) {
    const list = breakdown.metrics.map((entry) => `${entry.series.metric} ×${entry.count}`).join(', ');
    console.log(`\nThe default stack's custom metrics: ${list}.`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await ensureBundles();
  printMonitoringCosts();
}
