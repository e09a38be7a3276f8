/**
 * The settings contract: every environment variable a function of this project reads, with its parser,
 * its default and one line of meaning. lib/ writes the functions' environments through
 * `settingsEnvironment`, the handlers read them through the typed readers below, and local mode, the chaos
 * run and the benchmark use the same two. Plain data and functions: lib/ imports it at synth, so it loads
 * no SDK and no Powertools. Variables of the platform (AWS_*, POWERTOOLS_*) are read by the SDK, the
 * Lambda runtime and Powertools themselves and are not listed here.
 */

import { DEFAULT_MEMBER_ROLE_NAME, type Target } from './hub.js';

/** An environment as a function sees it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A variable that does not parse; thrown at cold start, so a misconfigured function fails loudly. */
export class SettingsError extends Error {
  readonly variable: string;

  constructor(variable: string, value: string, expected: string) {
    super(`Invalid setting ${variable}="${value}": expected ${expected}`);
    this.name = 'SettingsError';
    this.variable = variable;
  }
}

/** How one variable's text becomes a value, and back. */
interface Parser<T> {
  /** What a valid value looks like, for the error message. */
  readonly expected: string;
  /** The value of a trimmed, non-empty text; `undefined` when it is not valid. */
  parse(text: string): T | undefined;
  format(value: T): string;
}

/** One variable of the contract. `F` is what an unset or empty variable means. */
export interface Setting<T, F = T> {
  readonly name: string;
  readonly doc: string;
  readonly parser: Parser<T>;
  /** The value when unset or empty; `REQUIRED` when the function cannot start without it. */
  readonly fallback: F | typeof REQUIRED;
}

/** The fallback of a variable the function cannot start without. */
export const REQUIRED: unique symbol = Symbol('required');

const WHOLE = /^\d+$/;

const text = (expected: string): Parser<string> => ({
  expected,
  parse: (value) => value,
  format: (value) => value,
});

const positiveNumber: Parser<number> = {
  expected: 'a positive number',
  parse: (value) => {
    const number = Number(value);
    return Number.isFinite(number) && number > 0 ? number : undefined;
  },
  format: String,
};

const positiveWholeNumber: Parser<number> = {
  expected: 'a positive whole number',
  parse: (value) => {
    const number = Number(value);
    return Number.isInteger(number) && number > 0 ? number : undefined;
  },
  format: String,
};

const wholeNumber = (max = Number.MAX_SAFE_INTEGER): Parser<number> => ({
  expected: max === Number.MAX_SAFE_INTEGER ? 'a whole number ≥ 0' : `a whole number from 0 to ${max}`,
  parse: (value) => (WHOLE.test(value) && Number(value) <= max ? Number(value) : undefined),
  format: String,
});

const flag: Parser<boolean> = {
  expected: 'true or false',
  parse: (value) => {
    const word = value.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(word)) return true;
    if (['false', '0', 'no', 'off'].includes(word)) return false;
    return undefined;
  },
  format: String,
};

const list: Parser<readonly string[]> = {
  expected: 'a comma-separated list',
  parse: (value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  format: (value) => value.join(','),
};

export const DEFAULT_STALL_AFTER_SECONDS = 3600;
/** The longest stall threshold: a week. The one rule for a threshold, at synth and at cold start. */
export const MAX_STALL_AFTER_SECONDS = 7 * 24 * 3600;

/** A stall threshold: whole seconds from 1 to a week, or `off` (no stall reports). */
export type StallAfter = number | 'off';

/** Whether `seconds` is a threshold the functions accept. */
export function isStallAfterSeconds(seconds: unknown): seconds is number {
  return (
    typeof seconds === 'number' &&
    Number.isInteger(seconds) &&
    seconds >= 1 &&
    seconds <= MAX_STALL_AFTER_SECONDS
  );
}

const stallAfter: Parser<StallAfter> = {
  expected: `a whole number of seconds from 1 to ${MAX_STALL_AFTER_SECONDS}, or off`,
  parse: (value) => {
    if (value.toLowerCase() === 'off') return 'off';
    return WHOLE.test(value) && isStallAfterSeconds(Number(value)) ? Number(value) : undefined;
  },
  format: String,
};

/** A target's account id and region, as the settings and the query CLI's filters take them. */
export const ACCOUNT_ID = /^\d{12}$/;
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** `accountId:region` items, comma-separated: `111122223333:eu-west-1,444455556666:us-east-1`. */
const targets: Parser<readonly Target[]> = {
  expected: 'a comma-separated list of <12-digit account id>:<region>',
  parse: (value) => {
    const items = value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    const parsed = items.map((item) => {
      const [accountId = '', region = '', ...rest] = item.split(':');
      return rest.length === 0 && ACCOUNT_ID.test(accountId) && REGION.test(region)
        ? { accountId, region }
        : undefined;
    });
    return parsed.every((target) => target !== undefined) ? parsed : undefined;
  },
  format: (value) => value.map(({ accountId, region }) => `${accountId}:${region}`).join(','),
};

/** Which job counts a poller publishes as metrics (docs/monitoring.md has what each costs). */
export const JOB_COUNT_MODES = ['off', 'nonzero', 'all'] as const;
export type JobCountMode = (typeof JOB_COUNT_MODES)[number];

const jobCountMode: Parser<JobCountMode> = {
  expected: JOB_COUNT_MODES.join(', '),
  parse: (value) => JOB_COUNT_MODES.find((mode) => mode === value.toLowerCase()),
  format: String,
};

/** An Organization root (`r-...`) or OU (`ou-...-...`) id, as Organizations writes them. */
export const ORGANIZATION_PARENT = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
/** An IAM role ARN (any partition). */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

const matching = (pattern: RegExp, expected: string): Parser<string> => ({
  expected,
  parse: (value) => (pattern.test(value) ? value : undefined),
  format: (value) => value,
});

const listOf = (pattern: RegExp, expected: string): Parser<readonly string[]> => ({
  expected,
  parse: (value) => {
    const items = list.parse(value) ?? [];
    return items.every((item) => pattern.test(item)) ? items : undefined;
  },
  format: (value) => value.join(','),
});

/** The longest history retention; 0 keeps history forever. */
export const MAX_HISTORY_RETENTION_DAYS = 3650;

const setting = <T, F = T>(
  name: string,
  parser: Parser<T>,
  fallback: F | typeof REQUIRED,
  doc: string,
): Setting<T, F> => ({ name, parser, fallback, doc });

/** Every variable a function reads. */
export const SETTINGS = {
  tableName: setting('JOBS_TABLE_NAME', text('a table name'), REQUIRED, 'The jobs table.'),
  historyRetentionDays: setting(
    'JOBS_HISTORY_RETENTION_DAYS',
    wholeNumber(MAX_HISTORY_RETENTION_DAYS),
    90,
    'Days until DynamoDB TTL deletes a history record; 0 keeps history forever.',
  ),
  progressIntervalSeconds: setting(
    'JOBS_PROGRESS_INTERVAL_SECONDS',
    wholeNumber(),
    300,
    'Least seconds between two progress-only writes of one job; 0 writes every progress change.',
  ),
  keepProgressHistory: setting(
    'JOBS_KEEP_PROGRESS_HISTORY',
    flag,
    false,
    'Also keep a history record for each progress change (never published).',
  ),
  scheduleSeconds: setting(
    'JOBS_SCHEDULE_SECONDS',
    positiveNumber,
    300,
    'How often the schedule runs this poller.',
  ),
  fullSweepSeconds: setting(
    'JOBS_FULL_SWEEP_SECONDS',
    positiveNumber,
    6 * 3600,
    'How often a full sweep (finished jobs too) runs where the API cannot filter by time.',
  ),
  recentWindowSeconds: setting<number, undefined>(
    'JOBS_RECENT_WINDOW_SECONDS',
    positiveNumber,
    undefined,
    'How far back a cycle lists; default twice the schedule, at least an hour (`recentWindowSecondsFor`).',
  ),
  quotaMultiplier: setting(
    'JOBS_QUOTA_MULTIPLIER',
    positiveNumber,
    1,
    "Calls are paced at the service's published rates times this (above 1 once quotas are raised).",
  ),
  progressRefreshSeconds: setting(
    'JOBS_PROGRESS_REFRESH_SECONDS',
    positiveNumber,
    300,
    'How often a running job whose list shows no progress is described for its progress.',
  ),
  progressRefreshLimit: setting<number, undefined>(
    'JOBS_PROGRESS_REFRESH_LIMIT',
    wholeNumber(),
    undefined,
    'Progress-only describes per cycle; 0 turns them off; default 30 s of the paced describe rate.',
  ),
  concurrency: setting('JOBS_CONCURRENCY', positiveNumber, 4, 'Jobs a poller works on at once.'),
  safetyMarginMs: setting(
    'JOBS_SAFETY_MARGIN_MS',
    positiveNumber,
    15_000,
    'A cycle starts no new work once less than this is left of the invocation.',
  ),
  stallAfterSeconds: setting(
    'JOBS_STALL_AFTER_SECONDS',
    stallAfter,
    DEFAULT_STALL_AFTER_SECONDS as StallAfter,
    "Seconds without a change after which a running job of this poller's service is reported stalled.",
  ),
  imagingManifestLocations: setting(
    'JOBS_IMAGING_MANIFEST_LOCATIONS',
    list,
    [] as readonly string[],
    'The s3://bucket/prefix locations the HealthImaging poller may read import manifests from.',
  ),
  targets: setting(
    'JOBS_TARGETS',
    targets,
    [] as readonly Target[],
    "Accounts and regions a hub poller watches, as accountId:region; none: the function's own.",
  ),
  memberRoleName: setting(
    'JOBS_MEMBER_ROLE_NAME',
    text('a role name'),
    DEFAULT_MEMBER_ROLE_NAME,
    'The role the poller assumes in each target account other than its own.',
  ),
  sdkMaxAttempts: setting<number, undefined>(
    'JOBS_SDK_MAX_ATTEMPTS',
    positiveWholeNumber,
    undefined,
    'Attempts per AWS call, the first included; unset: AWS_MAX_ATTEMPTS, the shared config, else 4.',
  ),
  sdkRequestTimeoutMs: setting(
    'JOBS_SDK_REQUEST_TIMEOUT_MS',
    positiveWholeNumber,
    10_000,
    'Time for one attempt of an AWS call, connection included.',
  ),
  eventBusName: setting(
    'JOBS_EVENT_BUS_NAME',
    text('a non-empty value'),
    REQUIRED,
    "The publisher's event bus, name or ARN.",
  ),
  deadLetterQueueUrl: setting(
    'JOBS_DLQ_URL',
    text('a non-empty value'),
    REQUIRED,
    "The dead-letter queue's URL, for events EventBridge refused for good.",
  ),
  backfillWindowSeconds: setting(
    'JOBS_BACKFILL_WINDOW_SECONDS',
    wholeNumber(),
    7 * 86_400,
    "How far back a poller's first run (per service and target) records jobs, finished ones too; 0: none.",
  ),
  publishBackfilled: setting(
    'JOBS_PUBLISH_BACKFILLED',
    flag,
    false,
    'Publish Job Status Changed for jobs a first run backfilled; by default they are recorded only.',
  ),
  imagingManifestWaitSeconds: setting(
    'JOBS_IMAGING_MANIFEST_WAIT_SECONDS',
    wholeNumber(),
    3600,
    'How long after a HealthImaging job completed its unwritten output manifest is looked for; 0: not at all.',
  ),
  jobCountMetrics: setting(
    'JOBS_COUNT_METRICS',
    jobCountMode,
    'off' as JobCountMode,
    'Job counts by status per run as metrics: off, nonzero (statuses with jobs), all (zeros too).',
  ),
  jobCountsPerTarget: setting(
    'JOBS_COUNTS_PER_TARGET',
    flag,
    false,
    "A hub's job counts per target (account and region) too, beside the service's totals.",
  ),
  organizationUnits: setting(
    'JOBS_ORGANIZATION_UNITS',
    listOf(ORGANIZATION_PARENT, 'a comma-separated list of OU ids (ou-...) or root ids (r-...)'),
    [] as readonly string[],
    'OUs whose active accounts (in every OU below too) a hub poller discovers and polls in each target region.',
  ),
  organizationRoleArn: setting<string, undefined>(
    'JOBS_ORGANIZATION_ROLE_ARN',
    matching(ROLE_ARN, 'an IAM role ARN'),
    undefined,
    "The role (management or delegated-administrator account) assumed to read the OUs; unset: the poller's own.",
  ),
  targetRegions: setting(
    'JOBS_TARGET_REGIONS',
    listOf(REGION, 'a comma-separated list of regions'),
    [] as readonly string[],
    "The regions polled in every discovered account; none: the function's own.",
  ),
  discoveryCacheSeconds: setting(
    'JOBS_DISCOVERY_CACHE_SECONDS',
    positiveNumber,
    900,
    'How long a discovered account list is used before the OUs are read again.',
  ),
  fanOutTargetsPerRun: setting(
    'JOBS_FAN_OUT_TARGETS_PER_RUN',
    wholeNumber(),
    0,
    'A scheduled hub run with more targets than this sends them in batches of at most this many to async runs of itself; 0: never.',
  ),
} as const;

export type SettingKey = keyof typeof SETTINGS;

/** The value a setting holds once parsed. */
export type SettingValue<K extends SettingKey> =
  (typeof SETTINGS)[K] extends Setting<infer T, unknown> ? T : never;

type ReadValue<K extends SettingKey> =
  (typeof SETTINGS)[K] extends Setting<infer T, infer F> ? T | Exclude<F, typeof REQUIRED> : never;

/** The SDK's own default for attempts, where neither ours nor a standard setting is given. */
export const DEFAULT_SDK_MAX_ATTEMPTS = 4;

/** Progress-only describes per cycle when not configured: this many seconds of the describe rate. */
export const PROGRESS_REFRESH_BUDGET_SECONDS = 30;

/** The default fallback of a setting that has one. */
export function defaultOf<K extends SettingKey>(key: K): Exclude<ReadValue<K>, typeof REQUIRED> {
  const { fallback } = SETTINGS[key] as Setting<unknown>;
  if (fallback === REQUIRED) throw new Error(`${SETTINGS[key].name} has no default`);
  return fallback as Exclude<ReadValue<K>, typeof REQUIRED>;
}

/** Twice the schedule, at least an hour: a missed or failed run does not lose a job that came and went. */
export function recentWindowSecondsFor(scheduleSeconds: number): number {
  return Math.max(3600, 2 * scheduleSeconds);
}

/** Parses one value as the functions will (throws a `SettingsError` naming the variable). */
export function parseSetting<K extends SettingKey>(key: K, raw: string): SettingValue<K> {
  const { name, parser } = SETTINGS[key] as Setting<SettingValue<K>>;
  const value = parser.parse(raw.trim());
  if (value === undefined) throw new SettingsError(name, raw, parser.expected);
  return value;
}

/** One variable from `env`: its fallback when unset or empty, else its parsed value. */
export function readSetting<K extends SettingKey>(env: Env, key: K): ReadValue<K> {
  const { name, parser, fallback } = SETTINGS[key] as Setting<unknown>;
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    if (fallback === REQUIRED) throw new SettingsError(name, raw ?? '', parser.expected);
    return fallback as ReadValue<K>;
  }
  return parseSetting(key, raw) as ReadValue<K>;
}

/** Values to write, by setting; an absent or undefined value is not written (the function's default). */
export type SettingsValues = { readonly [K in SettingKey]?: SettingValue<K> | undefined };

/** The variables for `values`, in the form the functions read them. */
export function settingsEnvironment(values: SettingsValues): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(values) as [SettingKey, unknown][]) {
    if (value === undefined) continue;
    const { name, parser } = SETTINGS[key] as Setting<unknown>;
    environment[name] = parser.format(value);
  }
  return environment;
}

/** The variable name of a setting, for tools that read or override it by name. */
export function variableOf(key: SettingKey): string {
  return SETTINGS[key].name;
}

/** What the store reads. */
export interface StoreEnvironmentSettings {
  readonly tableName: string;
  readonly historyRetentionDays: number;
  readonly progressIntervalSeconds: number;
  readonly keepProgressHistory: boolean;
}

export function readStoreSettings(env: Env): StoreEnvironmentSettings {
  return {
    tableName: readSetting(env, 'tableName'),
    historyRetentionDays: readSetting(env, 'historyRetentionDays'),
    progressIntervalSeconds: readSetting(env, 'progressIntervalSeconds'),
    keepProgressHistory: readSetting(env, 'keepProgressHistory'),
  };
}

/** What every AWS client reads; `maxAttempts` absent leaves attempts to the SDK's standard settings. */
export interface SdkSettings {
  readonly maxAttempts?: number;
  readonly requestTimeoutMs: number;
}

export function readSdkSettings(env: Env): SdkSettings {
  const maxAttempts = readSetting(env, 'sdkMaxAttempts');
  return {
    ...(maxAttempts !== undefined && { maxAttempts }),
    requestTimeoutMs: readSetting(env, 'sdkRequestTimeoutMs'),
  };
}

/** What a poller reads. */
export interface PollerSettings {
  readonly scheduleSeconds: number;
  readonly fullSweepSeconds: number;
  readonly quotaMultiplier: number;
  /** Undefined: `PROGRESS_REFRESH_BUDGET_SECONDS` of the paced describe rate. */
  readonly progressRefreshLimit: number | undefined;
  /** For this poller's own service; undefined: stalls are not reported. */
  readonly stallAfterSeconds: number | undefined;
  readonly policy: {
    readonly recentWindowSeconds: number;
    readonly sweepWindowSeconds: number;
    readonly progressRefreshSeconds: number;
    readonly concurrency: number;
    readonly safetyMarginMs: number;
    readonly backfillWindowSeconds: number;
  };
}

export function readPollerSettings(env: Env): PollerSettings {
  const scheduleSeconds = readSetting(env, 'scheduleSeconds');
  const fullSweepSeconds = readSetting(env, 'fullSweepSeconds');
  const stall = readSetting(env, 'stallAfterSeconds');
  return {
    scheduleSeconds,
    fullSweepSeconds,
    quotaMultiplier: readSetting(env, 'quotaMultiplier'),
    progressRefreshLimit: readSetting(env, 'progressRefreshLimit'),
    stallAfterSeconds: stall === 'off' ? undefined : stall,
    policy: {
      recentWindowSeconds: readSetting(env, 'recentWindowSeconds') ?? recentWindowSecondsFor(scheduleSeconds),
      sweepWindowSeconds: fullSweepSeconds + scheduleSeconds,
      progressRefreshSeconds: readSetting(env, 'progressRefreshSeconds'),
      concurrency: readSetting(env, 'concurrency'),
      safetyMarginMs: readSetting(env, 'safetyMarginMs'),
      backfillWindowSeconds: readSetting(env, 'backfillWindowSeconds'),
    },
  };
}

/** What the HealthImaging poller reads besides the poller settings. */
export function readHealthImagingSettings(env: Env): {
  readonly manifestLocations: readonly string[];
  readonly manifestWaitSeconds: number;
} {
  return {
    manifestLocations: readSetting(env, 'imagingManifestLocations'),
    manifestWaitSeconds: readSetting(env, 'imagingManifestWaitSeconds'),
  };
}

/** What the publisher reads. */
export interface PublisherSettings {
  readonly eventBusName: string;
  readonly deadLetterQueueUrl: string;
}

export function readPublisherSettings(env: Env): PublisherSettings {
  return {
    eventBusName: readSetting(env, 'eventBusName'),
    deadLetterQueueUrl: readSetting(env, 'deadLetterQueueUrl'),
  };
}

/** Where a poller looks: its targets (none: the function's own account and region) and the role to assume. */
export interface TargetSettings {
  readonly targets: readonly Target[];
  readonly memberRoleName: string;
  /** Present when OUs are named: their active accounts are polled too. */
  readonly discovery?: DiscoverySettings;
  /** Present when a scheduled run fans out: at most this many targets per run. */
  readonly fanOutTargetsPerRun?: number;
}

/** How a hub poller finds the accounts of Organization units. */
export interface DiscoverySettings {
  readonly organizationUnits: readonly string[];
  readonly roleArn: string | undefined;
  /** The regions of discovered accounts; none: the function's own. */
  readonly regions: readonly string[];
  readonly cacheSeconds: number;
}

export function readTargetSettings(env: Env): TargetSettings {
  const organizationUnits = readSetting(env, 'organizationUnits');
  const fanOutTargetsPerRun = readSetting(env, 'fanOutTargetsPerRun');
  return {
    ...(fanOutTargetsPerRun > 0 && { fanOutTargetsPerRun }),
    targets: readSetting(env, 'targets'),
    memberRoleName: readSetting(env, 'memberRoleName'),
    ...(organizationUnits.length > 0 && {
      discovery: {
        organizationUnits,
        roleArn: readSetting(env, 'organizationRoleArn'),
        regions: readSetting(env, 'targetRegions'),
        cacheSeconds: readSetting(env, 'discoveryCacheSeconds'),
      },
    }),
  };
}

/** Whether a poller watches targets (listed or discovered) rather than only its own account and region. */
export function watchesTargets(settings: TargetSettings): boolean {
  return settings.targets.length > 0 || settings.discovery !== undefined;
}

/** Which job counts a poller publishes (lambdas/handlers/observability.ts). */
export interface JobCountSettings {
  readonly mode: JobCountMode;
  readonly perTarget: boolean;
}

export function readJobCountSettings(env: Env): JobCountSettings {
  return { mode: readSetting(env, 'jobCountMetrics'), perTarget: readSetting(env, 'jobCountsPerTarget') };
}
