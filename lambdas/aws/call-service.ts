import { type JobRef, ServiceCallError, ServiceErrorKind } from '../core/errors.js';
import type { ServiceId } from '../core/service-id.js';
import { classifySdkError } from './classify-error.js';
import { passCallGate } from './rate-limit.js';

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
