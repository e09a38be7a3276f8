import type { RecordingPolicy } from '../core/recording.js';

/** Everything the store needs from its environment. */
export interface StoreSettings extends RecordingPolicy {
  readonly tableName: string;
  /** History records expire (DynamoDB TTL) this many days after they were recorded; 0 keeps them forever. */
  readonly historyRetentionDays: number;
}

export const STORE_SETTING_DEFAULTS = {
  historyRetentionDays: 90,
  progressIntervalSeconds: 300,
  keepProgressHistory: false,
} as const;

export class StoreSettingsError extends Error {
  constructor(name: string, value: string, expected: string) {
    super(`Invalid setting ${name}="${value}": expected ${expected}`);
    this.name = 'StoreSettingsError';
  }
}

/**
 * Reads `JOBS_TABLE_NAME` (required), `JOBS_HISTORY_RETENTION_DAYS` (default 90, 0 = keep forever),
 * `JOBS_PROGRESS_INTERVAL_SECONDS` (default 300) and `JOBS_KEEP_PROGRESS_HISTORY` (default false). A bad
 * value throws with the variable's name, so a misconfigured function fails its cold start.
 */
export function storeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): StoreSettings {
  const tableName = env.JOBS_TABLE_NAME?.trim() ?? '';
  if (tableName === '')
    throw new StoreSettingsError('JOBS_TABLE_NAME', env.JOBS_TABLE_NAME ?? '', 'a table name');
  return {
    tableName,
    historyRetentionDays: wholeNumber(
      env,
      'JOBS_HISTORY_RETENTION_DAYS',
      STORE_SETTING_DEFAULTS.historyRetentionDays,
    ),
    progressIntervalSeconds: wholeNumber(
      env,
      'JOBS_PROGRESS_INTERVAL_SECONDS',
      STORE_SETTING_DEFAULTS.progressIntervalSeconds,
    ),
    keepProgressHistory: flag(env, 'JOBS_KEEP_PROGRESS_HISTORY', STORE_SETTING_DEFAULTS.keepProgressHistory),
  };
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
    throw new StoreSettingsError(name, raw, 'a whole number ≥ 0');
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new StoreSettingsError(name, raw, 'true or false');
}
