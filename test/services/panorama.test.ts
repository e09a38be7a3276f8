import {
  DescribePackageImportJobCommand,
  ListPackageImportJobsCommand,
  PackageImportJobStatus,
  PanoramaClient,
} from '@aws-sdk/client-panorama';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientSettings } from '../../lambdas/aws/client-config.js';
import { InvalidIdError, MalformedResponseError, ServiceCallError } from '../../lambdas/core/errors.js';
import { JobStatus } from '../../lambdas/core/status.js';
import { PanoramaAdapter } from '../../lambdas/services/panorama/adapter.js';
import { panoramaDefinition } from '../../lambdas/services/panorama/definition.js';
import { FakePanorama } from '../../local/services/panorama/fake.js';
import { collect, failure, snapshots } from './support.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const NOW = new Date('2025-03-04T05:06:07.891Z');

let fake: FakePanorama;

beforeEach(async () => {
  fake = new FakePanorama({ now: () => new Date('2025-03-01T00:00:00.000Z') });
  await fake.start();
});

afterEach(async () => {
  await fake.stop();
});

function adapter(settings: Partial<ClientSettings> = {}): PanoramaAdapter {
  return new PanoramaAdapter({
    settings: { endpoint: fake.endpoint, maxAttempts: 3, requestTimeoutMs: 2_000, ...settings },
    region: REGION,
    accountId: ACCOUNT,
    clock: () => NOW,
  });
}

function jobId(n: number): string {
  return `package-import-${n}`;
}

describe('Panorama definition', () => {
  it('maps every PackageImportJobStatus the installed SDK knows, explicitly', () => {
    const values = Object.values(PackageImportJobStatus);
    expect(values.length).toBeGreaterThan(0);
    for (const raw of values) {
      expect(Object.hasOwn(panoramaDefinition.statusMap, raw), `no mapping for ${raw}`).toBe(true);
      expect(panoramaDefinition.statusMap[raw]).not.toBe(JobStatus.UNKNOWN);
    }
    expect(panoramaDefinition.statusMap).toEqual({
      PENDING: 'RUNNING',
      SUCCEEDED: 'SUCCEEDED',
      FAILED: 'FAILED',
    });
  });

  it('has no scopes and validates job ids as 1-255 of [a-zA-Z0-9_-]', () => {
    expect(panoramaDefinition.scopeKind).toBeUndefined();
    expect(panoramaDefinition.validateScopeId).toBeUndefined();
    const rule = panoramaDefinition.validateJobId;
    expect(rule('abc-DEF_123')).toBeUndefined();
    expect(rule('a'.repeat(255))).toBeUndefined();
    expect(rule('')).toMatch(/1-255/);
    expect(rule('a'.repeat(256))).toMatch(/1-255/);
    expect(rule('has.dot')).toMatch(/must match/);
    expect(panoramaDefinition.listFilters).toEqual({ status: false, submittedAfter: false });
    expect(panoramaDefinition.maxPageSize).toBe(25);
  });
});

describe('Panorama adapter against the fake', () => {
  it('has one account-level scope and makes no call for it', async () => {
    expect(await collect(adapter().listScopes())).toEqual([undefined]);
    expect(fake.server.calls).toHaveLength(0);
  });

  it('lists every page of jobs as summaries, with the status message the list carries', async () => {
    for (let n = 1; n <= 60; n += 1) {
      fake.addJob({
        JobId: jobId(n),
        Status: 'SUCCEEDED',
        StatusMessage: `imported ${n}`,
        CreatedTime: new Date(Date.UTC(2025, 0, 1, 0, 0, n, 500)),
        LastUpdatedTime: new Date(Date.UTC(2025, 0, 1, 0, 5, n)),
        InputS3Location: { BucketName: 'pkgs', ObjectKey: `in/${n}.json` },
      });
    }
    const listed = snapshots(
      await collect(adapter().listJobs(undefined, { rawStatuses: ['PENDING'], submittedAfter: NOW })),
    );
    expect(listed).toHaveLength(60);
    const calls = fake.server.callsOf('ListPackageImportJobs');
    expect(calls).toHaveLength(3);
    expect(calls.map((call) => call.query.MaxResults)).toEqual(['25', '25', '25']);
    expect(Object.keys(calls[1]?.query ?? {}).sort()).toEqual(['MaxResults', 'NextToken']);
    expect(listed[0]).toStrictEqual({
      key: { service: 'panorama', region: REGION, accountId: ACCOUNT, jobId: jobId(1) },
      status: 'SUCCEEDED',
      rawStatus: 'SUCCEEDED',
      submittedAt: '2025-01-01T00:00:01.500Z',
      endedAt: '2025-01-01T00:05:01.000Z',
      message: 'imported 1',
      observedAt: NOW.toISOString(),
      detail: 'summary',
    });
  });

  it('resumes a listing at a page token an earlier listing reported, through the real client', async () => {
    for (let n = 1; n <= 60; n += 1) {
      fake.addJob({
        JobId: jobId(n),
        Status: 'PENDING',
        CreatedTime: new Date(Date.UTC(2025, 0, 1, 0, 0, n)),
      });
    }
    // A run cut short after its first page: the token of the page it did not reach is what it keeps.
    const reported: (string | undefined)[] = [];
    const firstRun: string[] = [];
    for await (const item of adapter().listJobs(undefined, { onPageEnd: (token) => reported.push(token) })) {
      firstRun.push(snapshots([item])[0]?.key.jobId ?? '');
      if (firstRun.length === 25) break;
    }
    expect(reported).toHaveLength(0);
    const fullRun: (string | undefined)[] = [];
    await collect(adapter().listJobs(undefined, { onPageEnd: (token) => fullRun.push(token) }));
    expect(fullRun).toHaveLength(3);
    expect(fullRun[2]).toBeUndefined();
    fake.server.resetCalls();

    const resumed = snapshots(
      await collect(adapter().listJobs(undefined, { startToken: fullRun[0] as string })),
    );

    expect(resumed.map((job) => job.key.jobId)).toEqual(Array.from({ length: 35 }, (_, i) => jobId(i + 26)));
    const calls = fake.server.callsOf('ListPackageImportJobs');
    expect(calls.map((call) => call.query.NextToken)).toEqual([fullRun[0], fullRun[1]]);
  });

  it('turns a full describe into a snapshot, field by field, with S3 locations', async () => {
    fake.addJob({
      JobId: jobId(1),
      Status: 'SUCCEEDED',
      StatusMessage: 'Package imported',
      CreatedTime: new Date('2025-02-03T04:05:06.250Z'),
      LastUpdatedTime: new Date('2025-02-03T04:07:00.000Z'),
      InputS3Location: { BucketName: 'pkgs', ObjectKey: 'nodes/descriptor.json', Region: 'us-east-1' },
      OutputConfig: { PackageName: 'camera-node', PackageVersion: '1.0', MarkLatest: true },
      Output: {
        PackageId: 'package-abc',
        PackageVersion: '1.0',
        PatchVersion: 'patch-1',
        OutputS3Location: { BucketName: 'panorama-out', ObjectKey: 'packages/camera-node/1.0' },
      },
    });
    const snapshot = await adapter().describeJob({ jobId: jobId(1) });
    expect(snapshot).toStrictEqual({
      key: { service: 'panorama', region: REGION, accountId: ACCOUNT, jobId: jobId(1) },
      status: 'SUCCEEDED',
      rawStatus: 'SUCCEEDED',
      submittedAt: '2025-02-03T04:05:06.250Z',
      endedAt: '2025-02-03T04:07:00.000Z',
      message: 'Package imported',
      inputLocation: 's3://pkgs/nodes/descriptor.json',
      outputLocation: 's3://panorama-out/packages/camera-node/1.0',
      observedAt: NOW.toISOString(),
      detail: 'full',
    });
    expect(fake.server.callsOf('DescribePackageImportJob')[0]?.params).toEqual({ JobId: jobId(1) });
  });

  it('reports no end time for a pending job, and leaves absent fields absent', async () => {
    fake.addJob({ JobId: jobId(1), Status: 'PENDING', CreatedTime: new Date('2025-02-03T04:05:06.000Z') });
    const snapshot = await adapter().describeJob({ jobId: jobId(1) });
    expect(snapshot).toMatchObject({
      status: 'RUNNING',
      rawStatus: 'PENDING',
      submittedAt: '2025-02-03T04:05:06.000Z',
    });
    for (const absent of [
      'endedAt',
      'startedAt',
      'message',
      'metrics',
      'progress',
      'sources',
      'jobName',
      'inputLocation',
      'outputLocation',
    ]) {
      expect(snapshot, absent).not.toHaveProperty(absent);
    }
    expect(snapshot.key).not.toHaveProperty('scope');
  });

  it('maps every raw status end to end, through the real client', async () => {
    const statuses = Object.values(PackageImportJobStatus);
    statuses.forEach((Status, n) => {
      fake.addJob({ JobId: jobId(n), Status });
    });
    const panorama = adapter();
    for (const [n, status] of statuses.entries()) {
      const snapshot = await panorama.describeJob({ jobId: jobId(n) });
      expect(snapshot.rawStatus).toBe(status);
      expect(snapshot.status).toBe(panoramaDefinition.statusMap[status]);
      expect(snapshot.status).not.toBe('UNKNOWN');
    }
    const listed = snapshots(await collect(panorama.listJobs(undefined)));
    expect(listed.map((s) => s.status)).toEqual(statuses.map((s) => panoramaDefinition.statusMap[s]));
  });

  it('reports a raw value it does not know as UNKNOWN, keeping the raw value', async () => {
    fake.addJob({ JobId: jobId(1), Status: 'VALIDATING' });
    expect(await adapter().describeJob({ jobId: jobId(1) })).toMatchObject({
      status: 'UNKNOWN',
      rawStatus: 'VALIDATING',
    });
    const [listed] = snapshots(await collect(adapter().listJobs(undefined)));
    expect(listed).toMatchObject({ status: 'UNKNOWN', rawStatus: 'VALIDATING' });
    expect(listed).not.toHaveProperty('endedAt');
  });

  it('rejects an invalid id before any call, naming the job', async () => {
    const error = await failure(adapter().describeJob({ jobId: 'bad/id' }));
    expect(error).toBeInstanceOf(InvalidIdError);
    expect((error as InvalidIdError).job).toEqual({ service: 'panorama', jobId: 'bad/id' });
    expect((error as InvalidIdError).field).toBe('JobId');
    expect(await failure(adapter().describeJob({ jobId: '' }))).toBeInstanceOf(InvalidIdError);
    expect(fake.server.calls).toHaveLength(0);
  });

  it('yields a list item without JobId or Status as a malformed item, and keeps the others', async () => {
    for (let n = 1; n <= 3; n += 1) fake.addJob({ JobId: jobId(n), Status: 'PENDING' });
    fake.tamper = (operation, body) => {
      if (operation !== 'ListPackageImportJobs') return body;
      const jobs = body.PackageImportJobs as Record<string, unknown>[];
      delete jobs[1]?.Status;
      delete jobs[2]?.JobId;
      return body;
    };
    const items = await collect(adapter().listJobs(undefined));
    expect(items.map((item) => item.ok)).toEqual([true, false, false]);
    const [, noStatus, noId] = items;
    expect(noStatus?.ok === false && noStatus.error).toBeInstanceOf(MalformedResponseError);
    expect(noStatus?.ok === false && noStatus.error.job).toEqual({ service: 'panorama', jobId: jobId(2) });
    expect(noId?.ok === false && noId.error.job).toEqual({ service: 'panorama' });
  });

  it('retries throttling, which Panorama does not model, and then succeeds', async () => {
    fake.addJob({ JobId: jobId(1), Status: 'PENDING' });
    fake.server.inject('DescribePackageImportJob', 'throttle', 2);
    const snapshot = await adapter({ maxAttempts: 3 }).describeJob({ jobId: jobId(1) });
    expect(snapshot.status).toBe('RUNNING');
    expect(fake.server.callsOf('DescribePackageImportJob').map((call) => call.status)).toEqual([
      429, 429, 200,
    ]);
  });

  it('classifies throttling that outlasts the retries as throttled', async () => {
    fake.addJob({ JobId: jobId(1), Status: 'PENDING' });
    fake.server.inject('DescribePackageImportJob', 'throttle', 5);
    const error = await failure(adapter({ maxAttempts: 1 }).describeJob({ jobId: jobId(1) }));
    expect((error as ServiceCallError).kind).toBe('throttled');
    expect(((error as ServiceCallError).cause as Error).name).toBe('ThrottlingException');
  });

  it('classifies a persistent 500 as server, after the bounded retries', async () => {
    fake.server.inject('ListPackageImportJobs', 'server-error', 10);
    const error = await failure(collect(adapter({ maxAttempts: 2 }).listJobs(undefined)));
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('server');
    expect((error as ServiceCallError).operation).toBe('ListPackageImportJobs');
    expect(fake.server.callsOf('ListPackageImportJobs')).toHaveLength(2);
  });

  it('classifies an unknown job as not-found, naming it', async () => {
    const error = await failure(adapter().describeJob({ jobId: jobId(404) }));
    expect((error as ServiceCallError).kind).toBe('not-found');
    expect((error as ServiceCallError).job).toEqual({ service: 'panorama', jobId: jobId(404) });
    expect((error as ServiceCallError).message).toContain(jobId(404));
  });

  it('classifies a body that is not JSON as malformed', async () => {
    fake.addJob({ JobId: jobId(1), Status: 'PENDING' });
    fake.server.inject('DescribePackageImportJob', 'malformed');
    const error = await failure(adapter().describeJob({ jobId: jobId(1) }));
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('malformed');
  });

  it('ends a hung call within the request timeout', async () => {
    fake.addJob({ JobId: jobId(1), Status: 'PENDING' });
    fake.server.inject('DescribePackageImportJob', 'hang');
    const started = Date.now();
    const error = await failure(
      adapter({ maxAttempts: 1, requestTimeoutMs: 300 }).describeJob({ jobId: jobId(1) }),
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((error as ServiceCallError).kind).toBe('timeout');
  });
});

describe('Panorama fake', () => {
  const client = () => new PanoramaClient({ endpoint: fake.endpoint, region: REGION, maxAttempts: 1 });

  it('rejects a forged page token and a page size over 25', async () => {
    const forged = await failure(client().send(new ListPackageImportJobsCommand({ NextToken: 'forged' })));
    expect((forged as Error).name).toBe('ValidationException');
    const tooBig = await failure(client().send(new ListPackageImportJobsCommand({ MaxResults: 26 })));
    expect((tooBig as Error).name).toBe('ValidationException');
  });

  it('rejects a job id that breaks the rule', async () => {
    const bad = await failure(client().send(new DescribePackageImportJobCommand({ JobId: 'a.b' })));
    expect((bad as Error).name).toBe('ValidationException');
  });

  it('moves LastUpdatedTime on every update, and sends epoch-second dates', async () => {
    fake.addJob({ JobId: jobId(1), Status: 'PENDING', CreatedTime: new Date(1_700_000_000_250) });
    fake.updateJob(undefined, jobId(1), { Status: 'FAILED', StatusMessage: 'Bad descriptor' });
    expect(fake.getJob(undefined, jobId(1))).toMatchObject({
      Status: 'FAILED',
      StatusMessage: 'Bad descriptor',
      LastUpdatedTime: new Date('2025-03-01T00:00:00.000Z'),
    });
    const response = await fetch(`${fake.endpoint}/packages/import-jobs/${jobId(1)}`);
    const body = (await response.json()) as { CreatedTime: unknown; LastUpdatedTime: unknown };
    expect(body.CreatedTime).toBe(1_700_000_000.25);
    expect(body.LastUpdatedTime).toBe(Date.parse('2025-03-01T00:00:00.000Z') / 1000);
    expect(fake.jobs()).toHaveLength(1);
  });
});
