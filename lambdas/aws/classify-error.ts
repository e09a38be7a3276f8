import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import { ServiceErrorKind } from '../core/errors.js';

type SdkError = Parameters<typeof isTransientError>[0];

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** A quota refusal smithy does not count as throttling; the poller treats it like throttling all the same. */
const QUOTA_NAMES = new Set(['ServiceQuotaExceededException']);
/** The transient failures that are a slow answer; smithy's other transient socket failures are a broken link. */
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TIMEOUT_CODE = 'ETIMEDOUT';

/**
 * Sorts an SDK error (already past the SDK's own retries) into the kinds the poller reports. Smithy's
 * classification (the one its retry strategy uses) decides what is throttling and what is transient; the
 * project's kinds only split the transient failures into network and timeout.
 */
export function classifySdkError(error: unknown): ServiceErrorKind {
  const e = asSdkError(error);
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (isThrottlingError(e as SdkError) || QUOTA_NAMES.has(name)) return ServiceErrorKind.THROTTLED;
  if (name === 'ResourceNotFoundException' || name === 'NotFoundException' || status === 404) {
    return ServiceErrorKind.NOT_FOUND;
  }
  if (name === 'AccessDeniedException' || status === 403) return ServiceErrorKind.ACCESS_DENIED;
  if (name === 'ValidationException' || name === 'BadRequestException') return ServiceErrorKind.VALIDATION;
  const transient = isTransientError(e as SdkError) ? transientKind(e) : undefined;
  if (transient) return transient;
  // The SDK's deserializers throw SyntaxError (bad JSON) or a "Deserialization error" for a body it cannot read.
  if (name === 'SyntaxError' || /deserializ/i.test(e.message ?? '')) return ServiceErrorKind.MALFORMED;
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return ServiceErrorKind.SERVER;
  if (e.$fault === 'client' || (status !== undefined && status >= 400)) return ServiceErrorKind.VALIDATION;
  return ServiceErrorKind.OTHER;
}

function asSdkError(error: unknown): SdkErrorShape {
  return (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
}

/** Network or timeout for a transient failure; `undefined` for the others (a 5xx answer, a retryable trait). */
function transientKind(e: SdkErrorShape): ServiceErrorKind | undefined {
  // Only an error without a response carries a socket code (a service's error body may hold a `code`).
  const code = e.$metadata?.httpStatusCode === undefined ? socketCode(e) : undefined;
  // The SDK renames ECONNRESET/EPIPE to TimeoutError, so the socket code decides before the name does.
  if (code && code !== TIMEOUT_CODE) return ServiceErrorKind.NETWORK;
  if (code === TIMEOUT_CODE || TIMEOUT_NAMES.has(e.name ?? '')) return ServiceErrorKind.TIMEOUT;
  return undefined;
}

/** The Node.js error code of the error or of what caused it (smithy looks down the cause chain too). */
function socketCode(e: SdkErrorShape): string | undefined {
  let current: SdkErrorShape | undefined = e;
  for (let depth = 0; current && depth <= 10; depth += 1) {
    if (typeof current.code === 'string' && current.code !== '') return current.code;
    current = current.cause === undefined ? undefined : asSdkError(current.cause);
  }
  return undefined;
}
