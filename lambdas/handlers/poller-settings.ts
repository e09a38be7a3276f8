import type { PollPolicy } from '../core/poll-cycle.js';
import { positiveNumber, SettingsError } from './env.js';

/** Poller settings, all from the environment the stack sets (see lib/). */
export interface PollerSettings {
  /** How often the schedule runs this function. */
  readonly scheduleSeconds: number;
  /** How often a full sweep (finished jobs included) runs where the API cannot filter by time. */
  readonly fullSweepSeconds: number;
  /**
   * The poller paces its calls at the service's published rates times this: above 1 once AWS Support has
   * raised the account's quotas, below 1 to leave room for other callers of the same APIs.
   */
  readonly quotaMultiplier: number;
  /** Refresh describes per cycle; undefined: 30 seconds' worth of the paced describe rate. */
  readonly progressRefreshLimit: number | undefined;
  readonly policy: Omit<PollPolicy, 'fullSweep' | 'stallAfterSeconds' | 'progressRefreshLimit'>;
}

/** Refresh describes per cycle when not configured: this many seconds of the service's describe rate. */
export const PROGRESS_REFRESH_BUDGET_SECONDS = 30;

export function pollerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PollerSettings {
  const scheduleSeconds = positiveNumber(env, 'JOBS_SCHEDULE_SECONDS', 300);
  const fullSweepSeconds = positiveNumber(env, 'JOBS_FULL_SWEEP_SECONDS', 6 * 3600);
  return {
    scheduleSeconds,
    fullSweepSeconds,
    quotaMultiplier: positiveNumber(env, 'JOBS_QUOTA_MULTIPLIER', 1),
    progressRefreshLimit: optionalWholeNumber(env, 'JOBS_PROGRESS_REFRESH_LIMIT'),
    policy: {
      // Twice the schedule, at least an hour: a missed or failed run does not lose a job that came and went.
      recentWindowSeconds: positiveNumber(
        env,
        'JOBS_RECENT_WINDOW_SECONDS',
        Math.max(3600, 2 * scheduleSeconds),
      ),
      sweepWindowSeconds: fullSweepSeconds + scheduleSeconds,
      progressRefreshSeconds: positiveNumber(env, 'JOBS_PROGRESS_REFRESH_SECONDS', 300),
      concurrency: positiveNumber(env, 'JOBS_CONCURRENCY', 4),
      safetyMarginMs: positiveNumber(env, 'JOBS_SAFETY_MARGIN_MS', 15_000),
    },
  };
}

/** A whole number ≥ 0 (0 turns the feature off), or undefined when the variable is not set. */
function optionalWholeNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
    throw new SettingsError(name, raw, 'a whole number ≥ 0');
  }
  return value;
}
