import type { ListJobsOptions } from '../core/adapter.js';
import { type JobRef, MalformedResponseError } from '../core/errors.js';
import type { ServiceId } from '../core/service-id.js';
import { callService } from './call-service.js';

/** Where a resumable pass starts, and who hears of each page handled (see `ListJobsOptions`). */
export type Resume = Pick<ListJobsOptions, 'startToken' | 'onPageEnd'>;

/**
 * Every page of one list call. Each request goes through `callService`, so a failure is a classified
 * `ServiceCallError` naming the scope; a token that comes back a second time is a malformed response, not
 * an endless loop. With `resume`, the pass starts at `startToken`, and `onPageEnd` hears the next page's
 * token once the consumer has taken every item of a page (it asks for the next one only then).
 */
export async function* pages<Page>(
  call: { readonly service: ServiceId; readonly operation: string; readonly job?: JobRef },
  fetchPage: (nextToken: string | undefined) => Promise<Page>,
  tokenOf: (page: Page) => string | undefined,
  resume: Resume = {},
): AsyncGenerator<Page> {
  const seen = new Set<string>();
  let token = resume.startToken || undefined;
  if (token !== undefined) seen.add(token);
  do {
    const current = token;
    const page = await callService(call.service, call.operation, call.job, () => fetchPage(current));
    yield page;
    token = tokenOf(page) || undefined;
    if (token !== undefined) {
      if (seen.has(token)) {
        throw new MalformedResponseError(
          call.service,
          call.operation,
          'the same page token came back twice',
          call.job,
        );
      }
      seen.add(token);
    }
    // Only a token that can be used is passed on: a cursor must never hold one that loops.
    resume.onPageEnd?.(token);
  } while (token !== undefined);
}

/**
 * The list passes for the asked raw statuses: these APIs filter on one status a call, so several statuses
 * mean one paginated pass each; none means one unfiltered pass.
 */
export function statusPasses(options: ListJobsOptions): readonly (string | undefined)[] {
  return options.rawStatuses?.length ? [...new Set(options.rawStatuses)] : [undefined];
}

/** The resume options of one pass: an unfiltered pass (no status) may resume; a status pass never does. */
export function resumeOf(options: ListJobsOptions, status: string | undefined): Resume {
  if (status !== undefined) return {};
  return {
    ...(options.startToken !== undefined && { startToken: options.startToken }),
    ...(options.onPageEnd !== undefined && { onPageEnd: options.onPageEnd }),
  };
}
