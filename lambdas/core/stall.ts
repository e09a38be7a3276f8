import { AggregatorError } from './errors.js';
import type { StoredJob } from './ports.js';
import { isServiceId, type ServiceId } from './service-id.js';
import { JobStatus } from './status.js';

/**
 * Stall detection: a RUNNING job whose status and progress have not changed for longer than its service's
 * threshold is reported once (`Job Stalled`); the job's next recorded change ends the stall, and a new
 * quiet period can then be reported again.
 */

export const DEFAULT_STALL_AFTER_SECONDS = 3600;

/** Per-service thresholds; `undefined` for a service means stalls are not reported for it. */
export interface StallSettings {
  readonly defaultSeconds: number | undefined;
  readonly perService: Readonly<Partial<Record<ServiceId, number | undefined>>>;
}

export const DEFAULT_STALL_SETTINGS: StallSettings = {
  defaultSeconds: DEFAULT_STALL_AFTER_SECONDS,
  perService: {},
};

export class StallSettingsError extends AggregatorError {
  constructor(value: string, reason: string, options?: ErrorOptions) {
    super(
      `Invalid JOBS_STALL_AFTER_SECONDS "${value}": ${reason} (expected e.g. "3600", "healthlake=7200,healthomics=1800" or "off")`,
      options,
    );
    this.name = 'StallSettingsError';
  }
}

/**
 * Parses `JOBS_STALL_AFTER_SECONDS`: comma-separated items, each either a bare value (the default for
 * every service) or `service=value`; a value is a positive whole number of seconds or `off`. Empty or
 * unset means one hour for every service. Examples: `3600`, `healthlake=7200,healthomics=1800`,
 * `off,healthlake=7200` (only HealthLake reports stalls).
 */
export function parseStallSettings(raw: string | undefined): StallSettings {
  const text = raw?.trim() ?? '';
  if (text === '') return DEFAULT_STALL_SETTINGS;
  let defaultSeconds: number | undefined = DEFAULT_STALL_AFTER_SECONDS;
  let defaultSet = false;
  const perService: Partial<Record<ServiceId, number | undefined>> = {};
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') throw new StallSettingsError(text, 'an empty item');
    const separator = item.indexOf('=');
    if (separator < 0) {
      if (defaultSet) throw new StallSettingsError(text, 'more than one default');
      defaultSet = true;
      defaultSeconds = parseSeconds(text, item);
      continue;
    }
    const service = item.slice(0, separator).trim();
    if (!isServiceId(service)) throw new StallSettingsError(text, `unknown service "${service}"`);
    if (Object.hasOwn(perService, service)) throw new StallSettingsError(text, `"${service}" given twice`);
    perService[service] = parseSeconds(text, item.slice(separator + 1).trim());
  }
  return { defaultSeconds, perService };
}

function parseSeconds(text: string, value: string): number | undefined {
  if (value.toLowerCase() === 'off') return undefined;
  if (!/^[0-9]+$/.test(value) || Number(value) <= 0) {
    throw new StallSettingsError(text, `"${value}" is not a positive whole number of seconds or "off"`);
  }
  return Number(value);
}

/** The threshold for one service, or `undefined` when its stalls are not reported. */
export function stallThresholdSeconds(settings: StallSettings, service: ServiceId): number | undefined {
  return Object.hasOwn(settings.perService, service) ? settings.perService[service] : settings.defaultSeconds;
}

/**
 * Whether a stall can be reported for `job` at all: it is running and no reported stall is still open. A
 * recorded change (status or progress) writes the job without `stalledSince`, so it ends the stall.
 */
export function mayStall(job: StoredJob): boolean {
  return job.snapshot.status === JobStatus.RUNNING && job.stalledSince === undefined;
}

/**
 * The stall rule: `job` may stall and has not changed for `thresholdSeconds` or longer at `now`. An
 * unreadable last-change time never counts as quiet.
 */
export function isStallDue(job: StoredJob, now: Date, thresholdSeconds: number): boolean {
  return mayStall(job) && quietSeconds(job, now) >= thresholdSeconds;
}

/** Seconds since the job last changed; NaN when its last-change time is unreadable. */
export function quietSeconds(job: StoredJob, now: Date): number {
  return (now.getTime() - Date.parse(job.lastChangeAt)) / 1000;
}
