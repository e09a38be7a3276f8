import type { InvalidIdError, MalformedResponseError } from './errors.js';
import type { ServiceDefinition } from './service-definition.js';
import type { JobSnapshot } from './snapshot.js';

/** A job to look at: scope (undefined for Panorama) and job id. */
export interface JobLocator {
  readonly scope?: string;
  readonly jobId: string;
}

export interface ListJobsOptions {
  /** Raw status values to ask for, where the service filters on status server-side. */
  readonly rawStatuses?: readonly string[];
  /** Only jobs submitted after this time, where the service filters on it server-side. */
  readonly submittedAfter?: Date;
  /**
   * Resuming an unfiltered listing that an earlier run's deadline cut short: start at this page token
   * instead of the first page. Adapters honour it (and `onPageEnd`) on unfiltered passes only.
   */
  readonly startToken?: string;
  /** Called once every item of a page has been taken, with the next page's token (undefined after the last). */
  readonly onPageEnd?: (nextToken: string | undefined) => void;
  /**
   * Called when the pass of one raw status (of `rawStatuses`) has been read to its end, never when it
   * failed: a known job last seen in that status and not shown by it has left it.
   */
  readonly onStatusPassEnd?: (rawStatus: string) => void;
}

/** One item of a list page: a snapshot, or an item the adapter could not turn into one. */
export type ListedJob =
  | { readonly ok: true; readonly snapshot: JobSnapshot }
  | { readonly ok: false; readonly error: MalformedResponseError | InvalidIdError };

/**
 * One service behind the real SDK client. Everything returned is normalized; every failure is a typed
 * error (`InvalidIdError`, `ServiceCallError`, `MalformedResponseError`) naming the job it belongs to.
 */
export interface ServiceAdapter {
  readonly definition: ServiceDefinition;
  /** Data stores, reference stores or workflows; a single `undefined` for services without scopes. */
  listScopes(): AsyncIterable<string | undefined>;
  /** Every page of the list call, with server-side filters where the service has them. */
  listJobs(scope: string | undefined, options?: ListJobsOptions): AsyncIterable<ListedJob>;
  /** The full snapshot from the describe call; validates ids first. */
  describeJob(job: JobLocator): Promise<JobSnapshot>;
}
