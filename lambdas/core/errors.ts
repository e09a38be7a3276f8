import type { ServiceId } from './service-id.js';

/** Which job an error belongs to, as far as it is known (an invalid id is still named). */
export interface JobRef {
  readonly service: ServiceId;
  readonly scope?: string;
  readonly jobId?: string;
}

/** An id that breaks the service's documented rule; reported before any call is made. */
export class InvalidIdError extends Error {
  readonly job: JobRef;
  readonly field: string;
  readonly value: string;

  constructor(job: JobRef, field: string, value: string, rule: string) {
    super(`${job.service}: invalid ${field} ${JSON.stringify(value.slice(0, 300))}: ${rule}`);
    this.name = 'InvalidIdError';
    this.job = job;
    this.field = field;
    this.value = value;
  }
}

/** The kinds of service failure the poller and its metrics tell apart. */
export const ServiceErrorKind = {
  THROTTLED: 'throttled',
  NOT_FOUND: 'not-found',
  VALIDATION: 'validation',
  ACCESS_DENIED: 'access-denied',
  SERVER: 'server',
  TIMEOUT: 'timeout',
  NETWORK: 'network',
  MALFORMED: 'malformed',
  OTHER: 'other',
} as const;
export type ServiceErrorKind = (typeof ServiceErrorKind)[keyof typeof ServiceErrorKind];

/** A service call that failed after the SDK's own retries, classified, with the job it was about. */
export class ServiceCallError extends Error {
  readonly kind: ServiceErrorKind;
  readonly service: ServiceId;
  readonly operation: string;
  readonly job: JobRef | undefined;

  constructor(
    init: { kind: ServiceErrorKind; service: ServiceId; operation: string; job?: JobRef; detail: string },
    options?: { cause?: unknown },
  ) {
    const about = init.job?.jobId
      ? ` for job ${init.job.scope ? `${init.job.scope}/` : ''}${init.job.jobId}`
      : '';
    super(`${init.service} ${init.operation}${about} failed (${init.kind}): ${init.detail}`, options);
    this.name = 'ServiceCallError';
    this.kind = init.kind;
    this.service = init.service;
    this.operation = init.operation;
    this.job = init.job;
  }
}

/** A response the SDK parsed but that lacks what the model promises (no job id, no status). */
export class MalformedResponseError extends Error {
  readonly job: JobRef | undefined;

  constructor(service: ServiceId, operation: string, problem: string, job?: JobRef) {
    super(`${service} ${operation} returned a malformed response: ${problem}`);
    this.name = 'MalformedResponseError';
    this.job = job;
  }
}
