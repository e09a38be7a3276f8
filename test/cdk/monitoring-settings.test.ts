import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { aggregatorPropsFromContext } from '../../bin/context.js';
import { resolveSettings } from '../../lib/settings.js';
import { settingsProblems } from '../support/settings-problems.js';

describe('the monitoring settings', () => {
  it('default to no dashboard, no job counts and no failed-jobs alarm', () => {
    expect(resolveSettings().monitoring).toEqual({
      dashboard: false,
      jobCounts: { mode: 'off', perTarget: false },
      failedJobsAlarm: undefined,
    });
  });

  it('read from context strings, each into its type', () => {
    // Act
    const settings = aggregatorPropsFromContext(
      new Stack(
        new App({
          context: {
            dashboard: 'true',
            jobCountMetrics: 'nonzero',
            jobCountsPerTarget: 'true',
            targetRegions: 'eu-west-1,us-east-1',
            failedJobsAlarm: '3',
            failedJobsAlarmMinutes: '30',
          },
        }),
        'Context',
      ),
    );

    // Assess
    expect(resolveSettings(settings).monitoring).toEqual({
      dashboard: true,
      jobCounts: { mode: 'nonzero', perTarget: true },
      failedJobsAlarm: { threshold: 3, minutes: 30 },
    });
  });

  it('name every bad value with its key and an example', () => {
    // Act
    const problems = settingsProblems(() =>
      aggregatorPropsFromContext(
        new Stack(
          new App({
            context: {
              dashboard: 'yes',
              jobCountMetrics: 'some',
              failedJobsAlarmMinutes: '0',
              failedJobsAlarm: '-1',
            },
          }),
          'Context',
        ),
      ),
    );

    // Assess
    expect(problems).toEqual([
      'dashboard: "yes" must be true or false. Example: -c dashboard=true',
      'jobCountMetrics: "some" must be one of off, nonzero, all. Example: -c jobCountMetrics=nonzero',
      'failedJobsAlarmMinutes: 0 must be a whole number of minutes from 1 to 1440. Example: -c failedJobsAlarmMinutes=60',
      'failedJobsAlarm: -1 must be a whole number of jobs ≥ 1. Example: -c failedJobsAlarm=3',
    ]);
  });

  it('refuse a failed-jobs alarm without the counts it watches, and counts per target without targets', () => {
    // Act
    const problems = settingsProblems(() =>
      resolveSettings({ failedJobsAlarm: 1, jobCountsPerTarget: true }),
    );

    // Assess
    expect(problems).toEqual([
      'jobCountsPerTarget: true needs targets (targetAccounts or targetRegions) and jobCountMetrics. Example: -c jobCountsPerTarget=true',
      'failedJobsAlarm: 1 needs jobCountMetrics=nonzero or all (the alarm watches the counts). Example: -c failedJobsAlarm=3',
    ]);
  });
});
