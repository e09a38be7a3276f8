import { ServiceErrorKind } from '../contract/metrics.js';
import type { ServiceId } from './service-id.js';

/**
 * The base of every error this package throws on purpose, so `instanceof AggregatorError` tells ours from
 * the rest. Every subclass sets `name` as a literal (bundlers may rename classes) and takes `ErrorOptions`.
 */
export class AggregatorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AggregatorError';
  }
}

/** Which job an error belongs to, as far as it is known (an invalid id is still named). */
export interface JobRef {
  readonly service: ServiceId;
  readonly scope?: string;
  readonly jobId?: string;
}

/** An id that breaks the service's documented rule; reported before any call is made. */
export class InvalidIdError extends AggregatorError {
  readonly job: JobRef;
  readonly field: string;
  readonly value: string;

  constructor(job: JobRef, field: string, value: string, rule: string, options?: ErrorOptions) {
    super(`${job.service}: invalid ${field} ${JSON.stringify(value.slice(0, 300))}: ${rule}`, options);
    this.name = 'InvalidIdError';
    this.job = job;
    this.field = field;
    this.value = value;
  }
}

/** The kinds of service failure the poller and its metrics tell apart (the metrics' `errorKind`). */
export { ServiceErrorKind };

/** A service call that failed after the SDK's own retries, classified, with the job it was about. */
export class ServiceCallError extends AggregatorError {
  readonly kind: ServiceErrorKind;
  readonly service: ServiceId;
  readonly operation: string;
  readonly job: JobRef | undefined;

  constructor(
    init: { kind: ServiceErrorKind; service: ServiceId; operation: string; job?: JobRef; detail: string },
    options?: ErrorOptions,
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
export class MalformedResponseError extends AggregatorError {
  readonly job: JobRef | undefined;

  constructor(service: ServiceId, operation: string, problem: string, job?: JobRef, options?: ErrorOptions) {
    super(`${service} ${operation} returned a malformed response: ${problem}`, options);
    this.name = 'MalformedResponseError';
    this.job = job;
  }
}

/** What a cycle's report, metrics and log lines call a failure. */
export const FailureKind = {
  ...ServiceErrorKind,
  /** An id that breaks the service's rule (`InvalidIdError`). */
  INVALID_ID: 'invalid-id',
  /** Anything else: a store failure or a bug. */
  INTERNAL: 'internal',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/** The failure kind of `error`, told by its class. */
export function failureKindOf(error: unknown): FailureKind {
  if (error instanceof ServiceCallError) return error.kind;
  if (error instanceof InvalidIdError) return FailureKind.INVALID_ID;
  if (error instanceof MalformedResponseError) return FailureKind.MALFORMED;
  return FailureKind.INTERNAL;
}

/** The message of `error` for a log line; a thrown non-error as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
