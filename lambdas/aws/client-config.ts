import { loadConfig } from '@smithy/core/config';
import { NODE_MAX_ATTEMPT_CONFIG_OPTIONS, NODE_RETRY_MODE_CONFIG_OPTIONS } from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_SDK_MAX_ATTEMPTS, defaultOf, readSdkSettings } from '../contract/settings.js';

/** Credentials as a client takes them: a provider it calls when it signs (and again as they near expiry). */
export type CredentialsProvider = () => Promise<{
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}>;

/** Settings every service client shares; read from the environment by `clientSettingsFromEnv`. */
export interface ClientSettings {
  readonly region?: string;
  /** Explicit endpoint; when absent the SDK still honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>. */
  readonly endpoint?: string;
  /**
   * Attempts per call including the first; bounded so one slow service cannot eat a whole run. When absent,
   * the SDK's standard settings decide (see `baseClientConfig`).
   */
  readonly maxAttempts?: number;
  /** Time for one attempt, connection included. */
  readonly requestTimeoutMs?: number;
  /** Credentials of another account (a hub's target); absent: the function's own, the SDK's default chain. */
  readonly credentials?: CredentialsProvider;
}

/** The project's defaults, where neither a setting of ours nor one of the SDK's standard ones is given. */
export const DEFAULT_MAX_ATTEMPTS = DEFAULT_SDK_MAX_ATTEMPTS;
const DEFAULT_RETRY_MODE = 'adaptive';
export const DEFAULT_REQUEST_TIMEOUT_MS = defaultOf('sdkRequestTimeoutMs');
const CONNECTION_TIMEOUT_MS = 3_000;

export function clientSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientSettings {
  return {
    ...(env.AWS_REGION && { region: env.AWS_REGION }),
    ...readSdkSettings(env),
  };
}

/**
 * The client configuration: a bounded attempt count, a retry mode, and a request timeout that really
 * aborts (`throwOnRequestTimeout`: without it a hung call only logs a warning and holds the Lambda until its
 * own timeout). Attempts: `settings.maxAttempts` (the contract's `sdkMaxAttempts`), else the SDK's standard
 * AWS_MAX_ATTEMPTS, else the profile's `max_attempts` in the shared config file, else 4. Retry mode:
 * AWS_RETRY_MODE, else the profile's `retry_mode`, else adaptive (client-side rate limiting plus back-off on
 * throttling and 5xx). The SDK's own loaders read them, so they mean what they mean to every other client.
 */
export function baseClientConfig(settings: ClientSettings) {
  const requestTimeout = settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    ...(settings.region && { region: settings.region }),
    ...(settings.endpoint && { endpoint: settings.endpoint }),
    ...(settings.credentials && { credentials: settings.credentials }),
    retryMode: loadConfig({ ...NODE_RETRY_MODE_CONFIG_OPTIONS, default: DEFAULT_RETRY_MODE }),
    maxAttempts:
      settings.maxAttempts ??
      loadConfig({ ...NODE_MAX_ATTEMPT_CONFIG_OPTIONS, default: DEFAULT_MAX_ATTEMPTS }),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout,
      throwOnRequestTimeout: true,
    }),
  } as const;
}

/**
 * True when this client will be sent to an overridden endpoint, explicit or through the SDK's standard
 * variables. HealthOmics then needs `disableHostPrefix`, or the SDK prepends `control-storage-` to the host.
 */
export function hasEndpointOverride(
  settings: ClientSettings,
  serviceEnvSuffix: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return Boolean(settings.endpoint ?? env[`AWS_ENDPOINT_URL_${serviceEnvSuffix}`] ?? env.AWS_ENDPOINT_URL);
}
