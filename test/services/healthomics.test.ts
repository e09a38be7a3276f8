import {
  GetReferenceImportJobCommand,
  ListReferenceStoresCommand,
  OmicsClient,
  ReferenceImportJobItemStatus,
  ReferenceImportJobStatus,
} from '@aws-sdk/client-omics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientSettings } from '../../lambdas/aws/client-config.js';
import { InvalidIdError, MalformedResponseError, ServiceCallError } from '../../lambdas/core/errors.js';
import { JobStatus } from '../../lambdas/core/status.js';
import { HealthOmicsAdapter } from '../../lambdas/services/healthomics/adapter.js';
import {
  healthOmicsDefinition,
  referenceImportItemStatusMap,
} from '../../lambdas/services/healthomics/definition.js';
import { FakeHealthOmics } from '../../local/services/healthomics/fake.js';
import { collect, failure, snapshots } from './support.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const NOW = new Date('2025-03-04T05:06:07.891Z');
const STORE = '1234567890';

let fake: FakeHealthOmics;

beforeEach(async () => {
  fake = new FakeHealthOmics({ now: () => new Date('2025-03-01T00:00:00.000Z') });
  await fake.start();
});

afterEach(async () => {
  await fake.stop();
});

function adapter(settings: Partial<ClientSettings> = {}): HealthOmicsAdapter {
  return new HealthOmicsAdapter({
    settings: { endpoint: fake.endpoint, maxAttempts: 3, requestTimeoutMs: 2_000, ...settings },
    region: REGION,
    accountId: ACCOUNT,
    clock: () => NOW,
  });
}

function storeId(n: number): string {
  return String(1_000_000_000 + n);
}

function jobId(n: number): string {
  return String(7_000_000_000 + n);
}

describe('HealthOmics definition', () => {
  it('maps every ReferenceImportJobStatus the installed SDK knows, explicitly', () => {
    const values = Object.values(ReferenceImportJobStatus);
    expect(values.length).toBeGreaterThan(0);
    for (const raw of values) {
      expect(Object.hasOwn(healthOmicsDefinition.statusMap, raw), `no mapping for ${raw}`).toBe(true);
      expect(healthOmicsDefinition.statusMap[raw]).not.toBe(JobStatus.UNKNOWN);
    }
    expect(healthOmicsDefinition.statusMap).toEqual({
      SUBMITTED: 'QUEUED',
      IN_PROGRESS: 'RUNNING',
      CANCELLING: 'CANCELLING',
      CANCELLED: 'CANCELLED',
      FAILED: 'FAILED',
      COMPLETED: 'SUCCEEDED',
      COMPLETED_WITH_FAILURES: 'SUCCEEDED_WITH_ERRORS',
    });
  });

  it('maps every ReferenceImportJobItemStatus the installed SDK knows', () => {
    const values = Object.values(ReferenceImportJobItemStatus);
    expect(values.length).toBeGreaterThan(0);
    for (const raw of values) {
      expect(Object.hasOwn(referenceImportItemStatusMap, raw), `no mapping for ${raw}`).toBe(true);
    }
    expect(referenceImportItemStatusMap).toEqual({
      NOT_STARTED: 'QUEUED',
      IN_PROGRESS: 'RUNNING',
      FINISHED: 'SUCCEEDED',
      FAILED: 'FAILED',
    });
  });

  it('validates ids as digits of 10-36 characters', () => {
    const rule = healthOmicsDefinition.validateJobId;
    expect(rule('1234567890')).toBeUndefined();
    expect(rule('1'.repeat(36))).toBeUndefined();
    expect(rule('123456789')).toMatch(/10-36/);
    expect(rule('1'.repeat(37))).toMatch(/10-36/);
    expect(rule('12345abcde')).toMatch(/digits/);
    expect(healthOmicsDefinition.validateScopeId?.('12345abcde')).toMatch(/digits/);
    expect(healthOmicsDefinition.listFilters).toEqual({ status: true, submittedAfter: true });
    expect(healthOmicsDefinition.maxPageSize).toBe(100);
    // One published bucket for both calls: each may use all of it, the shared bucket caps them together.
    expect(healthOmicsDefinition.quotas).toEqual({
      describePerSecond: 5,
      listPerSecond: 5,
      sharedPerSecond: 5,
    });
  });
});

describe('HealthOmics adapter against the fake', () => {
  it('discovers reference stores across several pages', async () => {
    for (let n = 1; n <= 230; n += 1) fake.addScope(storeId(n));
    const scopes = await collect(adapter().listScopes());
    expect(scopes).toEqual(Array.from({ length: 230 }, (_, i) => storeId(i + 1)));
    const calls = fake.server.callsOf('ListReferenceStores');
    expect(calls).toHaveLength(3);
    expect(calls.map((call) => call.query.maxResults)).toEqual(['100', '100', '100']);
    expect(calls[0]?.query.nextToken).toBeUndefined();
    expect(calls[1]?.query.nextToken).toBeTruthy();
  });

  it('lists every page of import jobs as summaries', async () => {
    fake.addScope(STORE);
    for (let n = 1; n <= 205; n += 1) {
      fake.addJob({
        referenceStoreId: STORE,
        id: jobId(n),
        status: 'COMPLETED',
        creationTime: new Date(Date.UTC(2025, 0, 1, 0, 0, n)),
        completionTime: new Date(Date.UTC(2025, 0, 2, 0, 0, n)),
        statusMessage: 'done',
        sources: [{ status: 'FINISHED', sourceFile: 's3://bucket/ref.fa' }],
      });
    }
    const listed = snapshots(await collect(adapter().listJobs(STORE)));
    expect(listed).toHaveLength(205);
    expect(new Set(listed.map((s) => s.key.jobId)).size).toBe(205);
    expect(fake.server.callsOf('ListReferenceImportJobs')).toHaveLength(3);
    expect(fake.server.callsOf('ListReferenceImportJobs')[0]?.body).toEqual({});
    expect(listed[0]).toStrictEqual({
      key: { service: 'healthomics', region: REGION, accountId: ACCOUNT, scope: STORE, jobId: jobId(1) },
      status: 'SUCCEEDED',
      rawStatus: 'COMPLETED',
      submittedAt: '2025-01-01T00:00:01.000Z',
      endedAt: '2025-01-02T00:00:01.000Z',
      observedAt: NOW.toISOString(),
      detail: 'summary',
    });
  });

  it('sends the status and createdAfter filters, one pass per status, with ISO dates', async () => {
    fake.addScope(STORE);
    const old = new Date('2025-01-01T00:00:00.000Z');
    const recent = new Date('2025-02-10T00:00:00.000Z');
    fake.addJob({ referenceStoreId: STORE, id: jobId(1), status: 'SUBMITTED', creationTime: recent });
    fake.addJob({ referenceStoreId: STORE, id: jobId(2), status: 'IN_PROGRESS', creationTime: recent });
    fake.addJob({ referenceStoreId: STORE, id: jobId(3), status: 'IN_PROGRESS', creationTime: old });
    fake.addJob({ referenceStoreId: STORE, id: jobId(4), status: 'COMPLETED', creationTime: recent });
    const since = new Date('2025-02-01T00:00:00.000Z');

    const listed = snapshots(
      await collect(
        adapter().listJobs(STORE, { rawStatuses: ['SUBMITTED', 'IN_PROGRESS'], submittedAfter: since }),
      ),
    );

    expect(listed.map((s) => s.key.jobId).sort()).toEqual([jobId(1), jobId(2)]);
    const bodies = fake.server.callsOf('ListReferenceImportJobs').map((call) => call.body);
    expect(bodies).toEqual([
      { filter: { status: 'SUBMITTED', createdAfter: '2025-02-01T00:00:00Z' } },
      { filter: { status: 'IN_PROGRESS', createdAfter: '2025-02-01T00:00:00Z' } },
    ]);
  });

  it('sends createdAfter alone when no status is asked for', async () => {
    fake.addScope(STORE);
    fake.addJob({ referenceStoreId: STORE, id: jobId(1), status: 'COMPLETED' });
    const since = new Date('2024-12-31T23:59:59.500Z');
    const listed = snapshots(await collect(adapter().listJobs(STORE, { submittedAfter: since })));
    expect(listed).toHaveLength(1);
    expect(fake.server.callsOf('ListReferenceImportJobs').map((call) => call.body)).toEqual([
      { filter: { createdAfter: '2024-12-31T23:59:59.500Z' } },
    ]);
  });

  it('turns a full describe into a snapshot, field by field', async () => {
    fake.addScope(STORE);
    fake.addJob({
      referenceStoreId: STORE,
      id: jobId(1),
      status: 'COMPLETED_WITH_FAILURES',
      statusMessage: 'One source failed',
      creationTime: new Date('2025-02-03T04:05:06.789Z'),
      completionTime: new Date('2025-02-03T05:00:00.000Z'),
      sources: [
        { status: 'FINISHED', sourceFile: 's3://refs/a.fa', name: 'ref-a', referenceId: '9999999999' },
        { status: 'FAILED', sourceFile: 's3://refs/b.fa', name: 'ref-b', statusMessage: 'Bad FASTA header' },
        { status: 'FINISHED', sourceFile: 's3://refs/c.fa' },
      ],
    });
    const snapshot = await adapter().describeJob({ scope: STORE, jobId: jobId(1) });
    expect(snapshot).toStrictEqual({
      key: { service: 'healthomics', region: REGION, accountId: ACCOUNT, scope: STORE, jobId: jobId(1) },
      status: 'SUCCEEDED_WITH_ERRORS',
      rawStatus: 'COMPLETED_WITH_FAILURES',
      submittedAt: '2025-02-03T04:05:06.789Z',
      endedAt: '2025-02-03T05:00:00.000Z',
      message: 'One source failed',
      failure: 'One source failed',
      sources: [
        { name: 'ref-a', location: 's3://refs/a.fa', rawStatus: 'FINISHED', status: 'SUCCEEDED' },
        {
          name: 'ref-b',
          location: 's3://refs/b.fa',
          rawStatus: 'FAILED',
          status: 'FAILED',
          message: 'Bad FASTA header',
        },
        { location: 's3://refs/c.fa', rawStatus: 'FINISHED', status: 'SUCCEEDED' },
      ],
      progress: {
        sourcesTotal: 3,
        sourcesNotStarted: 0,
        sourcesInProgress: 0,
        sourcesFinished: 2,
        sourcesFailed: 1,
      },
      observedAt: NOW.toISOString(),
      detail: 'full',
    });
    const call = fake.server.callsOf('GetReferenceImportJob')[0];
    expect(call?.params).toEqual({ referenceStoreId: STORE, id: jobId(1) });
  });

  it('shows the progress of a running import and leaves absent fields absent', async () => {
    fake.addScope(STORE);
    fake.addJob({
      referenceStoreId: STORE,
      id: jobId(1),
      status: 'IN_PROGRESS',
      creationTime: new Date('2025-02-03T04:05:06.000Z'),
      sources: [
        { status: 'FINISHED', sourceFile: 's3://refs/a.fa' },
        { status: 'IN_PROGRESS', sourceFile: 's3://refs/b.fa' },
        { status: 'NOT_STARTED', sourceFile: 's3://refs/c.fa' },
        { status: 'NOT_STARTED', sourceFile: 's3://refs/d.fa' },
      ],
    });
    const snapshot = await adapter().describeJob({ scope: STORE, jobId: jobId(1) });
    expect(snapshot.status).toBe('RUNNING');
    expect(snapshot.progress).toEqual({
      sourcesTotal: 4,
      sourcesNotStarted: 2,
      sourcesInProgress: 1,
      sourcesFinished: 1,
      sourcesFailed: 0,
    });
    for (const absent of [
      'endedAt',
      'startedAt',
      'message',
      'metrics',
      'jobName',
      'inputLocation',
      'outputLocation',
    ]) {
      expect(snapshot, absent).not.toHaveProperty(absent);
    }
  });

  it('maps every raw status end to end, through the real client', async () => {
    fake.addScope(STORE);
    const statuses = Object.values(ReferenceImportJobStatus);
    const items = Object.values(ReferenceImportJobItemStatus);
    statuses.forEach((status, n) => {
      fake.addJob({
        referenceStoreId: STORE,
        id: jobId(n),
        status,
        sources: items.map((s) => ({ status: s })),
      });
    });
    const omics = adapter();
    for (const [n, status] of statuses.entries()) {
      const snapshot = await omics.describeJob({ scope: STORE, jobId: jobId(n) });
      expect(snapshot.rawStatus).toBe(status);
      expect(snapshot.status).toBe(healthOmicsDefinition.statusMap[status]);
      expect(snapshot.status).not.toBe('UNKNOWN');
      expect(snapshot.sources?.map((s) => [s.rawStatus, s.status])).toEqual(
        items.map((s) => [s, referenceImportItemStatusMap[s]]),
      );
    }
    const listed = snapshots(await collect(omics.listJobs(STORE)));
    expect(listed.map((s) => s.status)).toEqual(statuses.map((s) => healthOmicsDefinition.statusMap[s]));
  });

  it('reports a raw value it does not know as UNKNOWN, keeping the raw value', async () => {
    fake.addScope(STORE);
    fake.addJob({
      referenceStoreId: STORE,
      id: jobId(1),
      status: 'PAUSED',
      sources: [{ status: 'VERIFYING' }, { status: 'FINISHED' }],
    });
    const snapshot = await adapter().describeJob({ scope: STORE, jobId: jobId(1) });
    expect(snapshot.status).toBe('UNKNOWN');
    expect(snapshot.rawStatus).toBe('PAUSED');
    expect(snapshot.sources?.[0]).toEqual({ rawStatus: 'VERIFYING', status: 'UNKNOWN' });
    expect(snapshot.progress).toMatchObject({ sourcesTotal: 2, sourcesFinished: 1, sourcesOther: 1 });
    const [listed] = snapshots(await collect(adapter().listJobs(STORE)));
    expect(listed).toMatchObject({ status: 'UNKNOWN', rawStatus: 'PAUSED' });
  });

  it('rejects invalid ids before any call, naming the job', async () => {
    fake.addScope(STORE);
    const omics = adapter();

    const badJob = await failure(omics.describeJob({ scope: STORE, jobId: '12345' }));
    expect(badJob).toBeInstanceOf(InvalidIdError);
    expect((badJob as InvalidIdError).job).toEqual({ service: 'healthomics', scope: STORE, jobId: '12345' });
    expect((badJob as InvalidIdError).field).toBe('id');
    expect((badJob as InvalidIdError).message).toContain('12345');

    const badStore = await failure(omics.describeJob({ scope: 'store-1', jobId: jobId(1) }));
    expect(badStore).toBeInstanceOf(InvalidIdError);
    expect((badStore as InvalidIdError).job).toEqual({
      service: 'healthomics',
      scope: 'store-1',
      jobId: jobId(1),
    });
    expect((badStore as InvalidIdError).field).toBe('referenceStoreId');

    const noStore = await failure(omics.describeJob({ jobId: jobId(1) }));
    expect(noStore).toBeInstanceOf(InvalidIdError);

    const badList = await failure(collect(omics.listJobs('not-digits')));
    expect(badList).toBeInstanceOf(InvalidIdError);
    expect((badList as InvalidIdError).job).toEqual({ service: 'healthomics', scope: 'not-digits' });

    expect(fake.server.calls).toHaveLength(0);
  });

  it('yields a list item without id or status as a malformed item, and keeps the others', async () => {
    fake.addScope(STORE);
    for (let n = 1; n <= 3; n += 1)
      fake.addJob({ referenceStoreId: STORE, id: jobId(n), status: 'IN_PROGRESS' });
    fake.tamper = (operation, body) => {
      if (operation !== 'ListReferenceImportJobs') return body;
      const jobs = body.importJobs as Record<string, unknown>[];
      delete jobs[0]?.status;
      delete jobs[1]?.id;
      return body;
    };
    const items = await collect(adapter().listJobs(STORE));
    expect(items).toHaveLength(3);
    const [noStatus, noId, good] = items;
    expect(noStatus?.ok).toBe(false);
    expect(noStatus?.ok === false && noStatus.error).toBeInstanceOf(MalformedResponseError);
    expect(noStatus?.ok === false && noStatus.error.job).toEqual({
      service: 'healthomics',
      scope: STORE,
      jobId: jobId(1),
    });
    expect(noId?.ok === false && noId.error.job).toEqual({ service: 'healthomics', scope: STORE });
    expect(good?.ok && good.snapshot.key.jobId).toBe(jobId(3));
  });

  it('retries throttling and then succeeds', async () => {
    fake.addScope(STORE);
    fake.addJob({ referenceStoreId: STORE, id: jobId(1), status: 'SUBMITTED' });
    fake.server.inject('GetReferenceImportJob', 'throttle', 2);
    const snapshot = await adapter({ maxAttempts: 3 }).describeJob({ scope: STORE, jobId: jobId(1) });
    expect(snapshot.status).toBe('QUEUED');
    const calls = fake.server.callsOf('GetReferenceImportJob');
    expect(calls.map((call) => call.status)).toEqual([429, 429, 200]);
  });

  it('classifies a persistent 500 as server, after the bounded retries', async () => {
    fake.addScope(STORE);
    fake.addJob({ referenceStoreId: STORE, id: jobId(1), status: 'SUBMITTED' });
    fake.server.inject('GetReferenceImportJob', 'server-error', 10);
    const error = await failure(adapter({ maxAttempts: 2 }).describeJob({ scope: STORE, jobId: jobId(1) }));
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('server');
    expect((error as ServiceCallError).job).toEqual({
      service: 'healthomics',
      scope: STORE,
      jobId: jobId(1),
    });
    expect((error as ServiceCallError).message).toContain(jobId(1));
    expect(fake.server.callsOf('GetReferenceImportJob')).toHaveLength(2);
  });

  it('classifies an unknown job as not-found', async () => {
    fake.addScope(STORE);
    const error = await failure(adapter().describeJob({ scope: STORE, jobId: jobId(404) }));
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('not-found');
    expect((error as ServiceCallError).operation).toBe('GetReferenceImportJob');
    expect(fake.server.callsOf('GetReferenceImportJob')).toHaveLength(1);
  });

  it('classifies an unknown reference store as not-found when listing', async () => {
    const error = await failure(collect(adapter().listJobs(STORE)));
    expect((error as ServiceCallError).kind).toBe('not-found');
    expect((error as ServiceCallError).job).toEqual({ service: 'healthomics', scope: STORE });
  });

  it('classifies a body that is not JSON as malformed', async () => {
    fake.addScope(STORE);
    fake.addJob({ referenceStoreId: STORE, id: jobId(1), status: 'SUBMITTED' });
    fake.server.inject('GetReferenceImportJob', 'malformed');
    const error = await failure(adapter().describeJob({ scope: STORE, jobId: jobId(1) }));
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('malformed');
  });

  it('ends a hung call within the request timeout', async () => {
    fake.addScope(STORE);
    fake.addJob({ referenceStoreId: STORE, id: jobId(1), status: 'SUBMITTED' });
    fake.server.inject('GetReferenceImportJob', 'hang');
    const started = Date.now();
    const error = await failure(
      adapter({ maxAttempts: 1, requestTimeoutMs: 300 }).describeJob({ scope: STORE, jobId: jobId(1) }),
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('timeout');
  });

  it('works through AWS_ENDPOINT_URL_OMICS, which needs disableHostPrefix', async () => {
    fake.addScope(STORE);
    fake.addJob({ referenceStoreId: STORE, id: jobId(1), status: 'IN_PROGRESS' });
    const saved = process.env.AWS_ENDPOINT_URL_OMICS;
    process.env.AWS_ENDPOINT_URL_OMICS = fake.endpoint;
    try {
      // Without the flag the SDK puts the host prefix in front of the overridden endpoint.
      const hosts: string[] = [];
      const plain = new OmicsClient({
        region: REGION,
        maxAttempts: 1,
        requestHandler: {
          handle: async (request: { hostname: string }) => {
            hosts.push(request.hostname);
            throw new Error('captured');
          },
        },
      });
      await failure(plain.send(new GetReferenceImportJobCommand({ referenceStoreId: STORE, id: jobId(1) })));
      expect(hosts).toEqual(['control-storage-127.0.0.1']);

      const omics = new HealthOmicsAdapter({
        settings: { maxAttempts: 1, requestTimeoutMs: 2_000 },
        region: REGION,
        clock: () => NOW,
      });
      const snapshot = await omics.describeJob({ scope: STORE, jobId: jobId(1) });
      expect(snapshot.status).toBe('RUNNING');
      expect(snapshot.key).toEqual({ service: 'healthomics', region: REGION, scope: STORE, jobId: jobId(1) });
      expect(await collect(omics.listScopes())).toEqual([STORE]);
      expect(fake.server.calls.map((call) => call.operation)).toEqual([
        'GetReferenceImportJob',
        'ListReferenceStores',
      ]);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_OMICS;
      else process.env.AWS_ENDPOINT_URL_OMICS = saved;
    }
  });
});

describe('HealthOmics fake', () => {
  const client = () =>
    new OmicsClient({ endpoint: fake.endpoint, region: REGION, maxAttempts: 1, disableHostPrefix: true });

  it('rejects a page token it did not issue, and one reused with another filter', async () => {
    for (let n = 1; n <= 3; n += 1) fake.addScope(storeId(n));
    const bad = await failure(client().send(new ListReferenceStoresCommand({ nextToken: 'forged' })));
    expect((bad as Error).name).toBe('ValidationException');

    const first = await client().send(new ListReferenceStoresCommand({ maxResults: 1 }));
    expect(first.nextToken).toBeTruthy();
    const reused = await failure(
      client().send(
        new ListReferenceStoresCommand({
          maxResults: 1,
          ...(first.nextToken && { nextToken: first.nextToken }),
          filter: { name: 'other' },
        }),
      ),
    );
    expect((reused as Error).name).toBe('ValidationException');
  });

  it('rejects a page size over the maximum and a job id that breaks the rule', async () => {
    fake.addScope(STORE);
    const tooBig = await failure(client().send(new ListReferenceStoresCommand({ maxResults: 101 })));
    expect((tooBig as Error).name).toBe('ValidationException');
    const badId = await failure(
      client().send(new GetReferenceImportJobCommand({ referenceStoreId: STORE, id: 'x1' })),
    );
    expect((badId as Error).name).toBe('ValidationException');
  });

  it('updates a job in place and exposes its state', () => {
    fake.addScope(STORE);
    fake.addJob({ referenceStoreId: STORE, id: jobId(1), status: 'IN_PROGRESS', statusMessage: 'working' });
    const done = new Date('2025-03-02T00:00:00.000Z');
    fake.updateJob(STORE, jobId(1), { status: 'COMPLETED', completionTime: done, statusMessage: undefined });
    const job = fake.getJob(STORE, jobId(1));
    expect(job).toMatchObject({ status: 'COMPLETED', completionTime: done });
    expect(job).not.toHaveProperty('statusMessage');
    expect(fake.jobs()).toHaveLength(1);
  });
});
