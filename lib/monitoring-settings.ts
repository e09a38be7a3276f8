import {
  defaultOf,
  JOB_COUNT_MODES,
  type JobCountMode,
  type JobCountSettings,
} from '../lambdas/contract/settings.js';

/**
 * The monitoring part of the deployment settings (lib/settings.ts): what the stack spends on CloudWatch
 * beyond its fixed alarms. Each choice's monthly cost is in docs/monitoring.md and `npm run bench`.
 */
export interface MonitoringSettings {
  /** Create the CloudWatch dashboard: $3.00 a month beyond the account's 3 free dashboards. Default false. */
  readonly dashboard?: boolean;
  /**
   * Each poll run's job counts by status as metrics: `off`, `nonzero` (only statuses that hold jobs; a
   * metric costs only in the hours it has data) or `all` (zeros too, continuous graphs). Default `off`.
   */
  readonly jobCountMetrics?: string;
  /** With targets: the counts per target (account and region) too. Default false. */
  readonly jobCountsPerTarget?: boolean;
  /**
   * Alarm when at least this many jobs of one service fail within `failedJobsAlarmMinutes` (whole number
   * ≥ 1). Needs `jobCountMetrics`. Default: no such alarm.
   */
  readonly failedJobsAlarm?: number;
  /** The failed-jobs alarm's period in whole minutes, 1–1440. Default 60. */
  readonly failedJobsAlarmMinutes?: number;
}

export interface ResolvedMonitoring {
  readonly dashboard: boolean;
  readonly jobCounts: JobCountSettings;
  readonly failedJobsAlarm: { readonly threshold: number; readonly minutes: number } | undefined;
}

export const MONITORING_CONTEXT_KEYS = [
  'dashboard',
  'jobCountMetrics',
  'jobCountsPerTarget',
  'failedJobsAlarm',
  'failedJobsAlarmMinutes',
] as const;
type MonitoringKey = (typeof MONITORING_CONTEXT_KEYS)[number];

export const DEFAULT_FAILED_JOBS_ALARM_MINUTES = 60;
const MAX_ALARM_MINUTES = 1440;

const EXAMPLES: Record<MonitoringKey, string> = {
  dashboard: '-c dashboard=true',
  jobCountMetrics: '-c jobCountMetrics=nonzero',
  jobCountsPerTarget: '-c jobCountsPerTarget=true',
  failedJobsAlarm: '-c failedJobsAlarm=3',
  failedJobsAlarmMinutes: '-c failedJobsAlarmMinutes=60',
};

/** Applies the defaults and adds a problem, naming its key, for every bad value. */
export function resolveMonitoring(
  input: MonitoringSettings,
  hasTargets: boolean,
  problems: string[],
): ResolvedMonitoring {
  const problem = (key: MonitoringKey, value: unknown, rule: string) =>
    problems.push(`${key}: ${JSON.stringify(value)} ${rule}. Example: ${EXAMPLES[key]}`);
  const dashboard = input.dashboard ?? false;
  if (typeof dashboard !== 'boolean') problem('dashboard', dashboard, 'must be true or false');
  // A plain string in the props (jsii has no literal unions); one of the modes once checked.
  const mode = (input.jobCountMetrics ?? defaultOf('jobCountMetrics')) as JobCountMode;
  if (!JOB_COUNT_MODES.includes(mode)) {
    problem('jobCountMetrics', mode, `must be one of ${JOB_COUNT_MODES.join(', ')}`);
  }
  const perTarget = input.jobCountsPerTarget ?? defaultOf('jobCountsPerTarget');
  if (typeof perTarget !== 'boolean') problem('jobCountsPerTarget', perTarget, 'must be true or false');
  else if (perTarget && (!hasTargets || mode === 'off')) {
    problem(
      'jobCountsPerTarget',
      perTarget,
      'needs targets (targetAccounts or targetRegions) and jobCountMetrics',
    );
  }
  const { failedJobsAlarm: threshold } = input;
  const minutes = input.failedJobsAlarmMinutes ?? DEFAULT_FAILED_JOBS_ALARM_MINUTES;
  if (!isWholeNumberIn(minutes, 1, MAX_ALARM_MINUTES)) {
    problem(
      'failedJobsAlarmMinutes',
      minutes,
      `must be a whole number of minutes from 1 to ${MAX_ALARM_MINUTES}`,
    );
  }
  if (threshold !== undefined && !isWholeNumberIn(threshold, 1, Number.MAX_SAFE_INTEGER)) {
    problem('failedJobsAlarm', threshold, 'must be a whole number of jobs ≥ 1');
  } else if (threshold !== undefined && mode === 'off') {
    problem(
      'failedJobsAlarm',
      threshold,
      'needs jobCountMetrics=nonzero or all (the alarm watches the counts)',
    );
  }
  return {
    dashboard: dashboard === true,
    jobCounts: { mode, perTarget: perTarget === true },
    failedJobsAlarm: threshold === undefined ? undefined : { threshold, minutes },
  };
}

/** The monitoring settings from CDK context (`-c` strings or cdk.json values); checked by `resolveMonitoring`. */
export function monitoringFromContext(read: (key: MonitoringKey) => unknown): MonitoringSettings {
  const settings: { -readonly [K in keyof MonitoringSettings]: MonitoringSettings[K] } = {};
  const dashboard = read('dashboard');
  if (dashboard !== undefined) settings.dashboard = asFlag(dashboard) as boolean;
  const mode = read('jobCountMetrics');
  if (mode !== undefined)
    settings.jobCountMetrics = (typeof mode === 'string' ? mode.trim() : mode) as string;
  const perTarget = read('jobCountsPerTarget');
  if (perTarget !== undefined) settings.jobCountsPerTarget = asFlag(perTarget) as boolean;
  const threshold = read('failedJobsAlarm');
  if (threshold !== undefined) settings.failedJobsAlarm = asNumber(threshold) as number;
  const minutes = read('failedJobsAlarmMinutes');
  if (minutes !== undefined) settings.failedJobsAlarmMinutes = asNumber(minutes) as number;
  return settings;
}

/** `true`/`false` strings as booleans; anything else as it is, for the check to name. */
function asFlag(value: unknown): unknown {
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

function asNumber(value: unknown): unknown {
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
    ? Number(value)
    : value;
}

function isWholeNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
