import {
  DescribeFHIRImportJobCommand,
  HealthLakeClient,
  JobStatus as HealthLakeSdkJobStatus,
  ListFHIRImportJobsCommand,
} from '@aws-sdk/client-healthlake';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientSettings } from '../../lambdas/aws/client-config.js';
import { InvalidIdError, MalformedResponseError, ServiceCallError } from '../../lambdas/core/errors.js';
import { JobStatus } from '../../lambdas/core/status.js';
import { HealthLakeAdapter } from '../../lambdas/services/healthlake/adapter.js';
import { healthLakeDefinition } from '../../lambdas/services/healthlake/definition.js';
import { HealthLakeFake } from '../../local/services/healthlake/fake.js';
import { collect, failure, restoreEnv, wellFormedSnapshots } from './support.js';

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const OBSERVED_AT = new Date('2025-03-01T12:00:00.000Z');
const STORE = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

const fake = new HealthLakeFake({ accountId: ACCOUNT });

beforeAll(async () => {
  await fake.start();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

function adapterWith(settings: ClientSettings = {}): HealthLakeAdapter {
  return new HealthLakeAdapter({
    settings: { endpoint: fake.endpoint, maxAttempts: 1, requestTimeoutMs: 5_000, ...settings },
    region: REGION,
    accountId: ACCOUNT,
    clock: () => OBSERVED_AT,
  });
}

describe('HealthLake definition', () => {
  it('maps every JobStatus value the installed SDK knows, and nothing else', () => {
    // Prepare
    const sdkValues = Object.values(HealthLakeSdkJobStatus) as string[];

    // Assess: a value AWS adds to the SDK fails here until it is mapped on purpose.
    const unmapped = sdkValues.filter((raw) => !Object.hasOwn(healthLakeDefinition.statusMap, raw));
    expect(unmapped).toEqual([]);
    expect(Object.keys(healthLakeDefinition.statusMap).sort()).toEqual([...sdkValues].sort());
  });

  it('maps each raw status to its normalized state', () => {
    expect(healthLakeDefinition.statusMap).toStrictEqual({
      SUBMITTED: JobStatus.QUEUED,
      QUEUED: JobStatus.QUEUED,
      IN_PROGRESS: JobStatus.RUNNING,
      COMPLETED: JobStatus.SUCCEEDED,
      COMPLETED_WITH_ERRORS: JobStatus.SUCCEEDED_WITH_ERRORS,
      FAILED: JobStatus.FAILED,
      CANCEL_SUBMITTED: JobStatus.CANCELLING,
      CANCEL_IN_PROGRESS: JobStatus.CANCELLING,
      CANCEL_COMPLETED: JobStatus.CANCELLED,
      CANCEL_FAILED: JobStatus.RUNNING,
    });
  });

  it('applies the documented id rule: 1-32 letters, separators, digits and _.:/=+-%@', () => {
    const rule = healthLakeDefinition.validateJobId;
    expect(rule(STORE)).toBeUndefined();
    expect(rule('Ärzte import 2024/03:a=b+c-d%e@f')).toBeUndefined();
    expect(rule('データ_1')).toBeUndefined();
    expect(rule('')).toMatch(/1-32 characters/);
    expect(rule('x'.repeat(33))).toMatch(/1-32 characters/);
    expect(rule('job!')).toMatch(/must match/);
    expect(rule('a#b')).toMatch(/must match/);
    expect(healthLakeDefinition.validateScopeId?.('store\n1')).toMatch(/must match/);
  });

  it('declares its list capabilities and page size', () => {
    expect(healthLakeDefinition.listFilters).toEqual({ status: true, submittedAfter: true });
    expect(healthLakeDefinition.maxPageSize).toBe(500);
    expect(healthLakeDefinition.scopeKind).toBe('data store');
  });
});

describe('HealthLakeAdapter.listScopes', () => {
  it('walks every page of ListFHIRDatastores and skips deleted data stores', async () => {
    // Prepare: 1,001 stores is three pages at the maximum page size of 500.
    const ids = Array.from({ length: 1_001 }, (_, index) => `store-${String(index).padStart(4, '0')}`);
    for (const id of ids) fake.addScope(id);
    fake.addScope('gone-store', 'old', { status: 'DELETED' });

    // Act
    const scopes = await collect(adapterWith().listScopes());

    // Assess
    expect(scopes).toEqual(ids);
    const calls = fake.server.callsOf('ListFHIRDatastores');
    expect(calls).toHaveLength(3);
    expect(calls.map((call) => call.body.MaxResults)).toEqual([500, 500, 500]);
    expect(calls[0]?.body.NextToken).toBeUndefined();
    expect(typeof calls[1]?.body.NextToken).toBe('string');
    expect(typeof calls[2]?.body.NextToken).toBe('string');
  });
});

describe('HealthLakeAdapter.listJobs', () => {
  it('walks every page, asking for the largest page, and returns full snapshots', async () => {
    // Prepare
    const ids = Array.from({ length: 1_050 }, (_, index) => `job-${index}`);
    for (const jobId of ids) fake.addJob({ scope: STORE, jobId, status: 'IN_PROGRESS' });

    // Act
    const listed = await collect(adapterWith().listJobs(STORE));

    // Assess
    expect(listed.every((item) => item.ok)).toBe(true);
    const found = wellFormedSnapshots(listed);
    expect(found.map((snapshot) => snapshot.key.jobId)).toEqual(ids);
    expect(found.every((snapshot) => snapshot.detail === 'full')).toBe(true);
    const calls = fake.server.callsOf('ListFHIRImportJobs');
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call.body.DatastoreId).toBe(STORE);
      expect(call.body.MaxResults).toBe(500);
      expect(call.body).not.toHaveProperty('JobStatus');
      expect(call.body).not.toHaveProperty('SubmittedAfter');
    }
    expect(calls.slice(1).every((call) => typeof call.body.NextToken === 'string')).toBe(true);
  });

  it('reports the end of each status pass after its last item, before the next pass is read', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'running', status: 'IN_PROGRESS' });
    fake.addJob({ scope: STORE, jobId: 'queued', status: 'QUEUED' });
    const seen: string[] = [];

    // Act
    const listing = adapterWith().listJobs(STORE, {
      rawStatuses: ['IN_PROGRESS', 'QUEUED'],
      onStatusPassEnd: (rawStatus) => seen.push(`end ${rawStatus}`),
    });
    for await (const item of listing) if (item.ok) seen.push(item.snapshot.key.jobId);

    // Assess
    expect(seen).toEqual(['running', 'end IN_PROGRESS', 'queued', 'end QUEUED']);
  });

  it('makes one filtered pass per raw status, JobStatus taking one value a call', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'submitted', status: 'SUBMITTED' });
    fake.addJob({ scope: STORE, jobId: 'running', status: 'IN_PROGRESS' });
    fake.addJob({ scope: STORE, jobId: 'done', status: 'COMPLETED' });

    // Act: a resume token means nothing to status passes (only unfiltered listings resume): it is not sent.
    const pageEnds: (string | undefined)[] = [];
    const listed = await collect(
      adapterWith().listJobs(STORE, {
        rawStatuses: ['SUBMITTED', 'IN_PROGRESS', 'SUBMITTED'],
        startToken: 'from-another-listing',
        onPageEnd: (token) => pageEnds.push(token),
      }),
    );

    // Assess
    expect(wellFormedSnapshots(listed).map((snapshot) => snapshot.key.jobId)).toEqual([
      'submitted',
      'running',
    ]);
    const calls = fake.server.callsOf('ListFHIRImportJobs');
    expect(calls.map((call) => call.body.JobStatus)).toEqual(['SUBMITTED', 'IN_PROGRESS']);
    expect(calls.map((call) => call.body.NextToken)).toEqual([undefined, undefined]);
    expect(pageEnds).toEqual([]);
  });

  it('passes SubmittedAfter as epoch seconds and gets only newer jobs', async () => {
    // Prepare
    const since = new Date('2025-02-01T00:00:00.500Z');
    fake.addJob({
      scope: STORE,
      jobId: 'old',
      status: 'COMPLETED',
      submittedAt: new Date('2025-01-15T00:00:00Z'),
    });
    fake.addJob({
      scope: STORE,
      jobId: 'new',
      status: 'COMPLETED',
      submittedAt: new Date('2025-02-10T00:00:00Z'),
    });

    // Act
    const listed = await collect(adapterWith().listJobs(STORE, { submittedAfter: since }));

    // Assess
    expect(wellFormedSnapshots(listed).map((snapshot) => snapshot.key.jobId)).toEqual(['new']);
    const [call] = fake.server.callsOf('ListFHIRImportJobs');
    expect(call?.body.SubmittedAfter).toBe(since.getTime() / 1000);
  });

  it('sends both filters together when both are asked', async () => {
    // Prepare
    const since = new Date('2025-02-01T00:00:00Z');
    fake.addJob({
      scope: STORE,
      jobId: 'a',
      status: 'QUEUED',
      submittedAt: new Date('2025-02-02T00:00:00Z'),
    });
    fake.addJob({
      scope: STORE,
      jobId: 'b',
      status: 'QUEUED',
      submittedAt: new Date('2025-01-02T00:00:00Z'),
    });
    fake.addJob({
      scope: STORE,
      jobId: 'c',
      status: 'FAILED',
      submittedAt: new Date('2025-02-02T00:00:00Z'),
    });

    // Act
    const listed = await collect(
      adapterWith().listJobs(STORE, { rawStatuses: ['QUEUED'], submittedAfter: since }),
    );

    // Assess
    expect(wellFormedSnapshots(listed).map((snapshot) => snapshot.key.jobId)).toEqual(['a']);
    expect(fake.server.callsOf('ListFHIRImportJobs').map((call) => call.body)).toEqual([
      { DatastoreId: STORE, MaxResults: 500, JobStatus: 'QUEUED', SubmittedAfter: since.getTime() / 1000 },
    ]);
  });

  it('reports an item without JobId or JobStatus as malformed and goes on with the others', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'good-1', status: 'QUEUED' });
    fake.addJob({ scope: STORE, jobId: 'no-status', status: 'QUEUED', wire: { JobStatus: undefined } });
    fake.addJob({ scope: STORE, jobId: 'no-id', status: 'QUEUED', wire: { JobId: undefined } });
    fake.addJob({ scope: STORE, jobId: 'bad-id', status: 'QUEUED', wire: { JobId: 'not#valid' } });
    fake.addJob({ scope: STORE, jobId: 'good-2', status: 'QUEUED' });

    // Act
    const listed = await collect(adapterWith().listJobs(STORE));

    // Assess
    expect(wellFormedSnapshots(listed).map((snapshot) => snapshot.key.jobId)).toEqual(['good-1', 'good-2']);
    const failures = listed.flatMap((item) => (item.ok ? [] : [item.error]));
    expect(failures).toHaveLength(3);
    expect(failures[0]).toBeInstanceOf(MalformedResponseError);
    expect(failures[0]?.message).toMatch(/no JobStatus/);
    expect(failures[0]?.job).toEqual({ service: 'healthlake', scope: STORE, jobId: 'no-status' });
    expect(failures[1]).toBeInstanceOf(MalformedResponseError);
    expect(failures[1]?.message).toMatch(/no JobId/);
    expect(failures[1]?.job).toEqual({ service: 'healthlake', scope: STORE });
    expect(failures[2]).toBeInstanceOf(InvalidIdError);
    expect(failures[2]?.job).toEqual({ service: 'healthlake', scope: STORE, jobId: 'not#valid' });
  });

  it('maps every raw status the SDK knows as it comes off a list page', async () => {
    // Prepare
    const raws = Object.values(HealthLakeSdkJobStatus) as string[];
    for (const raw of raws) fake.addJob({ scope: STORE, jobId: `job-${raw}`, status: raw });

    // Act
    const found = wellFormedSnapshots(await collect(adapterWith().listJobs(STORE)));

    // Assess
    expect(found.map((snapshot) => [snapshot.rawStatus, snapshot.status])).toEqual(
      raws.map((raw) => [raw, healthLakeDefinition.statusMap[raw]]),
    );
    expect(found.some((snapshot) => snapshot.status === JobStatus.UNKNOWN)).toBe(false);
  });

  it('fails with not-found for an unknown data store', async () => {
    const error = await failure(collect(adapterWith().listJobs('no-such-store')));
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('not-found');
    expect((error as ServiceCallError).job).toEqual({ service: 'healthlake', scope: 'no-such-store' });
  });
});

describe('HealthLakeAdapter.describeJob', () => {
  it('maps every field of DescribeFHIRImportJob to the snapshot', async () => {
    // Prepare
    fake.addJob({
      scope: STORE,
      jobId: 'c0ffee42',
      jobName: 'nightly FHIR load',
      status: 'COMPLETED_WITH_ERRORS',
      submittedAt: new Date('2025-02-28T22:15:30.250Z'),
      endedAt: new Date('2025-02-28T23:01:02.000Z'),
      message: '12 resources failed validation',
      inputLocation: 's3://fhir-in/2025-02-28/',
      outputLocation: 's3://fhir-out/logs/',
      kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/secret-key',
      dataAccessRoleArn: 'arn:aws:iam::111122223333:role/very-private-role',
      progress: {
        TotalNumberOfScannedFiles: 10,
        TotalSizeOfScannedFilesInMB: 12.5,
        TotalNumberOfImportedFiles: 9,
        TotalNumberOfResourcesScanned: 1_000,
        TotalNumberOfResourcesImported: 988,
        TotalNumberOfResourcesWithCustomerError: 12,
        TotalNumberOfFilesReadWithCustomerError: 1,
        Throughput: 3.75,
      },
    });

    // Act
    const snapshot = await adapterWith().describeJob({ scope: STORE, jobId: 'c0ffee42' });

    // Assess
    expect(snapshot).toStrictEqual({
      key: { service: 'healthlake', region: REGION, accountId: ACCOUNT, scope: STORE, jobId: 'c0ffee42' },
      jobName: 'nightly FHIR load',
      status: JobStatus.SUCCEEDED_WITH_ERRORS,
      rawStatus: 'COMPLETED_WITH_ERRORS',
      submittedAt: '2025-02-28T22:15:30.250Z',
      endedAt: '2025-02-28T23:01:02.000Z',
      message: '12 resources failed validation',
      failure: '12 resources failed validation',
      progress: {
        TotalNumberOfScannedFiles: 10,
        TotalSizeOfScannedFilesInMB: 12.5,
        TotalNumberOfImportedFiles: 9,
        TotalNumberOfResourcesScanned: 1_000,
        TotalNumberOfResourcesImported: 988,
        TotalNumberOfResourcesWithCustomerError: 12,
        TotalNumberOfFilesReadWithCustomerError: 1,
        Throughput: 3.75,
      },
      inputLocation: 's3://fhir-in/2025-02-28/',
      outputLocation: 's3://fhir-out/logs/',
      observedAt: OBSERVED_AT.toISOString(),
      detail: 'full',
    });
    const text = JSON.stringify(snapshot);
    expect(text).not.toContain('very-private-role');
    expect(text).not.toContain('secret-key');
    expect(fake.server.callsOf('DescribeFHIRImportJob').map((call) => call.body)).toEqual([
      { DatastoreId: STORE, JobId: 'c0ffee42' },
    ]);
  });

  it('leaves absent what the service does not report', async () => {
    // Prepare: no name, end time, message, progress or output; HealthLake never reports a start time.
    fake.addJob({
      scope: STORE,
      jobId: 'fresh',
      status: 'SUBMITTED',
      submittedAt: new Date('2025-03-01T11:00:00Z'),
    });

    // Act
    const snapshot = await adapterWith().describeJob({ scope: STORE, jobId: 'fresh' });

    // Assess
    expect(Object.keys(snapshot).sort()).toEqual(
      ['key', 'status', 'rawStatus', 'submittedAt', 'inputLocation', 'observedAt', 'detail'].sort(),
    );
    expect(snapshot.status).toBe(JobStatus.QUEUED);
    expect(snapshot.submittedAt).toBe('2025-03-01T11:00:00.000Z');
  });

  it('keeps an unknown raw status as UNKNOWN with the raw value beside it', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'future', status: 'PAUSED_FOR_REVIEW' });

    // Act
    const described = await adapterWith().describeJob({ scope: STORE, jobId: 'future' });
    const [listed] = wellFormedSnapshots(await collect(adapterWith().listJobs(STORE)));

    // Assess
    expect(described.status).toBe(JobStatus.UNKNOWN);
    expect(described.rawStatus).toBe('PAUSED_FOR_REVIEW');
    expect(listed?.status).toBe(JobStatus.UNKNOWN);
    expect(listed?.rawStatus).toBe('PAUSED_FOR_REVIEW');
  });

  it('rejects an invalid id before any call, naming the job', async () => {
    // Prepare
    const adapter = adapterWith();

    // Act
    const badJob = await failure(adapter.describeJob({ scope: STORE, jobId: 'job;drop' }));
    const badStore = await failure(adapter.describeJob({ scope: 'x'.repeat(33), jobId: 'ok' }));
    const noStore = await failure(adapter.describeJob({ jobId: 'ok' }));
    const badListScope = await failure(collect(adapter.listJobs('store#1')));

    // Assess
    expect(badJob).toBeInstanceOf(InvalidIdError);
    expect((badJob as InvalidIdError).job).toEqual({
      service: 'healthlake',
      scope: STORE,
      jobId: 'job;drop',
    });
    expect((badJob as InvalidIdError).field).toBe('JobId');
    expect((badJob as Error).message).toContain('job;drop');
    expect(badStore).toBeInstanceOf(InvalidIdError);
    expect((badStore as InvalidIdError).job).toEqual({
      service: 'healthlake',
      scope: 'x'.repeat(33),
      jobId: 'ok',
    });
    expect((badStore as InvalidIdError).field).toBe('DatastoreId');
    expect(noStore).toBeInstanceOf(InvalidIdError);
    expect(badListScope).toBeInstanceOf(InvalidIdError);
    expect(fake.server.calls).toHaveLength(0);
  });

  it('fails with not-found for a job the data store does not have', async () => {
    // Prepare
    fake.addScope(STORE);

    // Act
    const error = await failure(adapterWith().describeJob({ scope: STORE, jobId: 'missing' }));

    // Assess
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('not-found');
    expect((error as ServiceCallError).operation).toBe('DescribeFHIRImportJob');
    expect((error as ServiceCallError).job).toEqual({
      service: 'healthlake',
      scope: STORE,
      jobId: 'missing',
    });
  });
});

describe('HealthLakeAdapter against a misbehaving service', () => {
  beforeEach(() => {
    fake.addJob({ scope: STORE, jobId: 'steady', status: 'IN_PROGRESS' });
  });

  it('lets the SDK retry throttling and then succeeds', async () => {
    // Prepare
    fake.server.inject('DescribeFHIRImportJob', 'throttle', 2);

    // Act
    const snapshot = await adapterWith({ maxAttempts: 3 }).describeJob({ scope: STORE, jobId: 'steady' });

    // Assess
    expect(snapshot.rawStatus).toBe('IN_PROGRESS');
    const calls = fake.server.callsOf('DescribeFHIRImportJob');
    expect(calls.map((call) => call.fault ?? call.status)).toEqual(['throttle', 'throttle', 200]);
  });

  it('reports a persistent 500 as kind server after the SDK gave up', async () => {
    // Prepare
    fake.server.inject('DescribeFHIRImportJob', 'server-error', 10);

    // Act
    const error = await failure(
      adapterWith({ maxAttempts: 3 }).describeJob({ scope: STORE, jobId: 'steady' }),
    );

    // Assess
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('server');
    expect((error as ServiceCallError).job).toEqual({ service: 'healthlake', scope: STORE, jobId: 'steady' });
    expect(fake.server.callsOf('DescribeFHIRImportJob')).toHaveLength(3);
    fake.server.clearFaults();
  });

  it('ends a hung call within the request timeout', async () => {
    // Prepare
    fake.server.inject('DescribeFHIRImportJob', 'hang');
    const adapter = adapterWith({ maxAttempts: 1, requestTimeoutMs: 250 });
    const started = Date.now();

    // Act
    const error = await failure(adapter.describeJob({ scope: STORE, jobId: 'steady' }));

    // Assess
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('timeout');
    expect(fake.server.callsOf('DescribeFHIRImportJob')).toHaveLength(1);
  });

  it('reports a body that is not JSON as kind malformed', async () => {
    // Prepare
    fake.server.inject('ListFHIRImportJobs', 'malformed');

    // Act
    const error = await failure(collect(adapterWith().listJobs(STORE)));

    // Assess
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('malformed');
    expect((error as ServiceCallError).operation).toBe('ListFHIRImportJobs');
  });

  it('fails a describe answer without JobStatus as malformed, naming the job', async () => {
    // Prepare
    fake.updateJob(STORE, 'steady', { wire: { JobStatus: undefined } });

    // Act
    const error = await failure(adapterWith().describeJob({ scope: STORE, jobId: 'steady' }));

    // Assess
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as MalformedResponseError).job).toEqual({
      service: 'healthlake',
      scope: STORE,
      jobId: 'steady',
    });
  });
});

describe('HealthLakeAdapter endpoint from the environment', () => {
  const saved = {
    service: process.env.AWS_ENDPOINT_URL_HEALTHLAKE,
    global: process.env.AWS_ENDPOINT_URL,
  };

  afterAll(() => {
    restoreEnv('AWS_ENDPOINT_URL_HEALTHLAKE', saved.service);
    restoreEnv('AWS_ENDPOINT_URL', saved.global);
  });

  it('sends calls to AWS_ENDPOINT_URL_HEALTHLAKE when no endpoint is configured', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'via-env', status: 'QUEUED' });
    delete process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL_HEALTHLAKE = fake.endpoint;
    try {
      const adapter = new HealthLakeAdapter({ settings: { maxAttempts: 1 }, region: REGION });

      // Act
      const snapshot = await adapter.describeJob({ scope: STORE, jobId: 'via-env' });

      // Assess
      expect(snapshot.rawStatus).toBe('QUEUED');
      expect(fake.server.callsOf('DescribeFHIRImportJob')).toHaveLength(1);
    } finally {
      restoreEnv('AWS_ENDPOINT_URL_HEALTHLAKE', saved.service);
    }
  });

  it('sends calls to AWS_ENDPOINT_URL when only the global override is set', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'via-global', status: 'QUEUED' });
    delete process.env.AWS_ENDPOINT_URL_HEALTHLAKE;
    process.env.AWS_ENDPOINT_URL = fake.endpoint;
    try {
      const adapter = new HealthLakeAdapter({ settings: { maxAttempts: 1 }, region: REGION });

      // Act
      const snapshot = await adapter.describeJob({ scope: STORE, jobId: 'via-global' });

      // Assess
      expect(snapshot.key.jobId).toBe('via-global');
      expect(fake.server.callsOf('DescribeFHIRImportJob')).toHaveLength(1);
    } finally {
      restoreEnv('AWS_ENDPOINT_URL', saved.global);
    }
  });
});

describe('HealthLake fake, seen through the plain SDK client', () => {
  function client(): HealthLakeClient {
    return new HealthLakeClient({ endpoint: fake.endpoint, region: REGION, maxAttempts: 1 });
  }

  it('rejects a NextToken it did not issue, or one reused with other filters', async () => {
    // Prepare
    for (let index = 0; index < 3; index += 1)
      fake.addJob({ scope: STORE, jobId: `j${index}`, status: 'QUEUED' });
    const first = await client().send(new ListFHIRImportJobsCommand({ DatastoreId: STORE, MaxResults: 1 }));

    // Act
    const forged = await failure(
      client().send(new ListFHIRImportJobsCommand({ DatastoreId: STORE, NextToken: 'bm90LWEtdG9rZW4' })),
    );
    const reused = await failure(
      client().send(
        new ListFHIRImportJobsCommand({
          DatastoreId: STORE,
          JobStatus: 'FAILED',
          NextToken: first.NextToken,
        }),
      ),
    );

    // Assess
    expect(first.ImportJobPropertiesList).toHaveLength(1);
    expect(first.NextToken).toEqual(expect.any(String));
    expect((forged as Error).name).toBe('ValidationException');
    expect((reused as Error).name).toBe('ValidationException');
  });

  it('validates page size, status values and ids like the service', async () => {
    // Prepare
    fake.addScope(STORE);

    // Act
    const tooBig = await failure(
      client().send(new ListFHIRImportJobsCommand({ DatastoreId: STORE, MaxResults: 501 })),
    );
    const badStatus = await failure(
      client().send(
        new ListFHIRImportJobsCommand({ DatastoreId: STORE, JobStatus: 'DONE' as HealthLakeSdkJobStatus }),
      ),
    );
    const badId = await failure(
      client().send(new DescribeFHIRImportJobCommand({ DatastoreId: STORE, JobId: 'a#b' })),
    );

    // Assess
    expect((tooBig as Error).name).toBe('ValidationException');
    expect((badStatus as Error).name).toBe('ValidationException');
    expect((badId as Error).name).toBe('ValidationException');
  });

  it('reflects seeded changes on the next call', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'moving', status: 'QUEUED', message: 'waiting' });
    fake.updateJob(STORE, 'moving', {
      status: 'IN_PROGRESS',
      message: undefined,
      progress: { Throughput: 2 },
    });

    // Act
    const response = await client().send(
      new DescribeFHIRImportJobCommand({ DatastoreId: STORE, JobId: 'moving' }),
    );

    // Assess
    expect(response.ImportJobProperties?.JobStatus).toBe('IN_PROGRESS');
    expect(response.ImportJobProperties?.Message).toBeUndefined();
    expect(response.ImportJobProperties?.JobProgressReport?.Throughput).toBe(2);
    expect(fake.getJob(STORE, 'moving')?.status).toBe('IN_PROGRESS');
    expect(fake.jobs()).toHaveLength(1);
  });
});
