import { AggregatorError } from './errors.js';
import { isServiceId, type ServiceId } from './service-id.js';

/**
 * Identifies one job across services, accounts and regions. `scope` is the container the job id is unique
 * in: data store id (HealthLake, HealthImaging), reference store id (HealthOmics), workflow name (Entity
 * Resolution); Panorama job ids are account-wide, so it has none.
 */
export interface JobKey {
  readonly service: ServiceId;
  readonly region?: string;
  readonly accountId?: string;
  readonly scope?: string;
  readonly jobId: string;
}

const SEPARATOR = '/';

/**
 * A stable string form, `service/region/account/scope/jobId`, each part URI-encoded (ids may hold `/` and
 * `:`), absent parts empty. It is the DynamoDB partition key and the key users pass to the CLI.
 */
export function formatJobKey(key: JobKey): string {
  return [key.service, key.region ?? '', key.accountId ?? '', key.scope ?? '', key.jobId]
    .map(encodeURIComponent)
    .join(SEPARATOR);
}

export class InvalidJobKeyError extends AggregatorError {
  constructor(value: string, reason: string, options?: ErrorOptions) {
    super(`Invalid job key "${value}": ${reason}`, options);
    this.name = 'InvalidJobKeyError';
  }
}

export function parseJobKey(value: string): JobKey {
  const parts = value.split(SEPARATOR).map((part) => decodeURIComponent(part));
  if (parts.length !== 5) {
    throw new InvalidJobKeyError(value, 'expected service/region/account/scope/jobId');
  }
  const [service = '', region = '', accountId = '', scope = '', jobId = ''] = parts;
  if (!isServiceId(service)) throw new InvalidJobKeyError(value, `unknown service "${service}"`);
  if (jobId === '') throw new InvalidJobKeyError(value, 'the job id is empty');
  return {
    service,
    jobId,
    ...(region && { region }),
    ...(accountId && { accountId }),
    ...(scope && { scope }),
  };
}

export function sameJob(a: JobKey, b: JobKey): boolean {
  return formatJobKey(a) === formatJobKey(b);
}

/** A short human label for logs and tables: `healthlake:<scope>/<jobId>`. */
export function describeJobKey(key: JobKey): string {
  return `${key.service}:${key.scope ? `${key.scope}/` : ''}${key.jobId}`;
}
