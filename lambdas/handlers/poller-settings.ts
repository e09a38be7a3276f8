import type { PollPolicy } from '../core/poll-cycle.js';
import { positiveNumber } from './env.js';

/** Poller settings, all from the environment the stack sets (see lib/). */
export interface PollerSettings {
  /** How often the schedule runs this function. */
  readonly scheduleSeconds: number;
  /** How often a full sweep (finished jobs included) runs where the API cannot filter by time. */
  readonly fullSweepSeconds: number;
  readonly policy: Omit<PollPolicy, 'fullSweep' | 'stallAfterSeconds'>;
}

export function pollerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PollerSettings {
  const scheduleSeconds = positiveNumber(env, 'JOBS_SCHEDULE_SECONDS', 300);
  return {
    scheduleSeconds,
    fullSweepSeconds: positiveNumber(env, 'JOBS_FULL_SWEEP_SECONDS', 6 * 3600),
    policy: {
      // Twice the schedule, at least an hour: a missed or failed run does not lose a job that came and went.
      recentWindowSeconds: positiveNumber(
        env,
        'JOBS_RECENT_WINDOW_SECONDS',
        Math.max(3600, 2 * scheduleSeconds),
      ),
      progressRefreshSeconds: positiveNumber(env, 'JOBS_PROGRESS_REFRESH_SECONDS', 300),
      concurrency: positiveNumber(env, 'JOBS_CONCURRENCY', 4),
      safetyMarginMs: positiveNumber(env, 'JOBS_SAFETY_MARGIN_MS', 15_000),
    },
  };
}
