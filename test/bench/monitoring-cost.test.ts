import { beforeAll, describe, expect, it } from 'vitest';
import {
  countMonitoring,
  customMetricCount,
  type MonitoringCount,
  monitoringCost,
  synthesizeTemplate,
  type Template,
} from '../../bench/monitoring-cost.js';
import { DEFAULT_SERVICES } from '../../lib/settings.js';

/** The monitoring cost the benchmark prints, checked against the templates it is counted from. */
let defaults: Template;
let everything: Template;
let hub: Template;

beforeAll(() => {
  defaults = synthesizeTemplate({});
  everything = synthesizeTemplate({
    services: ['healthlake', 'panorama'],
    dashboard: true,
    jobCountMetrics: 'all',
    failedJobsAlarm: 2,
  });
  hub = synthesizeTemplate({
    services: ['healthlake'],
    targetAccounts: Array.from({ length: 25 }, (_, n) => String(222_200_000_000 + n)),
    targetRegions: ['us-east-1', 'eu-west-1'],
    jobCountMetrics: 'nonzero',
    jobCountsPerTarget: true,
  });
}, 120_000);

function resourcesOf(template: Template, type: string) {
  return Object.values(template.Resources).filter((resource) => resource.Type === type);
}

const metric = (count: MonitoringCount, name: string) =>
  count.metrics.filter((entry) => entry.series.metric === name).map((entry) => entry.count);

describe('the monitoring cost', () => {
  it('is at most $5 a month for the default stack, with the alarms that matter', () => {
    // Act
    const count = countMonitoring(defaults);
    const cost = monitoringCost(count);

    // Assess: a poller failing (one each), failed calls, the publisher failing, lagging, dead letters.
    expect(count.alarms).toBe(DEFAULT_SERVICES.length + 4);
    expect(count.alarms).toBe(resourcesOf(defaults, 'AWS::CloudWatch::Alarm').length);
    expect(count.dashboards).toBe(0);
    expect(customMetricCount(count)).toBe(6);
    expect(cost.total).toBeLessThanOrEqual(5);
    expect(cost.total).toBeCloseTo(count.alarms * 0.1 + 6 * 0.3 + cost.logs, 6);
  });

  it('counts every alarm and dashboard in the template, and the counts of every status a service has', () => {
    // Act
    const count = countMonitoring(everything);
    const cost = monitoringCost(count);

    // Assess: 2 pollers' errors, their failed-jobs alarms, failed calls and the publisher's three.
    expect(count.alarms).toBe(resourcesOf(everything, 'AWS::CloudWatch::Alarm').length);
    expect(count.alarms).toBe(2 + 2 + 4);
    expect(count.dashboards).toBe(1);
    // HealthLake: 3 active statuses, 4 terminal; Panorama: RUNNING; SUCCEEDED, FAILED.
    expect(metric(count, 'ActiveJobs')).toEqual([3 + 1]);
    expect(metric(count, 'FinishedJobs')).toEqual([4 + 2]);
    expect(cost.dashboards).toBe(3);
    expect(monitoringCost(count, 3).dashboards).toBe(0);
  });

  it('counts a hub’s target failures once, and its counts per target for every target', () => {
    // Act
    const count = countMonitoring(hub);

    // Assess: HealthLake's 7 statuses as totals, and again for each of the 50 targets.
    expect(metric(count, 'TargetFailures')).toEqual([1]);
    expect(metric(count, 'ActiveJobs')).toEqual([3, 3 * 50]);
    expect(metric(count, 'FinishedJobs')).toEqual([4, 4 * 50]);
    expect(customMetricCount(count)).toBe(6 + 1 + 7 + 7 * 50);
  });

  it('bills a metric-math alarm once per metric it reads', () => {
    // Arrange
    const stat = { MetricStat: { Metric: { MetricName: 'Errors' }, Period: 300, Stat: 'Sum' } };
    const template: Template = {
      Resources: {
        Plain: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors' } },
        Math: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { Metrics: [stat, stat, stat, { Expression: 'm1+m2+m3' }] },
        },
      },
    };

    // Act
    const count = countMonitoring(template);

    // Assess
    expect([count.alarms, count.alarmMetrics]).toEqual([2, 4]);
  });
});
