import { callService } from '../aws/call-service.js';
import { pages, resumeOf, statusPasses } from '../aws/pages.js';
import type { ListedJob, ListJobsOptions } from '../core/adapter.js';
import { InvalidIdError, type JobRef, MalformedResponseError } from '../core/errors.js';
import { failureReason, hasFailure } from '../core/failure.js';
import type { JobKey } from '../core/job-key.js';
import { type Log, silentLog } from '../core/ports.js';
import type { ServiceDefinition } from '../core/service-definition.js';
import type { ServiceId } from '../core/service-id.js';
import { definedOnly, type JobSnapshot } from '../core/snapshot.js';
import { type JobStatus, normalizeStatus } from '../core/status.js';
import type { AdapterInit } from './service-module.js';

/** What every adapter is built from: the registry's `AdapterInit`, a log by default silent, and a clock. */
export interface AdapterOptions extends Omit<AdapterInit, 'log'> {
  readonly clock?: () => Date;
  readonly log?: Log;
}

/** How one API names a job's ids, as the errors about them name them. */
export interface IdFields {
  /** The job id and status fields: `jobId`, `JobId`, `id`; `status`, `JobStatus`, … */
  readonly jobId: string;
  readonly status: string;
  /** How a list item missing one of them is described, before the field's name. */
  readonly missing: 'job without' | 'an item has no';
  /** The scope id's field and what is said when it is missing; none for a service without scopes. */
  readonly scope?: { readonly field: string; readonly required: string };
}

/** The job a snapshot is of, and how it was seen: `scope` none for a service without scopes. */
export interface Observation {
  readonly scope: string | undefined;
  readonly jobId: string;
  readonly rawStatus: string;
  readonly detail: JobSnapshot['detail'];
  /** When the page or the describe response was read; by default now. */
  readonly observedAt?: string;
}

/** A snapshot's own fields; an `undefined` one is left out, never invented. */
export type SnapshotFields = {
  readonly [K in Exclude<keyof JobSnapshot, 'key' | 'status' | 'rawStatus' | 'observedAt' | 'detail'>]?:
    | JobSnapshot[K]
    | undefined;
};

/** One paginated list call: each page's next token and its items. */
export interface PagedCall<Page, Item> {
  readonly tokenOf: (page: Page) => string | undefined;
  readonly itemsOf: (page: Page) => readonly Item[] | undefined;
}

/** The list call of scopes (data stores, reference stores, workflows). */
export interface ScopeListing<Page, Item> extends PagedCall<Page, Item> {
  readonly operation: string;
  readonly fetchPage: (token: string | undefined) => Promise<Page>;
  readonly idOf: (item: Item) => string | undefined;
  /** Logged, with the service, for an item without an id; the item is skipped. */
  readonly noIdWarning: string;
  /** True for a scope whose jobs can no longer be listed (a deleted data store); it is skipped. */
  readonly gone?: (item: Item) => boolean;
}

/** The list call of one scope's jobs: the definition's `listOperation`, which the rate limit knows it by. */
export interface JobListing<Page, Item> extends PagedCall<Page, Item> {
  /** One page of one pass: `status` is the raw status asked for, none on an unfiltered pass. */
  readonly fetchPage: (token: string | undefined, status: string | undefined) => Promise<Page>;
  /** An item's job id and raw status, checked before the item is mapped. */
  readonly idsOf: (item: Item) => { readonly jobId: string | undefined; readonly status: string | undefined };
  /** A checked item as a snapshot; `observedAt` is when its page was read. */
  readonly snapshot: (item: Item, jobId: string, rawStatus: string, observedAt: string) => JobSnapshot;
  /** The scope the jobs are keyed by, where it is not the one listed (a workflow ARN keyed by its name). */
  readonly keyScope?: string;
}

/**
 * What the adapters share around their own SDK calls and mappings: the key and clock, the id checks in
 * front of every call, and the list skeletons (every page, one pass per status where the API filters on
 * it, list items checked before they are mapped).
 */
export abstract class AdapterBase {
  protected readonly service: ServiceId;
  protected readonly region: string;
  protected readonly accountId: string | undefined;
  protected readonly log: Log;
  private readonly clock: () => Date;

  constructor(
    readonly definition: ServiceDefinition,
    private readonly ids: IdFields,
    options: AdapterOptions,
  ) {
    this.service = definition.id;
    this.region = options.region;
    // An empty account id is none: the key then carries no account, as the poll handler passes it.
    this.accountId = options.accountId || undefined;
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? silentLog;
  }

  /** Every scope id across all pages; items without an id are logged, gone ones skipped. */
  protected async *scopeIds<Page, Item>(listing: ScopeListing<Page, Item>): AsyncIterable<string> {
    const service = this.service;
    const all = pages({ service, operation: listing.operation }, listing.fetchPage, listing.tokenOf);
    for await (const page of all) {
      for (const item of listing.itemsOf(page) ?? []) {
        const id = listing.idOf(item);
        if (!id) {
          this.log.warn(listing.noIdWarning, { service });
          continue;
        }
        if (listing.gone?.(item)) continue;
        yield id;
      }
    }
  }

  /**
   * Every page of a scope's jobs (`scope` none for a service without scopes). Where the definition says
   * the API filters on status, each raw status asked for is one pass; otherwise `rawStatuses` is not used.
   * Only an unfiltered pass resumes at `startToken` and reports its pages (see `resumeOf`); a status pass
   * read to its end is reported through `onStatusPassEnd`.
   */
  protected async *listedJobs<Page, Item>(
    scope: string | undefined,
    options: ListJobsOptions,
    listing: JobListing<Page, Item>,
  ): AsyncIterable<ListedJob> {
    const service = this.service;
    const operation = this.definition.listOperation;
    const call = { service, operation, ...(scope !== undefined && { job: { service, scope } }) };
    const keyScope = listing.keyScope ?? scope;
    const passes = this.definition.listFilters.status ? statusPasses(options) : [undefined];
    for (const status of passes) {
      const fetchPage = (token: string | undefined) => listing.fetchPage(token, status);
      for await (const page of pages(call, fetchPage, listing.tokenOf, resumeOf(options, status))) {
        const observedAt = this.observedAt();
        for (const item of listing.itemsOf(page) ?? []) {
          yield this.listedItem(keyScope, operation, listing.idsOf(item), (jobId, rawStatus) =>
            listing.snapshot(item, jobId, rawStatus, observedAt),
          );
        }
      }
      if (status !== undefined) options.onStatusPassEnd?.(status);
    }
  }

  /**
   * A list item checked before it is mapped: without an id or status it is a malformed response, with an
   * id that breaks the id rule an invalid id; otherwise `snapshot` maps it.
   */
  private listedItem(
    scope: string | undefined,
    operation: string,
    item: { readonly jobId: string | undefined; readonly status: string | undefined },
    snapshot: (jobId: string, rawStatus: string) => JobSnapshot,
  ): ListedJob {
    const { jobId, status } = item;
    const scoped = { service: this.service, ...(scope !== undefined && { scope }) };
    if (!jobId || !status) {
      const missing = jobId ? this.ids.status : this.ids.jobId;
      const ref: JobRef = { ...scoped, ...(jobId && { jobId }) };
      return {
        ok: false,
        error: new MalformedResponseError(this.service, operation, `${this.ids.missing} ${missing}`, ref),
      };
    }
    const problem = this.definition.validateJobId(jobId);
    if (problem) {
      return { ok: false, error: new InvalidIdError({ ...scoped, jobId }, this.ids.jobId, jobId, problem) };
    }
    return { ok: true, snapshot: snapshot(jobId, status) };
  }

  /** The scope id, checked against the id rule before any call; a scoped service's jobs always have one. */
  protected requireScope(scope: string | undefined, jobId?: string): string {
    const ref: JobRef = {
      service: this.service,
      ...(scope !== undefined && { scope }),
      ...(jobId !== undefined && { jobId }),
    };
    const fields = this.ids.scope;
    if (!fields) throw new Error(`${this.service} has no scopes`);
    if (scope === undefined) throw new InvalidIdError(ref, fields.field, '', fields.required);
    const problem = this.definition.validateScopeId?.(scope);
    if (problem) throw new InvalidIdError(ref, fields.field, scope, problem);
    return scope;
  }

  /** The describe call (the definition's `describeOperation`), its failures classified and naming `ref`. */
  protected describeCall<T>(ref: JobRef, send: () => Promise<T>): Promise<T> {
    return callService(this.service, this.definition.describeOperation, ref, send);
  }

  /** A describe response without what every job has (its status). */
  protected malformedDescribe(detail: string, ref: JobRef): MalformedResponseError {
    return new MalformedResponseError(this.service, this.definition.describeOperation, detail, ref);
  }

  /** The job a describe call is about (`scope` none for a service without scopes), its id checked first. */
  protected describedJob(scope: string | undefined, jobId: string): JobRef {
    const ref: JobRef = { service: this.service, ...(scope !== undefined && { scope }), jobId };
    const problem = this.definition.validateJobId(jobId);
    if (problem) throw new InvalidIdError(ref, this.ids.jobId, jobId, problem);
    return ref;
  }

  /**
   * The frame every snapshot shares (its key, the status normalized by the definition's map, the raw status,
   * when and how fully it was seen) around the service's own `fields`, which may depend on the status. A
   * failed or partly failed job's `failure` is the service's own cause where the adapter gives one, else
   * its status message; either way redacted and bounded (`failureReason`), and absent on other statuses.
   */
  protected snapshotOf(
    seen: Observation,
    fields: SnapshotFields | ((status: JobStatus) => SnapshotFields),
  ): JobSnapshot {
    const status = normalizeStatus(this.definition.statusMap, seen.rawStatus);
    const own = typeof fields === 'function' ? fields(status) : fields;
    const failed = hasFailure(status);
    return {
      key: this.key(seen.scope, seen.jobId),
      status,
      rawStatus: seen.rawStatus,
      observedAt: seen.observedAt ?? this.observedAt(),
      detail: seen.detail,
      ...definedOnly({ ...own, failure: failed ? failureReason(own.failure ?? own.message) : undefined }),
    };
  }

  private key(scope: string | undefined, jobId: string): JobKey {
    return {
      service: this.service,
      region: this.region,
      ...(this.accountId !== undefined && { accountId: this.accountId }),
      ...(scope !== undefined && { scope }),
      jobId,
    };
  }

  private observedAt(): string {
    return this.clock().toISOString();
  }
}
