import { defaultOf, type StoreEnvironmentSettings } from '../contract/settings.js';
import type { RecordingPolicy } from '../core/recording.js';

/**
 * Everything the store needs from its environment, read by `readStoreSettings` (lambdas/contract/settings.ts).
 * `historyRetentionDays`: history records expire (DynamoDB TTL) this many days after they were recorded;
 * 0 keeps them forever.
 */
export interface StoreSettings extends RecordingPolicy, StoreEnvironmentSettings {}

/** The functions' defaults, for stores built in code with only a table name. */
export const STORE_SETTING_DEFAULTS = {
  historyRetentionDays: defaultOf('historyRetentionDays'),
  progressIntervalSeconds: defaultOf('progressIntervalSeconds'),
  keepProgressHistory: defaultOf('keepProgressHistory'),
} as const;
