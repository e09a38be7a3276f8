import { type JobRef, ServiceCallError, ServiceErrorKind } from '../../core/errors.js';
import type { ServiceId } from '../../core/service-id.js';
import { passCallGate } from './rate-limit.js';

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceQuotaExceededException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);

/** Sorts an SDK error (already past the SDK's own retries) into the kinds the poller reports. */
export function classifySdkError(error: unknown): ServiceErrorKind {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING_NAMES.has(name) || status === 429) return ServiceErrorKind.THROTTLED;
  if (name === 'ResourceNotFoundException' || name === 'NotFoundException' || status === 404) {
    return ServiceErrorKind.NOT_FOUND;
  }
  if (name === 'AccessDeniedException' || status === 403) return ServiceErrorKind.ACCESS_DENIED;
  if (name === 'ValidationException' || name === 'BadRequestException') return ServiceErrorKind.VALIDATION;
  // The SDK renames ECONNRESET/EPIPE to TimeoutError, so the socket code decides before the name does.
  if (e.code && e.code !== 'ETIMEDOUT' && NETWORK_CODES.has(e.code)) return ServiceErrorKind.NETWORK;
  if (name === 'TimeoutError' || name === 'RequestTimeout' || e.code === 'ETIMEDOUT') {
    return ServiceErrorKind.TIMEOUT;
  }
  // The SDK's deserializers throw SyntaxError (bad JSON) or a "Deserialization error" for a body it cannot read.
  if (name === 'SyntaxError' || /deserializ/i.test(e.message ?? '')) return ServiceErrorKind.MALFORMED;
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return ServiceErrorKind.SERVER;
  if (e.$fault === 'client' || (status !== undefined && status >= 400)) return ServiceErrorKind.VALIDATION;
  return ServiceErrorKind.OTHER;
}

/**
 * Runs one SDK call and turns any failure into a `ServiceCallError` naming the job it was about. The call
 * first waits at the rate limit of the adapter call it belongs to, if the poller set one (`rateLimited`).
 */
export async function callService<T>(
  service: ServiceId,
  operation: string,
  job: JobRef | undefined,
  call: () => Promise<T>,
): Promise<T> {
  await passCallGate(operation);
  try {
    return await call();
  } catch (error) {
    const kind = classifySdkError(error);
    // A parser's message quotes the body it choked on, which may hold job content: never pass it on.
    const detail =
      kind === ServiceErrorKind.MALFORMED
        ? 'the response body could not be parsed'
        : error instanceof Error
          ? `${error.name}: ${error.message}`
          : String(error);
    throw new ServiceCallError(
      {
        kind,
        service,
        operation,
        ...(job && { job }),
        detail: detail.slice(0, 500),
      },
      { cause: error },
    );
  }
}
