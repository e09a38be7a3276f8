import type { Target } from '../../lambdas/contract/hub.js';
import { serviceFacts } from '../../lambdas/contract/services.js';
import {
  DEFAULT_STALL_AFTER_SECONDS,
  parseSetting,
  settingsEnvironment,
} from '../../lambdas/contract/settings.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { RunnerOptions } from './options.js';

/**
 * The environment the handlers run with in local mode: the same variables the stack sets on the deployed
 * functions, plus the SDK's standard endpoint variables (`AWS_ENDPOINT_URL_<SERVICE>`) where something local
 * stands in for AWS. The handlers read nothing else, so nothing in them knows it is local.
 *
 * Simulator mode points every client at this machine and uses throwaway credentials, so no request can
 * reach a real account. Real mode leaves the service clients to the user's own credentials, region and
 * endpoint settings (a user's `AWS_ENDPOINT_URL_*` is honoured, which is how the tests drive it with fakes);
 * only the table (DynamoDB Local unless `--table`), the bus (the stand-in unless `--bus`) and the
 * dead-letter queue (always the stand-in's) are set here.
 */

export const LOCAL_ACCOUNT_ID = '123456789012';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_BUS_NAME = 'job-events';
/** Credentials for everything local. DynamoDB Local keeps one database per access key id and region. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** Where each part runs; absent parts are not local. */
export interface LocalEndpoints {
  /** DynamoDB Local; absent with `--table`. */
  readonly dynamodb?: string;
  /** The simulator's fakes, by service; absent in real mode. */
  readonly services?: ReadonlyMap<ServiceId, string>;
  /** The simulator's S3 (HealthImaging manifests). */
  readonly s3?: string;
  readonly s3ManifestLocation?: string;
  /** The STS stand-in, and the accounts and regions the pollers watch through it (`--accounts`, `--regions`). */
  readonly sts?: string;
  readonly targets?: readonly Target[];
  /** The EventBridge stand-in; absent with `--bus`. */
  readonly events?: string;
  readonly deadLetters: string;
  readonly deadLetterQueueUrl: string;
}

export interface HandlerEnvironment {
  /** Variables to set. */
  readonly set: Readonly<Record<string, string>>;
  /** Variables to remove (a user's profile or session token must not leak into simulator mode). */
  readonly unset: readonly string[];
}

/** Tuning the user may override from their shell; local mode only supplies defaults. */
function tuning(options: RunnerOptions, userEnv: NodeJS.ProcessEnv): Record<string, string> {
  const interval = options.intervalSeconds;
  const defaults: Record<string, string> = {
    ...settingsEnvironment({
      scheduleSeconds: Math.max(1, Math.round(interval)),
      // Running jobs whose list items carry no counters are described every other cycle for progress.
      progressRefreshSeconds: Math.max(1, Math.round(interval * 2)),
      progressIntervalSeconds: Math.max(1, Math.round(interval * 2)),
      stallAfterSeconds: parseSetting('stallAfterSeconds', options.stallAfter ?? defaultStallAfter(options)),
      // The pollers pace their calls at each service's published rates. The simulator enforces none, so
      // local mode paces 20 times faster; real mode keeps the real rates.
      ...(options.mode === 'simulator' && { quotaMultiplier: 20 }),
    }),
    POWERTOOLS_LOG_LEVEL: options.verbose ? 'INFO' : 'SILENT',
    POWERTOOLS_METRICS_DISABLED: options.verbose ? 'false' : 'true',
  };
  return Object.fromEntries(
    Object.entries(defaults).filter(([name]) => userEnv[name] === undefined || userEnv[name] === ''),
  );
}

/**
 * Twice the longest usual working phase of a simulated job (24 cycles at speed 1, fewer at higher speeds):
 * the simulator's slow jobs stall, the others do not, even when cycles run somewhat late. Real mode keeps
 * the stack's default of one hour.
 */
export function defaultStallAfter(
  options: Pick<RunnerOptions, 'intervalSeconds' | 'speed' | 'mode'>,
): string {
  if (options.mode === 'real') return String(DEFAULT_STALL_AFTER_SECONDS);
  const cycles = Math.max(3, Math.ceil(24 / options.speed));
  return String(Math.max(1, Math.round(cycles * options.intervalSeconds)));
}

/** The variables for the handlers, from the options, the user's environment and what runs locally. */
export function handlerEnvironment(
  options: RunnerOptions,
  userEnv: NodeJS.ProcessEnv,
  endpoints: LocalEndpoints,
  resolved: { readonly region: string; readonly tableName: string },
): HandlerEnvironment {
  const set: Record<string, string> = {
    ...tuning(options, userEnv),
    AWS_REGION: resolved.region,
    AWS_DEFAULT_REGION: resolved.region,
    ...settingsEnvironment({
      tableName: resolved.tableName,
      eventBusName: options.bus ?? LOCAL_BUS_NAME,
      deadLetterQueueUrl: endpoints.deadLetterQueueUrl,
    }),
    AWS_ENDPOINT_URL_SQS: endpoints.deadLetters,
  };
  const unset: string[] = [];
  if (endpoints.dynamodb) set.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  if (endpoints.events) set.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoints.events;

  if (options.mode === 'simulator') {
    set.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
    set.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
    unset.push('AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL');
    for (const [service, endpoint] of endpoints.services ?? []) {
      set[`AWS_ENDPOINT_URL_${serviceFacts(service).endpointEnvSuffix}`] = endpoint;
    }
    if (endpoints.s3) set.AWS_ENDPOINT_URL_S3 = endpoints.s3;
    if (endpoints.sts) set.AWS_ENDPOINT_URL_STS = endpoints.sts;
    if (endpoints.targets) Object.assign(set, settingsEnvironment({ targets: endpoints.targets }));
    if (endpoints.s3ManifestLocation) {
      Object.assign(set, settingsEnvironment({ imagingManifestLocations: [endpoints.s3ManifestLocation] }));
    }
  }
  return { set, unset };
}

/** Applies an environment to `env` and returns what undoes it. */
export function applyEnvironment(environment: HandlerEnvironment, env: NodeJS.ProcessEnv): () => void {
  const names = [...Object.keys(environment.set), ...environment.unset];
  const saved = new Map(names.map((name) => [name, env[name]]));
  for (const name of environment.unset) delete env[name];
  Object.assign(env, environment.set);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
  };
}
