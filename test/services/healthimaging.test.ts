import {
  GetDICOMImportJobCommand,
  JobStatus as ImagingSdkJobStatus,
  ListDICOMImportJobsCommand,
  MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientSettings } from '../../lambdas/aws/client-config.js';
import { compareSnapshots } from '../../lambdas/core/diff.js';
import { InvalidIdError, MalformedResponseError, ServiceCallError } from '../../lambdas/core/errors.js';
import type { Log } from '../../lambdas/core/ports.js';
import { planRecord } from '../../lambdas/core/recording.js';
import { JobStatus } from '../../lambdas/core/status.js';
import {
  HealthImagingAdapter,
  type HealthImagingAdapterOptions,
} from '../../lambdas/services/healthimaging/adapter.js';
import { healthImagingDefinition } from '../../lambdas/services/healthimaging/definition.js';
import { STORE_SETTING_DEFAULTS } from '../../lambdas/store/settings.js';
import { type MotoServer, startMotoServer } from '../../local/moto-server.js';
import { HealthImagingFake, jobOutputManifest } from '../../local/services/healthimaging/fake.js';
import { collect, failure, restoreEnv, wellFormedSnapshots } from './support.js';

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const OBSERVED_AT = new Date('2025-03-01T12:00:00.000Z');
const STORE = 'b1a2c3d4e5f60718293a4b5c6d7e8f90';

const fake = new HealthImagingFake({ accountId: ACCOUNT });

beforeAll(async () => {
  await fake.start();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

/** A 32-character id of [0-9a-z], distinct per number. */
function hexId(prefix: string, n: number): string {
  return `${prefix}${n.toString(16)}`.padStart(32, '0');
}

function adapterWith(
  settings: ClientSettings = {},
  extra: Partial<Omit<HealthImagingAdapterOptions, 'settings' | 'region'>> = {},
): HealthImagingAdapter {
  return new HealthImagingAdapter({
    settings: { endpoint: fake.endpoint, maxAttempts: 1, requestTimeoutMs: 5_000, ...settings },
    region: REGION,
    accountId: ACCOUNT,
    clock: () => OBSERVED_AT,
    ...extra,
  });
}

interface LogLine {
  readonly level: keyof Log;
  readonly message: string;
  readonly extra: Record<string, unknown> | undefined;
}

function capturingLog(): { log: Log; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: keyof Log) =>
    (message: string, extra?: Record<string, unknown>): void => {
      lines.push({ level, message, extra });
    };
  return { log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

describe('HealthImaging definition', () => {
  it('maps every JobStatus value the installed SDK knows, and nothing else', () => {
    // Prepare
    const sdkValues = Object.values(ImagingSdkJobStatus) as string[];

    // Assess: a value AWS adds to the SDK fails here until it is mapped on purpose.
    const unmapped = sdkValues.filter((raw) => !Object.hasOwn(healthImagingDefinition.statusMap, raw));
    expect(unmapped).toEqual([]);
    expect(Object.keys(healthImagingDefinition.statusMap).sort()).toEqual([...sdkValues].sort());
    expect(healthImagingDefinition.statusMap).toStrictEqual({
      SUBMITTED: JobStatus.QUEUED,
      IN_PROGRESS: JobStatus.RUNNING,
      COMPLETED: JobStatus.SUCCEEDED,
      FAILED: JobStatus.FAILED,
    });
  });

  it('applies the documented id rules', () => {
    const scope = healthImagingDefinition.validateScopeId;
    const job = healthImagingDefinition.validateJobId;
    expect(scope?.(STORE)).toBeUndefined();
    expect(scope?.(STORE.slice(1))).toMatch(/32-32 characters/);
    expect(scope?.(STORE.toUpperCase())).toMatch(/must match/);
    expect(job('a')).toBeUndefined();
    expect(job('0123456789abcdefghijklmnopqrstuv')).toBeUndefined();
    expect(job('')).toMatch(/1-32 characters/);
    expect(job('a'.repeat(33))).toMatch(/1-32 characters/);
    expect(job('job-1')).toMatch(/must match/);
  });

  it('declares a status filter, no time filter, and a page of 50', () => {
    expect(healthImagingDefinition.listFilters).toEqual({ status: true, submittedAfter: false });
    expect(healthImagingDefinition.maxPageSize).toBe(50);
  });
});

describe('HealthImagingAdapter.listScopes', () => {
  it('walks every page of ListDatastores and skips deleted data stores', async () => {
    // Prepare: 120 stores is three pages at the maximum page size of 50.
    const ids = Array.from({ length: 120 }, (_, index) => hexId('d', index));
    for (const id of ids) fake.addScope(id);
    fake.addScope(hexId('e', 1), 'old', { status: 'DELETED' });

    // Act
    const scopes = await collect(adapterWith().listScopes());

    // Assess
    expect(scopes).toEqual(ids);
    const calls = fake.server.callsOf('ListDatastores');
    expect(calls).toHaveLength(3);
    expect(calls.map((call) => call.query.maxResults)).toEqual(['50', '50', '50']);
    expect(calls[0]?.query.nextToken).toBeUndefined();
    expect(calls.slice(1).every((call) => typeof call.query.nextToken === 'string')).toBe(true);
  });
});

describe('HealthImagingAdapter.listJobs', () => {
  it('walks every page, asking for the largest page, and returns summaries', async () => {
    // Prepare
    const ids = Array.from({ length: 120 }, (_, index) => hexId('a', index));
    for (const jobId of ids)
      fake.addJob({ scope: STORE, jobId, status: 'IN_PROGRESS', outputLocation: 's3://o/p/' });

    // Act
    const listed = await collect(adapterWith().listJobs(STORE));

    // Assess
    expect(listed.every((item) => item.ok)).toBe(true);
    const found = wellFormedSnapshots(listed);
    expect(found.map((snapshot) => snapshot.key.jobId)).toEqual(ids);
    expect(found.every((snapshot) => snapshot.detail === 'summary')).toBe(true);
    // A summary has no S3 URIs.
    expect(found.some((snapshot) => 'outputLocation' in snapshot || 'inputLocation' in snapshot)).toBe(false);
    const calls = fake.server.callsOf('ListDICOMImportJobs');
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call.params).toEqual({ datastoreId: STORE });
      expect(call.query.maxResults).toBe('50');
      expect(call.query).not.toHaveProperty('jobStatus');
    }
    expect(calls.slice(1).every((call) => typeof call.query.nextToken === 'string')).toBe(true);
  });

  it('makes one filtered pass per raw status, jobStatus taking one value a call', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'a1', status: 'SUBMITTED' });
    fake.addJob({ scope: STORE, jobId: 'a2', status: 'IN_PROGRESS' });
    fake.addJob({ scope: STORE, jobId: 'a3', status: 'COMPLETED' });

    // Act
    const listed = await collect(
      adapterWith().listJobs(STORE, { rawStatuses: ['IN_PROGRESS', 'SUBMITTED'] }),
    );

    // Assess
    expect(wellFormedSnapshots(listed).map((snapshot) => snapshot.key.jobId)).toEqual(['a2', 'a1']);
    expect(fake.server.callsOf('ListDICOMImportJobs').map((call) => call.query)).toEqual([
      { jobStatus: 'IN_PROGRESS', maxResults: '50' },
      { jobStatus: 'SUBMITTED', maxResults: '50' },
    ]);
  });

  it('sends no time filter, which the API does not have', async () => {
    // Prepare
    fake.addJob({
      scope: STORE,
      jobId: 'old',
      status: 'COMPLETED',
      submittedAt: new Date('2024-01-01T00:00:00Z'),
    });

    // Act
    const listed = await collect(
      adapterWith().listJobs(STORE, { submittedAfter: new Date('2025-01-01T00:00:00Z') }),
    );

    // Assess
    expect(wellFormedSnapshots(listed).map((snapshot) => snapshot.key.jobId)).toEqual(['old']);
    expect(fake.server.callsOf('ListDICOMImportJobs').map((call) => call.query)).toEqual([
      { maxResults: '50' },
    ]);
  });

  it('reports an item without jobId or jobStatus as malformed and goes on with the others', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'b1', status: 'SUBMITTED' });
    fake.addJob({ scope: STORE, jobId: 'b2', status: 'SUBMITTED', wire: { jobStatus: undefined } });
    fake.addJob({ scope: STORE, jobId: 'b3', status: 'SUBMITTED', wire: { jobId: undefined } });
    fake.addJob({ scope: STORE, jobId: 'b4', status: 'SUBMITTED' });

    // Act
    const listed = await collect(adapterWith().listJobs(STORE));

    // Assess
    expect(wellFormedSnapshots(listed).map((snapshot) => snapshot.key.jobId)).toEqual(['b1', 'b4']);
    const failures = listed.flatMap((item) => (item.ok ? [] : [item.error]));
    expect(failures.map((error) => error.constructor)).toEqual([
      MalformedResponseError,
      MalformedResponseError,
    ]);
    expect(failures[0]?.job).toEqual({ service: 'healthimaging', scope: STORE, jobId: 'b2' });
    expect(failures[0]?.message).toMatch(/no jobStatus/);
    expect(failures[1]?.job).toEqual({ service: 'healthimaging', scope: STORE });
    expect(failures[1]?.message).toMatch(/no jobId/);
  });

  it('maps every raw status the SDK knows as it comes off a list page', async () => {
    // Prepare
    const raws = Object.values(ImagingSdkJobStatus) as string[];
    raws.forEach((raw, index) => {
      fake.addJob({ scope: STORE, jobId: hexId('c', index), status: raw });
    });

    // Act
    const found = wellFormedSnapshots(await collect(adapterWith().listJobs(STORE)));

    // Assess
    expect(found.map((snapshot) => [snapshot.rawStatus, snapshot.status])).toEqual(
      raws.map((raw) => [raw, healthImagingDefinition.statusMap[raw]]),
    );
  });
});

describe('HealthImagingAdapter.describeJob', () => {
  it('maps every field of GetDICOMImportJob to the snapshot', async () => {
    // Prepare
    fake.addJob({
      scope: STORE,
      jobId: 'f00d',
      jobName: 'ct-study-batch',
      status: 'FAILED',
      submittedAt: new Date('2025-02-28T08:00:00.125Z'),
      endedAt: new Date('2025-02-28T08:30:00Z'),
      message: 'Access denied to the input bucket',
      inputLocation: 's3://dicom-in/batch-7/',
      outputLocation: 's3://dicom-out/batch-7/b1a2-DicomImport-f00d/',
      dataAccessRoleArn: 'arn:aws:iam::111122223333:role/very-private-role',
    });

    // Act
    const snapshot = await adapterWith().describeJob({ scope: STORE, jobId: 'f00d' });

    // Assess
    expect(snapshot).toStrictEqual({
      key: { service: 'healthimaging', region: REGION, accountId: ACCOUNT, scope: STORE, jobId: 'f00d' },
      jobName: 'ct-study-batch',
      status: JobStatus.FAILED,
      rawStatus: 'FAILED',
      submittedAt: '2025-02-28T08:00:00.125Z',
      endedAt: '2025-02-28T08:30:00.000Z',
      message: 'Access denied to the input bucket',
      failure: 'Access denied to the input bucket',
      inputLocation: 's3://dicom-in/batch-7/',
      outputLocation: 's3://dicom-out/batch-7/b1a2-DicomImport-f00d/',
      observedAt: OBSERVED_AT.toISOString(),
      detail: 'full',
    });
    expect(JSON.stringify(snapshot)).not.toContain('very-private-role');
    const [call] = fake.server.callsOf('GetDICOMImportJob');
    expect(call?.params).toEqual({ datastoreId: STORE, jobId: 'f00d' });
  });

  it('leaves absent what the service does not report', async () => {
    // Prepare: no end time, message or output location; HealthImaging never reports a start time.
    fake.addJob({
      scope: STORE,
      jobId: 'f00e',
      jobName: 'queued',
      status: 'SUBMITTED',
      submittedAt: new Date('2025-03-01T11:00:00Z'),
    });

    // Act
    const snapshot = await adapterWith().describeJob({ scope: STORE, jobId: 'f00e' });

    // Assess
    expect(Object.keys(snapshot).sort()).toEqual(
      [
        'key',
        'jobName',
        'status',
        'rawStatus',
        'submittedAt',
        'inputLocation',
        'observedAt',
        'detail',
      ].sort(),
    );
    expect(snapshot.status).toBe(JobStatus.QUEUED);
  });

  it('keeps an unknown raw status as UNKNOWN with the raw value beside it', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'f00f', status: 'CANCELLED' });

    // Act
    const described = await adapterWith().describeJob({ scope: STORE, jobId: 'f00f' });

    // Assess
    expect(described.status).toBe(JobStatus.UNKNOWN);
    expect(described.rawStatus).toBe('CANCELLED');
  });

  it('rejects an invalid id before any call, naming the job', async () => {
    // Prepare
    const adapter = adapterWith();

    // Act
    const badJob = await failure(adapter.describeJob({ scope: STORE, jobId: 'Job-1' }));
    const badStore = await failure(adapter.describeJob({ scope: 'short', jobId: 'abc' }));
    const badListScope = await failure(collect(adapter.listJobs(STORE.toUpperCase())));

    // Assess
    expect(badJob).toBeInstanceOf(InvalidIdError);
    expect((badJob as InvalidIdError).job).toEqual({
      service: 'healthimaging',
      scope: STORE,
      jobId: 'Job-1',
    });
    expect((badJob as InvalidIdError).field).toBe('jobId');
    expect(badStore).toBeInstanceOf(InvalidIdError);
    expect((badStore as InvalidIdError).job).toEqual({
      service: 'healthimaging',
      scope: 'short',
      jobId: 'abc',
    });
    expect((badStore as InvalidIdError).field).toBe('datastoreId');
    expect(badListScope).toBeInstanceOf(InvalidIdError);
    expect(fake.server.calls).toHaveLength(0);
  });

  it('fails with not-found for a job the data store does not have', async () => {
    // Prepare
    fake.addScope(STORE);

    // Act
    const error = await failure(adapterWith().describeJob({ scope: STORE, jobId: 'abc' }));

    // Assess
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('not-found');
    expect((error as ServiceCallError).job).toEqual({ service: 'healthimaging', scope: STORE, jobId: 'abc' });
  });
});

describe('HealthImagingAdapter against a misbehaving service', () => {
  beforeEach(() => {
    fake.addJob({ scope: STORE, jobId: 'abc', status: 'IN_PROGRESS' });
  });

  it('lets the SDK retry throttling and then succeeds', async () => {
    // Prepare
    fake.server.inject('GetDICOMImportJob', 'throttle', 2);

    // Act
    const snapshot = await adapterWith({ maxAttempts: 3 }).describeJob({ scope: STORE, jobId: 'abc' });

    // Assess
    expect(snapshot.rawStatus).toBe('IN_PROGRESS');
    expect(fake.server.callsOf('GetDICOMImportJob').map((call) => call.fault ?? call.status)).toEqual([
      'throttle',
      'throttle',
      200,
    ]);
  });

  it('reports a persistent 500 as kind server after the SDK gave up', async () => {
    // Prepare
    fake.server.inject('ListDICOMImportJobs', 'server-error', 10);

    // Act
    const error = await failure(collect(adapterWith({ maxAttempts: 2 }).listJobs(STORE)));

    // Assess
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('server');
    expect((error as ServiceCallError).job).toEqual({ service: 'healthimaging', scope: STORE });
    expect(fake.server.callsOf('ListDICOMImportJobs')).toHaveLength(2);
    fake.server.clearFaults();
  });

  it('ends a hung call within the request timeout', async () => {
    // Prepare
    fake.server.inject('GetDICOMImportJob', 'hang');
    const adapter = adapterWith({ maxAttempts: 1, requestTimeoutMs: 250 });
    const started = Date.now();

    // Act
    const error = await failure(adapter.describeJob({ scope: STORE, jobId: 'abc' }));

    // Assess
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((error as ServiceCallError).kind).toBe('timeout');
  });

  it('reports a body that is not JSON as kind malformed', async () => {
    // Prepare
    fake.server.inject('GetDICOMImportJob', 'malformed');

    // Act
    const error = await failure(adapterWith().describeJob({ scope: STORE, jobId: 'abc' }));

    // Assess
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('malformed');
  });
});

describe('HealthImagingAdapter endpoint from the environment', () => {
  it('sends calls to AWS_ENDPOINT_URL_MEDICAL_IMAGING when no endpoint is configured', async () => {
    // Prepare
    const saved = {
      service: process.env.AWS_ENDPOINT_URL_MEDICAL_IMAGING,
      global: process.env.AWS_ENDPOINT_URL,
    };
    fake.addJob({ scope: STORE, jobId: 'e1', status: 'SUBMITTED' });
    delete process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL_MEDICAL_IMAGING = fake.endpoint;
    try {
      const adapter = new HealthImagingAdapter({ settings: { maxAttempts: 1 }, region: REGION });

      // Act
      const snapshot = await adapter.describeJob({ scope: STORE, jobId: 'e1' });

      // Assess
      expect(snapshot.rawStatus).toBe('SUBMITTED');
      expect(fake.server.callsOf('GetDICOMImportJob')).toHaveLength(1);
    } finally {
      restoreEnv('AWS_ENDPOINT_URL_MEDICAL_IMAGING', saved.service);
      restoreEnv('AWS_ENDPOINT_URL', saved.global);
    }
  });
});

describe('HealthImaging fake, seen through the plain SDK client', () => {
  function client(): MedicalImagingClient {
    return new MedicalImagingClient({ endpoint: fake.endpoint, region: REGION, maxAttempts: 1 });
  }

  it('rejects a forged nextToken, a page over 50 and ids that break the rule', async () => {
    // Prepare
    fake.addScope(STORE);

    // Act
    const forged = await failure(
      client().send(new ListDICOMImportJobsCommand({ datastoreId: STORE, nextToken: 'bm90LWEtdG9rZW4' })),
    );
    const tooBig = await failure(
      client().send(new ListDICOMImportJobsCommand({ datastoreId: STORE, maxResults: 51 })),
    );
    const badId = await failure(
      client().send(new GetDICOMImportJobCommand({ datastoreId: STORE, jobId: 'A_B' })),
    );
    const unknownStore = await failure(
      client().send(new ListDICOMImportJobsCommand({ datastoreId: hexId('f', 9) })),
    );

    // Assess
    expect((forged as Error).name).toBe('ValidationException');
    expect((tooBig as Error).name).toBe('ValidationException');
    expect((badId as Error).name).toBe('ValidationException');
    expect((unknownStore as Error).name).toBe('ResourceNotFoundException');
  });

  it('answers a path with a broken percent-escape with 404 instead of leaving the client waiting', async () => {
    // Act
    const response = await fetch(`${fake.endpoint}/getDICOMImportJob/datastore/%E0%A4/job/abc`);

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });

  it('sends the S3 URIs from GetDICOMImportJob only, never in list summaries', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'u1', status: 'COMPLETED', outputLocation: 's3://o/u1/' });

    // Act
    const got = await client().send(new GetDICOMImportJobCommand({ datastoreId: STORE, jobId: 'u1' }));
    const listed = await client().send(new ListDICOMImportJobsCommand({ datastoreId: STORE }));

    // Assess
    expect(got.jobProperties?.outputS3Uri).toBe('s3://o/u1/');
    expect(listed.jobSummaries?.[0]).not.toHaveProperty('outputS3Uri');
    expect(fake.getJob(STORE, 'u1')?.status).toBe('COMPLETED');
  });
});

describe('HealthImagingAdapter output manifest', () => {
  const BUCKET = 'imaging-output';
  const ALLOWED = `s3://${BUCKET}/allowed`;
  let moto: MotoServer;
  let s3: S3Client;

  beforeAll(async () => {
    moto = await startMotoServer();
    s3 = new S3Client({ endpoint: moto.endpoint, region: REGION, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });

  async function putManifest(key: string, body: string): Promise<void> {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }

  function completedJob(jobId: string, outputLocation: string): void {
    fake.addJob({
      scope: STORE,
      jobId,
      status: 'COMPLETED',
      endedAt: new Date('2025-03-01T10:00:00Z'),
      outputLocation,
    });
  }

  function manifestAdapter(
    log?: Log,
    extra: Partial<HealthImagingAdapterOptions> = {},
  ): HealthImagingAdapter {
    return adapterWith(
      {},
      {
        manifestLocations: [ALLOWED],
        s3Settings: { endpoint: moto.endpoint, maxAttempts: 1 },
        ...(log && { log }),
        ...extra,
      },
    );
  }

  it('looks again for a manifest written late, and records the failed files as their own transition', async () => {
    // Prepare: the job ended two hours ago; its manifest is not written yet.
    const output = `${ALLOWED}/${STORE}-DicomImport-ab01/`;
    completedJob('ab01', output);
    const { log, lines } = capturingLog();
    const adapter = manifestAdapter(log, { manifestWaitSeconds: 3 * 3600 });

    // Act: before and after HealthImaging writes the manifest.
    const waiting = await adapter.describeJob({ scope: STORE, jobId: 'ab01' });
    await putManifest(
      `allowed/${STORE}-DicomImport-ab01/job-output-manifest.json`,
      jobOutputManifest(
        { scope: STORE, jobId: 'ab01', outputLocation: output },
        { numberOfImportedFiles: 8, numberOfFilesWithCustomerError: 2 },
      ),
    );
    const written = await adapter.describeJob({ scope: STORE, jobId: 'ab01' });

    // Assess: not final while it waits; then a transition of its own to partial success.
    expect(waiting).toMatchObject({ status: JobStatus.RUNNING, rawStatus: 'COMPLETED' });
    expect(written).toMatchObject({
      status: JobStatus.SUCCEEDED_WITH_ERRORS,
      rawStatus: 'COMPLETED',
      failure: '2 of 10 files failed: 2 with customer errors, 0 with server errors',
    });
    expect(compareSnapshots(waiting, written)).toMatchObject({
      kind: 'transition',
      from: JobStatus.RUNNING,
      to: JobStatus.SUCCEEDED_WITH_ERRORS,
    });
    const first = planRecord(undefined, waiting, STORE_SETTING_DEFAULTS, OBSERVED_AT).write?.current;
    if (!first) throw new Error('a new job is always written');
    const second = planRecord(first, written, STORE_SETTING_DEFAULTS, OBSERVED_AT).write?.history;
    expect(second).toMatchObject({ kind: 'transition', to: { status: JobStatus.SUCCEEDED_WITH_ERRORS } });
    expect(lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('counts a job final once the wait for its manifest is over', async () => {
    completedJob('ab02', `${ALLOWED}/${STORE}-DicomImport-ab02/`);
    const { log, lines } = capturingLog();
    const snapshot = await manifestAdapter(log, { manifestWaitSeconds: 3600 }).describeJob({
      scope: STORE,
      jobId: 'ab02',
    });
    expect(snapshot.status).toBe(JobStatus.SUCCEEDED);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  });

  it('turns COMPLETED with failed files into SUCCEEDED_WITH_ERRORS with the counts', async () => {
    // Prepare
    const output = `${ALLOWED}/${STORE}-DicomImport-aa01/`;
    completedJob('aa01', output);
    await putManifest(
      `allowed/${STORE}-DicomImport-aa01/job-output-manifest.json`,
      jobOutputManifest(
        { scope: STORE, jobId: 'aa01', outputLocation: output },
        { numberOfImportedFiles: 3, numberOfFilesWithCustomerError: 2, numberOfGeneratedImageSets: 2 },
      ),
    );
    const { log, lines } = capturingLog();

    // Act
    const snapshot = await manifestAdapter(log).describeJob({ scope: STORE, jobId: 'aa01' });

    // Assess
    expect(snapshot.status).toBe(JobStatus.SUCCEEDED_WITH_ERRORS);
    expect(snapshot.rawStatus).toBe('COMPLETED');
    expect(snapshot.metrics).toStrictEqual({
      numberOfScannedFiles: 5,
      numberOfImportedFiles: 3,
      numberOfFilesWithCustomerError: 2,
      numberOfFilesWithServerError: 0,
      numberOfGeneratedImageSets: 2,
    });
    expect(lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('reads the manifest whether or not outputS3Uri ends with a slash', async () => {
    // Prepare
    completedJob('aa02', `${ALLOWED}/no-slash`);
    await putManifest(
      'allowed/no-slash/job-output-manifest.json',
      jobOutputManifest(
        { scope: STORE, jobId: 'aa02' },
        { numberOfImportedFiles: 1, numberOfFilesWithServerError: 1 },
      ),
    );

    // Act
    const snapshot = await manifestAdapter().describeJob({ scope: STORE, jobId: 'aa02' });

    // Assess
    expect(snapshot.status).toBe(JobStatus.SUCCEEDED_WITH_ERRORS);
    expect(snapshot.metrics?.numberOfFilesWithServerError).toBe(1);
  });

  it('keeps SUCCEEDED, with the counts, when no file failed', async () => {
    // Prepare
    completedJob('aa03', `${ALLOWED}/clean/`);
    await putManifest(
      'allowed/clean/job-output-manifest.json',
      jobOutputManifest({ scope: STORE, jobId: 'aa03' }, { numberOfImportedFiles: 40 }),
    );

    // Act
    const snapshot = await manifestAdapter().describeJob({ scope: STORE, jobId: 'aa03' });

    // Assess
    expect(snapshot.status).toBe(JobStatus.SUCCEEDED);
    expect(snapshot.metrics).toMatchObject({ numberOfImportedFiles: 40, numberOfFilesWithCustomerError: 0 });
  });

  it('keeps SUCCEEDED and logs a warning with the job key when the manifest is missing', async () => {
    // Prepare
    completedJob('aa04', `${ALLOWED}/missing/`);
    const { log, lines } = capturingLog();

    // Act
    const snapshot = await manifestAdapter(log).describeJob({ scope: STORE, jobId: 'aa04' });

    // Assess
    expect(snapshot.status).toBe(JobStatus.SUCCEEDED);
    expect(snapshot).not.toHaveProperty('metrics');
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.extra).toMatchObject({ job: `healthimaging:${STORE}/aa04`, errorKind: 'not-found' });
  });

  it('keeps SUCCEEDED and logs a warning, never the content, when the manifest is garbled', async () => {
    // Prepare
    completedJob('aa05', `${ALLOWED}/garbled/`);
    completedJob('aa06', `${ALLOWED}/other-job/`);
    completedJob('aa07', `${ALLOWED}/no-counts/`);
    await putManifest('allowed/garbled/job-output-manifest.json', '{"jobSummary": {"numberOfFilesWith');
    await putManifest(
      'allowed/other-job/job-output-manifest.json',
      jobOutputManifest(
        { scope: STORE, jobId: 'ffff' },
        { numberOfImportedFiles: 0, numberOfFilesWithCustomerError: 9 },
      ),
    );
    await putManifest(
      'allowed/no-counts/job-output-manifest.json',
      '{"jobSummary": {"patientName": "SECRET"}}',
    );
    const { log, lines } = capturingLog();
    const adapter = manifestAdapter(log);

    // Act
    const results = [
      await adapter.describeJob({ scope: STORE, jobId: 'aa05' }),
      await adapter.describeJob({ scope: STORE, jobId: 'aa06' }),
      await adapter.describeJob({ scope: STORE, jobId: 'aa07' }),
    ];

    // Assess
    expect(results.map((snapshot) => snapshot.status)).toEqual([
      JobStatus.SUCCEEDED,
      JobStatus.SUCCEEDED,
      JobStatus.SUCCEEDED,
    ]);
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings.map((line) => [line.extra?.job, line.extra?.reason])).toEqual([
      [`healthimaging:${STORE}/aa05`, 'manifest is not JSON'],
      [`healthimaging:${STORE}/aa06`, 'manifest belongs to another job'],
      [`healthimaging:${STORE}/aa07`, 'manifest has no failed-file counts'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('SECRET');
    expect(JSON.stringify(lines)).not.toContain(BUCKET);
  });

  it('never reads S3 for a location that is not allowed', async () => {
    // Prepare: a manifest with failures that would change the status if it were read.
    completedJob('aa08', `s3://${BUCKET}/elsewhere/`);
    completedJob('aa09', `s3://${BUCKET}/allowedToo/`);
    await putManifest(
      'elsewhere/job-output-manifest.json',
      jobOutputManifest(
        { scope: STORE, jobId: 'aa08' },
        { numberOfImportedFiles: 0, numberOfFilesWithCustomerError: 5 },
      ),
    );
    await putManifest(
      'allowedToo/job-output-manifest.json',
      jobOutputManifest(
        { scope: STORE, jobId: 'aa09' },
        { numberOfImportedFiles: 0, numberOfFilesWithCustomerError: 5 },
      ),
    );
    const send = vi.spyOn(s3, 'send');
    const factory = vi.fn(() => s3);
    const adapter = manifestAdapter(undefined, { s3ClientFactory: factory });

    // Act
    const outside = await adapter.describeJob({ scope: STORE, jobId: 'aa08' });
    // `allowed` is a path prefix: `allowedToo/` is not inside it.
    const lookalike = await adapter.describeJob({ scope: STORE, jobId: 'aa09' });

    // Assess
    expect(outside.status).toBe(JobStatus.SUCCEEDED);
    expect(lookalike.status).toBe(JobStatus.SUCCEEDED);
    expect(outside).not.toHaveProperty('metrics');
    expect(factory).not.toHaveBeenCalled();
    expect(send).not.toHaveBeenCalled();
  });

  it('never reads S3 when no location is configured', async () => {
    // Prepare
    completedJob('aa0a', `${ALLOWED}/unconfigured/`);
    await putManifest(
      'allowed/unconfigured/job-output-manifest.json',
      jobOutputManifest(
        { scope: STORE, jobId: 'aa0a' },
        { numberOfImportedFiles: 0, numberOfFilesWithCustomerError: 1 },
      ),
    );
    const factory = vi.fn(() => s3);

    // Act
    const snapshot = await adapterWith({}, { s3ClientFactory: factory }).describeJob({
      scope: STORE,
      jobId: 'aa0a',
    });

    // Assess
    expect(snapshot.status).toBe(JobStatus.SUCCEEDED);
    expect(factory).not.toHaveBeenCalled();
  });

  it('reads the manifest through an injected S3 client when one is given', async () => {
    // Prepare
    completedJob('aa0b', `${ALLOWED}/injected/`);
    await putManifest(
      'allowed/injected/job-output-manifest.json',
      jobOutputManifest(
        { scope: STORE, jobId: 'aa0b' },
        { numberOfImportedFiles: 2, numberOfFilesWithCustomerError: 1 },
      ),
    );
    const send = vi.spyOn(s3, 'send');
    const factory = vi.fn(() => s3);

    // Act
    const snapshot = await manifestAdapter(undefined, { s3ClientFactory: factory }).describeJob({
      scope: STORE,
      jobId: 'aa0b',
    });

    // Assess
    expect(snapshot.status).toBe(JobStatus.SUCCEEDED_WITH_ERRORS);
    expect(factory).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('does not read a manifest for a job that is not COMPLETED', async () => {
    // Prepare
    fake.addJob({ scope: STORE, jobId: 'aa0c', status: 'FAILED', outputLocation: `${ALLOWED}/failed/` });
    const factory = vi.fn(() => s3);

    // Act
    const snapshot = await manifestAdapter(undefined, { s3ClientFactory: factory }).describeJob({
      scope: STORE,
      jobId: 'aa0c',
    });

    // Assess
    expect(snapshot.status).toBe(JobStatus.FAILED);
    expect(factory).not.toHaveBeenCalled();
  });

  it('refuses a manifest location that is not an s3:// URI at construction', () => {
    expect(() => adapterWith({}, { manifestLocations: ['https://example.com/x'] })).toThrow(/s3:\/\/bucket/);
  });
});
