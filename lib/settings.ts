import { Aws, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Node } from 'constructs';
import { DEFAULT_MEMBER_ROLE_NAME } from '../lambdas/contract/hub.js';
import { serviceFacts } from '../lambdas/contract/services.js';
import {
  DEFAULT_STALL_AFTER_SECONDS,
  defaultOf,
  isStallAfterSeconds,
  MAX_HISTORY_RETENTION_DAYS,
  MAX_STALL_AFTER_SECONDS,
  ORGANIZATION_PARENT,
  ROLE_ARN,
} from '../lambdas/contract/settings.js';
import { isServiceId, SERVICE_IDS, type ServiceId } from '../lambdas/core/service-id.js';
import {
  MONITORING_CONTEXT_KEYS,
  type MonitoringSettings,
  monitoringFromContext,
  type ResolvedMonitoring,
  resolveMonitoring,
} from './monitoring-settings.js';

/**
 * The deployment settings, in CDK's own types. The app's CDK context keys have the same names
 * (`npx cdk deploy -c services=healthlake,healthomics -c schedule=healthlake=10`); bin/context.ts maps
 * them onto these, so an error names the key a user types. jsii-safe: plain strings where a value is one of
 * a list (validated here), `{ [service: string]: ... }` maps, no literal unions.
 */
export interface JobStatusAggregatorSettings extends MonitoringSettings {
  /**
   * Services to watch: `healthlake`, `healthimaging`, `healthomics`, `entityresolution`, `panorama`.
   * Default: every service the catalog enables by default (all but Panorama).
   */
  readonly services?: string[];
  /**
   * Poll schedule per service id, in whole minutes from 1 to 1440; services not named keep the catalog
   * default (5 minutes; 2 for Entity Resolution, which has no native events).
   */
  readonly schedule?: { [service: string]: Duration };
  /** An existing event bus to publish to. Default: a new custom bus. */
  readonly eventBus?: events.IEventBus;
  /** How long DynamoDB keeps history records before TTL deletes them: whole days, 1–3650; zero keeps them forever. Default 90 days. */
  readonly historyRetention?: Duration;
  /** How long CloudWatch Logs keeps function logs. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the table when the stack is deleted or the table replaced: RETAIN or DESTROY. Default RETAIN. */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /** Email addresses subscribed to a new alarm topic. */
  readonly alarmEmails?: string[];
  /** An existing standard (not FIFO) SNS topic for alarms, instead of a new one. */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Where the HealthImaging poller may read import output manifests (up to 20). Default: none, and then the
   * poller has no S3 access at all.
   */
  readonly imagingManifestLocations?: ManifestLocation[];
  /**
   * Time without a status or progress change after which a running job is reported stalled, per service
   * id: whole minutes up to 7 days; zero turns stall reports off for that service. Default 60 minutes.
   */
  readonly stallAfter?: { [service: string]: Duration };
  /** Keep a history record for progress changes too (more items; never published). Default false. */
  readonly keepProgressHistory?: boolean;
  /**
   * Where a list shows no progress (HealthOmics, Entity Resolution), how often a running job is described
   * for its progress alone, in whole minutes up to a day, within 30 s of the describe quota per cycle; zero:
   * only status changes are described. Default 5 minutes.
   */
  readonly progressRefresh?: Duration;
  /**
   * The accounts the hub watches (12-digit ids; the stack's own `Aws.ACCOUNT_ID` works too). Each account
   * other than the hub's runs the member stack. Default: the hub's own account.
   */
  readonly targetAccounts?: string[];
  /** The regions the hub watches in every target account. Default: the hub's own region. */
  readonly targetRegions?: string[];
  /**
   * The Organization (`o-...`) of the target accounts: the hub's bus admits its accounts' forwarded events
   * (`aws:PrincipalOrgID`) and the pollers may assume the member role in its accounts (`aws:ResourceOrgID`),
   * so accounts join without a change of IAM. `targetAccounts` still lists the accounts to poll.
   */
  readonly organizationId?: string;
  /** The read role the member stacks create and the pollers assume. Default `JobStatusAggregatorRead`. */
  readonly memberRoleName?: string;
  /**
   * Organization units (`ou-...`, or the root `r-...`) whose active accounts, in every OU below them too, the
   * pollers discover at the start of a cycle and poll in each of `targetRegions`, besides `targetAccounts`.
   * Needs `organizationId`. Default: none (no discovery).
   */
  readonly organizationUnits?: string[];
  /**
   * The role in the management or delegated-administrator account that the pollers assume to read the OUs.
   * Default: none, and then the hub itself must be that account (its pollers read the OUs with their own role).
   */
  readonly organizationRoleArn?: string;
  /**
   * A scheduled run with more targets than this hands them, in batches of at most this many, to asynchronous
   * runs of its own poller (1–1000). Default: none, and one run polls every target.
   */
  readonly fanOutTargetsPerRun?: number;
}

/** A bucket and a key prefix the HealthImaging poller may read manifests under (whole path segments). */
export interface ManifestLocation {
  readonly bucket: s3.IBucket;
  /** A plain prefix (no wildcard); `imports` and `imports/` both mean `imports/...`. Default: the whole bucket. */
  readonly prefix?: string;
}

/** An `s3://bucket/prefix` location; `prefix` is '' for a whole bucket and never ends with `/`. */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

/** A manifest location with its prefix normalized: '' for a whole bucket, never ending with `/`. */
export interface ResolvedManifestLocation {
  readonly bucket: s3.IBucket;
  readonly prefix: string;
}

/** An existing event bus, as a context value names it. */
export type EventBusReference =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'arn'; readonly arn: string; readonly region: string; readonly name: string };

/** Every setting with its default applied, validated, in the units the functions use. */
export interface ResolvedSettings {
  readonly services: readonly ServiceId[];
  /** For every enabled service. */
  readonly scheduleMinutes: Readonly<Partial<Record<ServiceId, number>>>;
  readonly eventBus: events.IEventBus | undefined;
  readonly historyRetentionDays: number;
  readonly logRetention: logs.RetentionDays;
  readonly tableRemovalPolicy: RemovalPolicy;
  readonly alarmEmails: readonly string[];
  readonly alarmTopic: sns.ITopic | undefined;
  readonly imagingManifestLocations: readonly ResolvedManifestLocation[];
  /** Seconds per enabled service; `undefined` when stall reports are off for it. */
  readonly stallAfterSeconds: Readonly<Partial<Record<ServiceId, number | undefined>>>;
  readonly keepProgressHistory: boolean;
  /** `undefined` when progress refreshes are off. */
  readonly progressRefreshSeconds: number | undefined;
  /** Undefined when no target is set: the hub watches its own account and region, exactly as before. */
  readonly targets: ResolvedTargets | undefined;
  /** Things a user should know but that do not stop synth (printed as CDK warnings). */
  readonly warnings: readonly SettingsWarning[];
  /** The dashboard, the job counts and the failed-jobs alarm (lib/monitoring-settings.ts). */
  readonly monitoring: ResolvedMonitoring;
}

/** The accounts × regions the hub polls; an account or region may be a token (the stack's own). */
export interface ResolvedTargets {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly organizationId: string | undefined;
  readonly memberRoleName: string;
  /** Present with OUs: their active accounts are polled besides `accounts`. */
  readonly discovery?: ResolvedDiscovery;
  /** Present when scheduled runs fan out. */
  readonly fanOutTargetsPerRun?: number;
}

export interface ResolvedDiscovery {
  readonly organizationUnits: readonly string[];
  /** The role that reads them; undefined: the pollers' own (the hub is the management account). */
  readonly organizationRoleArn: string | undefined;
}

export interface SettingsWarning {
  /** A stable id, so a warning can be acknowledged with `Validations.of(scope).acknowledge`. */
  readonly id: string;
  readonly message: string;
}

/** The context keys, equal to the settings' names. */
export const CONTEXT_KEYS = [
  'services',
  'schedule',
  'eventBus',
  'historyRetention',
  'logRetention',
  'tableRemovalPolicy',
  'alarmEmails',
  'alarmTopic',
  'imagingManifestLocations',
  'stallAfter',
  'keepProgressHistory',
  'progressRefresh',
  'targetAccounts',
  'targetRegions',
  'organizationId',
  'memberRoleName',
  ...MONITORING_CONTEXT_KEYS,
  'organizationUnits',
  'organizationRoleArn',
  'fanOutTargetsPerRun',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

// The functions' defaults and rules (lambdas/contract/settings.ts), in the units of the context keys.
export const DEFAULT_HISTORY_RETENTION_DAYS = defaultOf('historyRetentionDays');
export const DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;
export const DEFAULT_STALL_AFTER_MINUTES = DEFAULT_STALL_AFTER_SECONDS / 60;
export const DEFAULT_PROGRESS_REFRESH_MINUTES = defaultOf('progressRefreshSeconds') / 60;
/** The retention periods CloudWatch Logs accepts (`PutRetentionPolicy`), and INFINITE. */
export const LOG_RETENTION_DAYS: readonly number[] = Object.values(logs.RetentionDays).filter(
  (value): value is number => typeof value === 'number',
);
/** The removal policies the table takes. */
export const TABLE_REMOVAL_POLICIES: readonly RemovalPolicy[] = [RemovalPolicy.RETAIN, RemovalPolicy.DESTROY];
const MAX_SCHEDULE_MINUTES = 1440;
const MAX_STALL_AFTER_MINUTES = MAX_STALL_AFTER_SECONDS / 60;
const MAX_PROGRESS_REFRESH_MINUTES = 24 * 60;
const MAX_MANIFEST_LOCATIONS = 20;
const MAX_FAN_OUT_TARGETS_PER_RUN = 1000;

/** Every problem found in the settings, each naming its key, the value and what is allowed. */
export class SettingsError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid job-status-aggregator settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

export const DEFAULT_SERVICES: readonly ServiceId[] = SERVICE_IDS.filter(
  (id) => serviceFacts(id).enabledByDefault,
);

const ALLOWED_SERVICES = SERVICE_IDS.join(', ');

/** Applies defaults and validates; throws one `SettingsError` listing every problem. */
export function resolveSettings(input: JobStatusAggregatorSettings = {}): ResolvedSettings {
  const problems: string[] = [];
  const warnings: SettingsWarning[] = [];
  const services = resolveServices(input.services, problems, warnings);
  const scheduleMinutes = resolveSchedules(input.schedule, services, problems, warnings);
  const historyRetentionDays = resolveHistoryRetention(input.historyRetention, problems);

  const logRetention = input.logRetention ?? DEFAULT_LOG_RETENTION;
  if (!LOG_RETENTION_DAYS.includes(logRetention)) {
    problems.push(
      `logRetention: ${String(logRetention)} is not a retention CloudWatch Logs accepts. Allowed (days): ${LOG_RETENTION_DAYS.join(', ')}. Example: -c logRetention=90`,
    );
  }

  const tableRemovalPolicy = input.tableRemovalPolicy ?? RemovalPolicy.RETAIN;
  if (!TABLE_REMOVAL_POLICIES.includes(tableRemovalPolicy)) {
    problems.push(
      `tableRemovalPolicy: ${JSON.stringify(tableRemovalPolicy)} is not allowed. Allowed: ${TABLE_REMOVAL_POLICIES.join(', ')}. Example: -c tableRemovalPolicy=destroy`,
    );
  }

  const { alarmEmails, alarmTopic } = resolveAlarms(input, problems);
  const imagingManifestLocations = resolveManifestLocations(input.imagingManifestLocations ?? [], problems);
  if (imagingManifestLocations.length > 0 && !services.includes('healthimaging')) {
    warnings.push({
      id: 'job-status-aggregator:manifests-without-healthimaging',
      message:
        'imagingManifestLocations is set but healthimaging is not in services; no function reads them.',
    });
  }
  const stallAfterSeconds = resolveStallAfter(input.stallAfter, services, problems);

  const keepProgressHistory = input.keepProgressHistory ?? defaultOf('keepProgressHistory');
  if (typeof keepProgressHistory !== 'boolean') {
    problems.push(
      `keepProgressHistory: ${JSON.stringify(keepProgressHistory)} must be true or false. Example: -c keepProgressHistory=true`,
    );
  }
  const progressRefreshSeconds = resolveProgressRefresh(input.progressRefresh, problems);
  const targets = resolveTargets(input, problems);
  const monitoring = resolveMonitoring(input, targets !== undefined, problems);

  if (problems.length > 0) throw new SettingsError(problems);
  return {
    services,
    scheduleMinutes,
    eventBus: input.eventBus,
    historyRetentionDays,
    logRetention,
    tableRemovalPolicy,
    alarmEmails,
    alarmTopic,
    imagingManifestLocations,
    stallAfterSeconds,
    keepProgressHistory,
    progressRefreshSeconds,
    targets,
    warnings,
    monitoring,
  };
}

/**
 * The services and the manifest locations as the member stacks take them (plain `s3://` URIs: a member
 * account cannot reference the hub's bucket objects). Throws one `SettingsError` listing every problem.
 */
export function resolveServiceScope(input: {
  readonly services?: readonly string[];
  readonly imagingManifestLocations?: readonly string[];
}): { services: readonly ServiceId[]; imagingManifestLocations: readonly S3Location[] } {
  const problems: string[] = [];
  const services = resolveServices(input.services && [...input.services], problems, []);
  const imagingManifestLocations = parseManifestUris(input.imagingManifestLocations ?? [], problems);
  if (problems.length > 0) throw new SettingsError(problems);
  return { services, imagingManifestLocations };
}

function resolveServices(
  input: readonly string[] | undefined,
  problems: string[],
  warnings: SettingsWarning[],
): ServiceId[] {
  if (input === undefined) return [...DEFAULT_SERVICES];
  const services: ServiceId[] = [];
  if (input.length === 0) {
    problems.push(
      `services: at least one service is required. Allowed: ${ALLOWED_SERVICES}. Example: -c services=healthlake,healthomics`,
    );
  }
  for (const value of input) {
    if (!isServiceId(value)) {
      problems.push(
        `services: ${JSON.stringify(value)} is not a service. Allowed: ${ALLOWED_SERVICES}. Example: -c services=healthlake,healthomics`,
      );
    } else if (!services.includes(value)) {
      services.push(value);
    }
  }
  for (const id of services) {
    const notice = serviceFacts(id).deprecationNotice;
    if (notice) warnings.push({ id: `job-status-aggregator:${id}-end-of-support`, message: notice });
  }
  return services;
}

function resolveSchedules(
  input: { readonly [service: string]: Duration } | undefined,
  services: readonly ServiceId[],
  problems: string[],
  warnings: SettingsWarning[],
): Partial<Record<ServiceId, number>> {
  const scheduleMinutes: Partial<Record<ServiceId, number>> = {};
  for (const id of services) scheduleMinutes[id] = serviceFacts(id).defaultScheduleMinutes;
  for (const [key, value] of Object.entries(input ?? {})) {
    if (!isServiceId(key)) {
      problems.push(
        `schedule: ${JSON.stringify(key)} is not a service. Allowed: ${ALLOWED_SERVICES}. Example: -c schedule=healthlake=10,entityresolution=2`,
      );
      continue;
    }
    const minutes = wholeMinutes(value);
    if (minutes === undefined || minutes < 1 || minutes > MAX_SCHEDULE_MINUTES) {
      problems.push(
        `schedule: ${key}=${describeDuration(value)} must be a whole number of minutes from 1 to ${MAX_SCHEDULE_MINUTES}. Example: -c schedule=${key}=10 (minutes), or Duration.minutes(10)`,
      );
      continue;
    }
    if (!services.includes(key)) {
      warnings.push({
        id: 'job-status-aggregator:schedule-for-disabled-service',
        message: `schedule names ${key}, which is not in services; the value is ignored.`,
      });
      continue;
    }
    scheduleMinutes[key] = minutes;
  }
  return scheduleMinutes;
}

function resolveHistoryRetention(input: Duration | undefined, problems: string[]): number {
  if (input === undefined) return DEFAULT_HISTORY_RETENTION_DAYS;
  const seconds = durationSeconds(input);
  const days = seconds !== undefined && seconds % 86_400 === 0 ? seconds / 86_400 : undefined;
  if (days === undefined || days > MAX_HISTORY_RETENTION_DAYS) {
    problems.push(
      `historyRetention: ${describeDuration(input)} must be a whole number of days from 1 to ${MAX_HISTORY_RETENTION_DAYS}, or zero to keep history forever. Example: -c historyRetention=365 (days), or Duration.days(365)`,
    );
    return DEFAULT_HISTORY_RETENTION_DAYS;
  }
  return days;
}

function resolveAlarms(
  input: JobStatusAggregatorSettings,
  problems: string[],
): { alarmEmails: readonly string[]; alarmTopic: sns.ITopic | undefined } {
  const alarmEmails = [...new Set(input.alarmEmails ?? [])];
  // An address may be a token (a parameter): it resolves at deploy time.
  for (const email of alarmEmails.filter((e) => !Token.isUnresolved(e) && !EMAIL.test(e))) {
    problems.push(
      `alarmEmails: ${JSON.stringify(email)} is not an email address. Example: -c alarmEmails=ops@example.com`,
    );
  }
  const alarmTopic = input.alarmTopic;
  if (alarmTopic?.fifo) {
    problems.push('alarmTopic: a FIFO topic; CloudWatch alarms notify standard SNS topics only.');
  }
  if (alarmTopic && alarmEmails.length > 0) {
    problems.push(
      'alarmEmails and alarmTopic: set one of them, not both. alarmEmails subscribes addresses to a new topic; to add an address to an existing topic, subscribe it to that topic.',
    );
  }
  return { alarmEmails, alarmTopic };
}

function resolveManifestLocations(
  locations: readonly ManifestLocation[],
  problems: string[],
): ResolvedManifestLocation[] {
  if (locations.length > MAX_MANIFEST_LOCATIONS) {
    problems.push(
      `imagingManifestLocations: ${locations.length} locations; at most ${MAX_MANIFEST_LOCATIONS} are allowed (use a common prefix).`,
    );
  }
  const resolved: ResolvedManifestLocation[] = [];
  for (const { bucket, prefix = '' } of locations) {
    // A prefix that is a token resolves at deploy time; only a literal one can be checked here.
    if (!Token.isUnresolved(prefix) && !isPlainPrefix(prefix)) {
      problems.push(
        `imagingManifestLocations: prefix ${JSON.stringify(prefix)} has a wildcard or an empty path segment; give a plain prefix. Example: -c imagingManifestLocations=s3://my-bucket/imports/`,
      );
      continue;
    }
    const normalized = Token.isUnresolved(prefix) ? prefix : prefix.replace(/\/+$/, '');
    if (!resolved.some((l) => l.bucket === bucket && l.prefix === normalized)) {
      resolved.push({ bucket, prefix: normalized });
    }
  }
  return resolved;
}

function resolveStallAfter(
  input: { readonly [service: string]: Duration } | undefined,
  services: readonly ServiceId[],
  problems: string[],
): Partial<Record<ServiceId, number | undefined>> {
  const stallAfterSeconds: Partial<Record<ServiceId, number | undefined>> = {};
  for (const id of services) stallAfterSeconds[id] = DEFAULT_STALL_AFTER_MINUTES * 60;
  for (const [key, value] of Object.entries(input ?? {})) {
    if (!isServiceId(key)) {
      problems.push(
        `stallAfter: ${JSON.stringify(key)} is not a service. Allowed: ${ALLOWED_SERVICES}. Example: -c stallAfter=healthlake=120,healthomics=off`,
      );
      continue;
    }
    const minutes = wholeMinutes(value);
    if (minutes === undefined || (minutes !== 0 && !isStallAfterSeconds(minutes * 60))) {
      problems.push(
        `stallAfter: ${key}=${describeDuration(value)} must be a whole number of minutes from 1 to ${MAX_STALL_AFTER_MINUTES}, or zero (off). Example: -c stallAfter=${key}=120 (minutes) or ${key}=off`,
      );
      continue;
    }
    if (services.includes(key)) stallAfterSeconds[key] = minutes === 0 ? undefined : minutes * 60;
  }
  return stallAfterSeconds;
}

/** Seconds, or undefined when progress refreshes are off (zero). */
function resolveProgressRefresh(input: Duration | undefined, problems: string[]): number | undefined {
  if (input === undefined) return DEFAULT_PROGRESS_REFRESH_MINUTES * 60;
  const minutes = wholeMinutes(input);
  if (minutes === undefined || minutes > MAX_PROGRESS_REFRESH_MINUTES) {
    problems.push(
      `progressRefresh: ${describeDuration(input)} must be a whole number of minutes from 1 to ${MAX_PROGRESS_REFRESH_MINUTES}, or zero (off). Example: -c progressRefresh=off`,
    );
    return undefined;
  }
  return minutes === 0 ? undefined : minutes * 60;
}

/** A duration's seconds; undefined for a token or a value that is not a Duration. */
function durationSeconds(value: unknown): number | undefined {
  if (!(value instanceof Duration) || value.isUnresolved()) return undefined;
  const seconds = value.toMilliseconds() / 1000;
  return Number.isInteger(seconds) && seconds >= 0 ? seconds : undefined;
}

function wholeMinutes(value: unknown): number | undefined {
  const seconds = durationSeconds(value);
  return seconds !== undefined && seconds % 60 === 0 ? seconds / 60 : undefined;
}

function describeDuration(value: unknown): string {
  return value instanceof Duration ? value.toHumanString() : JSON.stringify(value);
}

function isPlainPrefix(prefix: string): boolean {
  return !/[*?]/.test(prefix) && !prefix.includes('//') && !prefix.startsWith('/');
}

/**
 * The app's settings as CDK context gives them: the same keys as the props, plain values in the units the
 * deploy guide names (minutes, days, `off`), references as names, ARNs and `s3://` URIs. bin/context.ts maps
 * them onto the props; the member app reads `services`, `imagingManifestLocations` and `targetRegions`.
 */
export interface ContextSettings extends MonitoringSettings {
  readonly services?: readonly ServiceId[];
  readonly schedule?: Readonly<Record<string, unknown>>;
  readonly eventBus?: string;
  readonly historyRetention?: number;
  readonly logRetention?: number;
  readonly tableRemovalPolicy?: string;
  readonly alarmEmails?: readonly string[];
  readonly alarmTopic?: string;
  readonly imagingManifestLocations?: readonly string[];
  readonly stallAfter?: Readonly<Record<string, unknown>>;
  readonly keepProgressHistory?: boolean;
  readonly progressRefresh?: unknown;
  readonly targetAccounts?: readonly string[];
  readonly targetRegions?: readonly string[];
  readonly organizationId?: string;
  readonly memberRoleName?: string;
  readonly organizationUnits?: readonly string[];
  readonly organizationRoleArn?: string;
  readonly fanOutTargetsPerRun?: number;
}

/**
 * The settings from CDK context. A value may come from `cdk.json` (JSON: arrays, objects, numbers) or
 * from `-c key=value` (always a string: lists are comma-separated, maps are `service=value` pairs).
 * Throws a `SettingsError` naming each key whose value does not even parse; ranges are checked when the
 * values become props (bin/context.ts, then `resolveSettings`).
 */
export function settingsFromContext(node: Node): ContextSettings {
  const problems: string[] = [];
  const read = (key: ContextKey): unknown => contextValue(node, key, problems);
  const settings: Mutable<ContextSettings> = {};
  const services = asList(read('services'), 'services', problems);
  if (services !== undefined) settings.services = services as ServiceId[];

  // A bare value (`-c schedule=10`) applies to every enabled service.
  const enabled = (services ?? DEFAULT_SERVICES).filter(isServiceId);
  const schedule = asMap(read('schedule'), 'schedule', problems, enabled, (v) => asNumber(v));
  if (schedule !== undefined) settings.schedule = schedule;
  const eventBus = asText(read('eventBus'), 'eventBus', problems);
  if (eventBus !== undefined) settings.eventBus = eventBus;
  const history = asNumberSetting(read('historyRetention'), 'historyRetention', problems);
  if (history !== undefined) settings.historyRetention = history;
  const logs = asNumberSetting(read('logRetention'), 'logRetention', problems);
  if (logs !== undefined) settings.logRetention = logs;
  const removal = asText(read('tableRemovalPolicy'), 'tableRemovalPolicy', problems);
  if (removal !== undefined) settings.tableRemovalPolicy = removal.trim().toLowerCase();
  const emails = asList(read('alarmEmails'), 'alarmEmails', problems);
  if (emails !== undefined) settings.alarmEmails = emails;
  const topic = asText(read('alarmTopic'), 'alarmTopic', problems);
  if (topic !== undefined) settings.alarmTopic = topic.trim();
  const manifests = asList(read('imagingManifestLocations'), 'imagingManifestLocations', problems);
  if (manifests !== undefined) settings.imagingManifestLocations = manifests;
  const stall = asMap(read('stallAfter'), 'stallAfter', problems, enabled, asOffOrNumber);
  if (stall !== undefined) settings.stallAfter = stall;
  const progress = asBoolean(read('keepProgressHistory'), 'keepProgressHistory', problems);
  if (progress !== undefined) settings.keepProgressHistory = progress;
  const refresh = read('progressRefresh');
  if (refresh !== undefined) settings.progressRefresh = asOffOrNumber(refresh);

  const accounts = asList(read('targetAccounts'), 'targetAccounts', problems);
  if (accounts !== undefined) settings.targetAccounts = accounts;
  const regions = asList(read('targetRegions'), 'targetRegions', problems);
  if (regions !== undefined) settings.targetRegions = regions;
  const organization = asText(read('organizationId'), 'organizationId', problems);
  if (organization !== undefined) settings.organizationId = organization;
  // Untrimmed, so the problem reads as the member stacks' reading of the same key does.
  const roleName = asText(node.tryGetContext('memberRoleName'), 'memberRoleName', problems);
  if (roleName !== undefined) settings.memberRoleName = roleName;
  Object.assign(settings, monitoringFromContext(read));
  const units = asList(read('organizationUnits'), 'organizationUnits', problems);
  if (units !== undefined) settings.organizationUnits = units;
  const organizationRole = asText(read('organizationRoleArn'), 'organizationRoleArn', problems);
  if (organizationRole !== undefined) settings.organizationRoleArn = organizationRole.trim();
  const perRun = asNumberSetting(read('fanOutTargetsPerRun'), 'fanOutTargetsPerRun', problems);
  if (perRun !== undefined) settings.fanOutTargetsPerRun = perRun;

  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

function asBoolean(value: unknown, key: string, problems: string[]): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  problems.push(`${key}: ${JSON.stringify(value)} must be true or false. Example: -c ${key}=true`);
  return undefined;
}

export const ACCOUNT_ID = /^\d{12}$/;
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** IAM's role name characters and length. */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * The targets, when any target setting is given. Tokens (the stack's own account or region) pass as they
 * are: they resolve at deploy time.
 */
function resolveTargets(input: JobStatusAggregatorSettings, problems: string[]): ResolvedTargets | undefined {
  const { targetAccounts, targetRegions, organizationId } = input;
  const organizationUnits = [...new Set(input.organizationUnits ?? [])];
  const organizationRoleArn = input.organizationRoleArn;
  const memberRoleName = input.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME;
  if (!ROLE_NAME.test(memberRoleName)) {
    problems.push(
      `memberRoleName: ${JSON.stringify(memberRoleName)} is not an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -). Example: -c memberRoleName=JobStatusAggregatorRead`,
    );
  }
  if (
    targetAccounts === undefined &&
    targetRegions === undefined &&
    organizationId === undefined &&
    input.organizationUnits === undefined
  ) {
    problems.push(...discoveryProblems(input, organizationUnits));
    if (input.fanOutTargetsPerRun !== undefined) {
      problems.push(
        'fanOutTargetsPerRun: fan-out splits a hub’s targets; set targetAccounts, targetRegions or organizationUnits too. Example: -c targetAccounts=111122223333,444455556666',
      );
    }
    return undefined;
  }
  const literal = (value: string) => !Token.isUnresolved(value);
  const discovers = organizationUnits.length > 0;
  // With OUs the accounts come from the Organization; listed accounts are polled besides them.
  const accounts = [...new Set(targetAccounts ?? (discovers ? [] : [Aws.ACCOUNT_ID]))];
  const regions = [...new Set(targetRegions ?? [Aws.REGION])];
  if (accounts.length === 0 && !discovers) {
    problems.push(
      'targetAccounts: at least one account is required. Example: -c targetAccounts=111122223333,444455556666',
    );
  }
  for (const account of accounts.filter((a) => literal(a) && !ACCOUNT_ID.test(a))) {
    problems.push(
      `targetAccounts: ${JSON.stringify(account)} is not a 12-digit account id. Example: -c targetAccounts=111122223333,444455556666`,
    );
  }
  if (regions.length === 0) {
    problems.push(
      'targetRegions: at least one region is required. Example: -c targetRegions=eu-west-1,us-east-1',
    );
  }
  for (const region of regions.filter((r) => literal(r) && !REGION.test(r))) {
    problems.push(
      `targetRegions: ${JSON.stringify(region)} is not a region. Example: -c targetRegions=eu-west-1,us-east-1`,
    );
  }
  if (organizationId !== undefined) {
    if (!ORGANIZATION_ID.test(organizationId)) {
      problems.push(
        `organizationId: ${JSON.stringify(organizationId)} is not an Organization id (o- and 10-32 lowercase letters or digits). Example: -c organizationId=o-a1b2c3d4e5`,
      );
    }
    if (targetAccounts === undefined && !discovers) {
      problems.push(
        'organizationId: also list the accounts to poll in targetAccounts; the Organization decides who may forward events and which roles the pollers may assume, not which accounts they poll. Example: -c targetAccounts=111122223333,444455556666',
      );
    }
  }
  problems.push(...discoveryProblems(input, organizationUnits));
  const perRun = input.fanOutTargetsPerRun;
  if (perRun !== undefined && !isWholeNumberIn(perRun, 1, MAX_FAN_OUT_TARGETS_PER_RUN)) {
    problems.push(
      `fanOutTargetsPerRun: ${JSON.stringify(perRun)} must be a whole number of targets from 1 to ${MAX_FAN_OUT_TARGETS_PER_RUN}. Example: -c fanOutTargetsPerRun=25`,
    );
  }
  return {
    accounts,
    regions,
    organizationId,
    memberRoleName,
    ...(discovers && { discovery: { organizationUnits, organizationRoleArn } }),
    ...(perRun !== undefined && { fanOutTargetsPerRun: perRun }),
  };
}

/** What is wrong with the discovery settings: OU ids, the role's ARN, and the Organization they need. */
function discoveryProblems(input: JobStatusAggregatorSettings, units: readonly string[]): string[] {
  const problems: string[] = [];
  if (input.organizationUnits !== undefined && units.length === 0) {
    problems.push(
      'organizationUnits: at least one OU is required. Example: -c organizationUnits=ou-ab12-cdef3456',
    );
  }
  for (const unit of units.filter((u) => !ORGANIZATION_PARENT.test(u))) {
    problems.push(
      `organizationUnits: ${JSON.stringify(unit)} is not an OU id (ou-...-...) or a root id (r-...). Example: -c organizationUnits=ou-ab12-cdef3456,ou-ab12-9876fedc`,
    );
  }
  if (units.length > 0 && input.organizationId === undefined) {
    problems.push(
      'organizationUnits: set organizationId too; discovered accounts join without an IAM change only through the Organization (the bus policy and the member-role grant). Example: -c organizationId=o-a1b2c3d4e5',
    );
  }
  const role = input.organizationRoleArn;
  if (role !== undefined && !Token.isUnresolved(role) && !ROLE_ARN.test(role)) {
    problems.push(
      `organizationRoleArn: ${JSON.stringify(role)} is not an IAM role ARN. Example: -c organizationRoleArn=arn:aws:iam::111122223333:role/JobStatusAggregatorOrganizationRead`,
    );
  }
  if (role !== undefined && units.length === 0) {
    problems.push(
      'organizationRoleArn: it is the role that reads organizationUnits; set organizationUnits too. Example: -c organizationUnits=ou-ab12-cdef3456',
    );
  }
  return problems;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/([/.\-_A-Za-z0-9]{1,256})$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** A context value naming an existing bus: a name, or the ARN of a bus in any account. */
export function parseEventBus(value: string): EventBusReference | string {
  const example =
    'Example: -c eventBus=my-bus or -c eventBus=arn:aws:events:eu-west-1:123456789012:event-bus/my-bus';
  const text = value.trim();
  const arn = BUS_ARN.exec(text);
  if (arn) {
    const [, region = '', , name = ''] = arn;
    return { kind: 'arn', arn: text, region, name };
  }
  if (text.startsWith('arn:')) {
    return `eventBus: ${JSON.stringify(value)} is not an event bus ARN (arn:<partition>:events:<region>:<account>:event-bus/<name>). ${example}`;
  }
  if (!BUS_NAME.test(text)) {
    return `eventBus: ${JSON.stringify(value)} is not an event bus name (1-256 of A-Z a-z 0-9 . - _ /). ${example}`;
  }
  if (text.startsWith('aws.')) {
    return `eventBus: ${JSON.stringify(value)} is a partner event bus; the aggregator cannot publish to it. ${example}`;
  }
  return { kind: 'name', name: text };
}

/** One `s3://bucket/prefix` URI, or the problem with it. */
export function parseS3Location(value: string): S3Location | string {
  const example = 'Example: -c imagingManifestLocations=s3://my-bucket/imports/,s3://other-bucket/dicom/';
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value.trim());
  const bucket = match?.[1] ?? '';
  const rawPrefix = match?.[2] ?? '';
  if (!match || !BUCKET.test(bucket) || bucket.includes('..')) {
    return `imagingManifestLocations: ${JSON.stringify(value)} is not s3://<bucket>/<prefix> with a valid bucket name. ${example}`;
  }
  if (/[*?]/.test(rawPrefix) || rawPrefix.includes('//') || rawPrefix.startsWith('/')) {
    return `imagingManifestLocations: ${JSON.stringify(value)} has a prefix with a wildcard or an empty path segment; give a plain prefix. ${example}`;
  }
  // A prefix names a folder: `imports` and `imports/` both mean `imports/...`, never `imports-old/...`.
  return { bucket, prefix: rawPrefix.replace(/\/+$/, '') };
}

/** `s3://` URIs as locations, without repeats; each bad one is a problem. */
export function parseManifestUris(values: readonly string[], problems: string[]): S3Location[] {
  if (values.length > MAX_MANIFEST_LOCATIONS) {
    problems.push(
      `imagingManifestLocations: ${values.length} locations; at most ${MAX_MANIFEST_LOCATIONS} are allowed (use a common prefix).`,
    );
  }
  const locations: S3Location[] = [];
  for (const value of values) {
    const parsed = parseS3Location(value);
    if (typeof parsed === 'string') problems.push(parsed);
    else if (!locations.some((l) => l.bucket === parsed.bucket && l.prefix === parsed.prefix))
      locations.push(parsed);
  }
  return locations;
}

function asNumber(value: unknown): unknown {
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return value;
}

/** `off` (any case) as itself; anything else as `asNumber` reads it. */
function asOffOrNumber(value: unknown): unknown {
  return typeof value === 'string' && value.trim().toLowerCase() === 'off' ? 'off' : asNumber(value);
}

function asNumberSetting(value: unknown, key: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  const number = asNumber(value);
  if (typeof number !== 'number') {
    problems.push(`${key}: ${JSON.stringify(value)} is not a number. Example: -c ${key}=90`);
    return undefined;
  }
  return number;
}

function asText(value: unknown, key: string, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(`${key}: ${JSON.stringify(value)} must be a non-empty string.`);
    return undefined;
  }
  return value;
}

/**
 * A context value as given: cdk.json's JSON, or a `-c key=value` string, parsed as JSON where it looks like
 * JSON (`-c key=["a","b"]`). A string that looks like JSON but does not parse is a problem.
 */
export function contextValue(node: Node, key: string, problems: string[]): unknown {
  const value: unknown = node.tryGetContext(key);
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[') || text.startsWith('{')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      problems.push(`${key}: ${JSON.stringify(text)} looks like JSON but does not parse.`);
      return undefined;
    }
  }
  return text;
}

/** A JSON array of strings or a comma-separated string, trimmed; anything else is a problem. */
export function asList(value: unknown, key: string, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.map((item: string) => item.trim());
  }
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  problems.push(
    `${key}: ${JSON.stringify(value)} must be a comma-separated list or a JSON array of strings.`,
  );
  return undefined;
}

/**
 * A per-service map: a JSON object, `service=value` pairs (`healthlake=10,entityresolution=2`, `:` also
 * works), or one bare value for every enabled service.
 */
function asMap(
  value: unknown,
  key: string,
  problems: string[],
  enabled: readonly ServiceId[],
  convert: (raw: unknown) => unknown,
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  const everyService = (raw: unknown) => Object.fromEntries(enabled.map((id) => [id, convert(raw)]));
  if (typeof value === 'number') return everyService(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.trim(), convert(v)]));
  }
  if (typeof value !== 'string') {
    problems.push(`${key}: ${JSON.stringify(value)} must be service=value pairs, e.g. healthlake=10.`);
    return undefined;
  }
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 1 && items[0] !== undefined && !/[=:]/.test(items[0])) return everyService(items[0]);
  const result: Record<string, unknown> = {};
  for (const item of items) {
    const match = /^([^=:]+)[=:](.*)$/.exec(item);
    if (!match) {
      problems.push(
        `${key}: ${JSON.stringify(item)} is not service=value (e.g. ${key}=healthlake=10,entityresolution=2).`,
      );
      continue;
    }
    const service = (match[1] ?? '').trim();
    if (Object.hasOwn(result, service)) {
      problems.push(`${key}: ${service} is given twice.`);
      continue;
    }
    result[service] = convert((match[2] ?? '').trim());
  }
  return result;
}

export const DEFAULT_STACK_NAME = 'JobStatusAggregator';

/** The stack name from context key `stackName` (several aggregators can live in one account). */
export function stackNameFromContext(node: Node): string {
  const value: unknown = node.tryGetContext('stackName');
  if (value === undefined) return DEFAULT_STACK_NAME;
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(value)) {
    throw new SettingsError([
      `stackName: ${JSON.stringify(value)} is not a stack name (a letter, then up to 127 letters, digits or hyphens). Example: -c stackName=JobStatusAggregator-prod`,
    ]);
  }
  return value;
}

function isWholeNumberIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
