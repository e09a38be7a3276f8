import { describe, expect, it } from 'vitest';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../lambdas/core/adapter.js';
import { InvalidIdError, MalformedResponseError, ServiceCallError } from '../../lambdas/core/errors.js';
import type { ServiceDefinition } from '../../lambdas/core/service-definition.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';
import { JobStatus } from '../../lambdas/core/status.js';
import { AdapterBase, type AdapterOptions, type IdFields } from '../../lambdas/services/adapter-kit.js';
import { healthLakeDefinition } from '../../lambdas/services/healthlake/definition.js';
import { panoramaDefinition } from '../../lambdas/services/panorama/definition.js';
import { collect, failure } from './support.js';

interface Item {
  readonly id?: string;
  readonly state?: string;
}
interface Page {
  readonly items: readonly Item[];
  readonly next?: string;
}
interface Request {
  readonly token: string | undefined;
  readonly status: string | undefined;
}

const NOW = new Date('2025-06-07T08:09:10.000Z');
const UNSCOPED: IdFields = { jobId: 'JobId', status: 'Status', missing: 'job without' };
const SCOPED: IdFields = {
  jobId: 'JobId',
  status: 'JobStatus',
  missing: 'an item has no',
  scope: { field: 'StoreId', required: 'a store id is required' },
};

/** An adapter over in-memory pages (keyed by `status|token`), recording every page request. */
class PagesAdapter extends AdapterBase implements ServiceAdapter {
  readonly requests: Request[] = [];

  constructor(
    definition: ServiceDefinition,
    ids: IdFields,
    private readonly pagesByRequest: ReadonlyMap<string, Page>,
    options: Partial<AdapterOptions> = {},
  ) {
    super(definition, ids, {
      settings: {},
      region: 'eu-west-1',
      accountId: '111122223333',
      clock: () => NOW,
      ...options,
    });
  }

  async *listScopes(): AsyncIterable<string | undefined> {
    yield undefined;
  }

  async *listJobs(scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    const checked = this.definition.validateScopeId ? this.requireScope(scope) : undefined;
    yield* this.listedJobs(checked, options, {
      fetchPage: async (token, status) => {
        this.requests.push({ token, status });
        return this.pagesByRequest.get(`${status ?? ''}|${token ?? ''}`) ?? { items: [] };
      },
      tokenOf: (page) => page.next,
      itemsOf: (page) => page.items,
      idsOf: (item) => ({ jobId: item.id, status: item.state }),
      snapshot: (item, jobId, rawStatus, observedAt) =>
        this.snapshotOf(
          { scope: checked, jobId, rawStatus, detail: 'summary', observedAt },
          { jobName: item.id },
        ),
    });
  }

  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const ref = this.describedJob(job.scope, job.jobId);
    return this.describeCall(ref, () => Promise.reject(new Error('unreachable service')));
  }
}

function adapter(
  definition: ServiceDefinition,
  pages: Record<string, Page>,
  options: Partial<AdapterOptions> = {},
) {
  return new PagesAdapter(
    definition,
    definition.validateScopeId ? SCOPED : UNSCOPED,
    new Map(Object.entries(pages)),
    options,
  );
}

const STORE = 'a'.repeat(32);
const JOB = 'b'.repeat(32);

describe('the adapter kit', () => {
  it('lists one pass per raw status where the definition filters on status, and resumes only unfiltered', async () => {
    // Prepare: HealthLake's definition filters on status.
    const kit = adapter(healthLakeDefinition, {
      'QUEUED|': { items: [{ id: JOB, state: 'QUEUED' }], next: 't1' },
      'QUEUED|t1': { items: [] },
      'IN_PROGRESS|': { items: [] },
      '|t9': { items: [{ id: JOB, state: 'COMPLETED' }] },
    });
    const heard: (string | undefined)[] = [];

    // Act: two statuses (one repeated), then an unfiltered pass resumed at a token.
    const filtered = await collect(
      kit.listJobs(STORE, {
        rawStatuses: ['QUEUED', 'IN_PROGRESS', 'QUEUED'],
        startToken: 'tx',
        onPageEnd: (t) => heard.push(t),
      }),
    );
    const resumed = await collect(kit.listJobs(STORE, { startToken: 't9', onPageEnd: (t) => heard.push(t) }));

    // Assert: filtered passes start at the first page and report nothing; the unfiltered one resumes.
    expect(kit.requests).toEqual([
      { token: undefined, status: 'QUEUED' },
      { token: 't1', status: 'QUEUED' },
      { token: undefined, status: 'IN_PROGRESS' },
      { token: 't9', status: undefined },
    ]);
    expect(heard).toEqual([undefined]);
    expect(filtered).toHaveLength(1);
    expect(resumed).toEqual([
      {
        ok: true,
        snapshot: {
          key: {
            service: 'healthlake',
            region: 'eu-west-1',
            accountId: '111122223333',
            scope: STORE,
            jobId: JOB,
          },
          status: JobStatus.SUCCEEDED,
          rawStatus: 'COMPLETED',
          observedAt: NOW.toISOString(),
          detail: 'summary',
          jobName: JOB,
        },
      },
    ]);
  });

  it('makes one unfiltered pass where the definition has no status filter, whatever statuses are asked', async () => {
    // Prepare: Panorama's definition has no filters and no scopes.
    const kit = adapter(panoramaDefinition, { '|': { items: [{ id: 'job-1', state: 'PENDING' }] } });

    // Act
    const listed = await collect(kit.listJobs(undefined, { rawStatuses: ['PENDING', 'FAILED'] }));

    // Assert: one request without a status; the key has no scope.
    expect(kit.requests).toEqual([{ token: undefined, status: undefined }]);
    expect(listed[0]?.ok && listed[0].snapshot.key).toEqual({
      service: 'panorama',
      region: 'eu-west-1',
      accountId: '111122223333',
      jobId: 'job-1',
    });
  });

  it('reports list items without an id or status, or with an invalid id, under the list operation', async () => {
    // Prepare
    const kit = adapter(healthLakeDefinition, {
      '|': { items: [{ state: 'QUEUED' }, { id: JOB }, { id: 'job;drop', state: 'QUEUED' }] },
    });

    // Act
    const listed = await collect(kit.listJobs(STORE));

    // Assert: each item is an error naming the API's own fields and the job as far as it is known.
    const errors = listed.map((item) => (item.ok ? undefined : item.error));
    expect(errors[0]).toBeInstanceOf(MalformedResponseError);
    expect(errors[0]?.message).toBe(
      'healthlake ListFHIRImportJobs returned a malformed response: an item has no JobId',
    );
    expect(errors[0]?.job).toEqual({ service: 'healthlake', scope: STORE });
    expect(errors[1]?.message).toMatch(/an item has no JobStatus$/);
    expect(errors[1]?.job).toEqual({ service: 'healthlake', scope: STORE, jobId: JOB });
    expect(errors[2]).toBeInstanceOf(InvalidIdError);
    expect((errors[2] as InvalidIdError).field).toBe('JobId');
  });

  it('checks the scope and job id before any call, and names the describe operation in a failed call', async () => {
    // Prepare
    const kit = adapter(healthLakeDefinition, {});

    // Act
    const noScope = await failure(collect(kit.listJobs(undefined)));
    const badJob = await failure(kit.describeJob({ scope: STORE, jobId: 'job;drop' }));
    const failed = await failure(kit.describeJob({ scope: STORE, jobId: JOB }));

    // Assert
    expect(noScope).toBeInstanceOf(InvalidIdError);
    expect((noScope as InvalidIdError).field).toBe('StoreId');
    expect((noScope as InvalidIdError).message).toContain('a store id is required');
    expect(badJob).toBeInstanceOf(InvalidIdError);
    expect((badJob as InvalidIdError).job).toEqual({
      service: 'healthlake',
      scope: STORE,
      jobId: 'job;drop',
    });
    expect(kit.requests).toEqual([]);
    expect(failed).toBeInstanceOf(ServiceCallError);
    expect((failed as ServiceCallError).operation).toBe('DescribeFHIRImportJob');
  });

  it('keys jobs without an account when the account id is empty', async () => {
    // Prepare
    const kit = adapter(
      panoramaDefinition,
      { '|': { items: [{ id: 'job-1', state: 'SUCCEEDED' }] } },
      { accountId: '' },
    );

    // Act
    const [listed] = await collect(kit.listJobs(undefined));

    // Assert
    expect(listed?.ok && listed.snapshot.key).toEqual({
      service: 'panorama',
      region: 'eu-west-1',
      jobId: 'job-1',
    });
  });
});
