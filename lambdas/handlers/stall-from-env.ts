import type { ServiceId } from '../core/service-id.js';
import { parseStallSettings, stallThresholdSeconds } from '../core/stall.js';

/** This service's stall threshold from `JOBS_STALL_AFTER_SECONDS` (default one hour, `off` disables). */
export function stallAfterSecondsFromEnv(
  service: ServiceId,
  env: NodeJS.ProcessEnv = process.env,
): number | undefined {
  return stallThresholdSeconds(parseStallSettings(env.JOBS_STALL_AFTER_SECONDS), service);
}
