import {
  EntityResolutionClient,
  JobStatus as EntityResolutionJobStatus,
  GetIdMappingJobCommand,
  ListIdMappingJobsCommand,
} from '@aws-sdk/client-entityresolution';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientSettings } from '../../lambdas/aws/client-config.js';
import { InvalidIdError, MalformedResponseError, ServiceCallError } from '../../lambdas/core/errors.js';
import { JobStatus } from '../../lambdas/core/status.js';
import { EntityResolutionAdapter } from '../../lambdas/services/entityresolution/adapter.js';
import { entityResolutionDefinition } from '../../lambdas/services/entityresolution/definition.js';
import { FakeEntityResolution } from '../../local/services/entityresolution/fake.js';
import { collect, failure, snapshots } from './support.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const NOW = new Date('2025-03-04T05:06:07.891Z');
const WORKFLOW = 'customer-id-mapping';
const WORKFLOW_ARN = `arn:aws:entityresolution:${REGION}:${ACCOUNT}:idmappingworkflow/${WORKFLOW}`;

let fake: FakeEntityResolution;

beforeEach(async () => {
  fake = new FakeEntityResolution({ now: () => new Date('2025-03-01T00:00:00.000Z') });
  await fake.start();
});

afterEach(async () => {
  await fake.stop();
});

function adapter(settings: Partial<ClientSettings> = {}, accountId: string | undefined = ACCOUNT) {
  return new EntityResolutionAdapter({
    settings: { endpoint: fake.endpoint, maxAttempts: 3, requestTimeoutMs: 2_000, ...settings },
    region: REGION,
    ...(accountId !== undefined && { accountId }),
    clock: () => NOW,
  });
}

function jobId(n: number): string {
  return n.toString(16).padStart(32, 'a');
}

describe('Entity Resolution definition', () => {
  it('maps every JobStatus the installed SDK knows, explicitly', () => {
    const values = Object.values(EntityResolutionJobStatus);
    expect(values.length).toBeGreaterThan(0);
    for (const raw of values) {
      expect(Object.hasOwn(entityResolutionDefinition.statusMap, raw), `no mapping for ${raw}`).toBe(true);
      expect(entityResolutionDefinition.statusMap[raw]).not.toBe(JobStatus.UNKNOWN);
    }
    expect(entityResolutionDefinition.statusMap).toEqual({
      QUEUED: 'QUEUED',
      RUNNING: 'RUNNING',
      SUCCEEDED: 'SUCCEEDED',
      FAILED: 'FAILED',
    });
  });

  it('accepts a workflow name or an idmappingworkflow ARN, and 32-hex job ids', () => {
    const scope = entityResolutionDefinition.validateScopeId;
    expect(scope).toBeDefined();
    expect(scope?.(WORKFLOW)).toBeUndefined();
    expect(scope?.('a=b+c/d_e-9')).toBeUndefined();
    expect(scope?.(WORKFLOW_ARN)).toBeUndefined();
    expect(
      scope?.('arn:aws-cn:entityresolution:cn-north-1:123456789012:idmappingworkflow/x'),
    ).toBeUndefined();
    expect(scope?.('')).toMatch(/1-255/);
    expect(scope?.('has space')).toMatch(/must match/);
    expect(scope?.('arn:aws:entityresolution:us-east-1:123456789012:matchingworkflow/x')).toMatch(/ARN/);
    expect(scope?.('x'.repeat(256))).toMatch(/1-255/);
    const job = entityResolutionDefinition.validateJobId;
    expect(job('0123456789abcdef0123456789abcdef')).toBeUndefined();
    expect(job('0123456789ABCDEF0123456789ABCDEF')).toMatch(/a-f0-9/);
    expect(job('abc')).toMatch(/32/);
    expect(entityResolutionDefinition.listFilters).toEqual({ status: false, submittedAfter: false });
    expect(entityResolutionDefinition.maxPageSize).toBe(25);
  });
});

describe('Entity Resolution adapter against the fake', () => {
  it('discovers workflows (by name) across several pages', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `workflow-${i}`);
    for (const name of names) fake.addScope(name);
    expect(await collect(adapter().listScopes())).toEqual(names);
    const calls = fake.server.callsOf('ListIdMappingWorkflows');
    expect(calls).toHaveLength(3);
    expect(calls.map((call) => call.query.maxResults)).toEqual(['25', '25', '25']);
    expect(calls[2]?.query.nextToken).toBeTruthy();
  });

  it('lists every page of jobs as summaries, sending no filter even when asked', async () => {
    fake.addScope(WORKFLOW);
    for (let n = 1; n <= 60; n += 1) {
      fake.addJob({
        workflowName: WORKFLOW,
        jobId: jobId(n),
        status: 'SUCCEEDED',
        startTime: new Date(Date.UTC(2025, 0, 1, 0, 0, n, 250)),
        endTime: new Date(Date.UTC(2025, 0, 1, 1, 0, n)),
        metrics: { inputRecords: n },
      });
    }
    const listed = snapshots(
      await collect(adapter().listJobs(WORKFLOW, { rawStatuses: ['RUNNING'], submittedAfter: NOW })),
    );
    expect(listed).toHaveLength(60);
    const calls = fake.server.callsOf('ListIdMappingJobs');
    expect(calls).toHaveLength(3);
    expect(Object.keys(calls[1]?.query ?? {}).sort()).toEqual(['maxResults', 'nextToken']);
    expect(calls[0]?.params).toEqual({ workflowName: WORKFLOW });
    expect(listed[0]).toStrictEqual({
      key: {
        service: 'entityresolution',
        region: REGION,
        accountId: ACCOUNT,
        scope: WORKFLOW,
        jobId: jobId(1),
      },
      status: 'SUCCEEDED',
      rawStatus: 'SUCCEEDED',
      startedAt: '2025-01-01T00:00:01.250Z',
      endedAt: '2025-01-01T01:00:01.000Z',
      observedAt: NOW.toISOString(),
      detail: 'summary',
    });
  });

  it('turns a full describe into a snapshot, field by field, metrics under AWS names', async () => {
    fake.addScope(WORKFLOW);
    fake.addJob({
      workflowName: WORKFLOW,
      jobId: jobId(1),
      status: 'FAILED',
      startTime: new Date('2025-02-03T04:05:06.500Z'),
      endTime: new Date('2025-02-03T04:15:00.000Z'),
      metrics: {
        inputRecords: 1000,
        totalRecordsProcessed: 990,
        recordsNotProcessed: 10,
        totalMappedRecords: 0,
      },
      errorMessage: 'Access denied to the output bucket',
      outputSourceConfig: [
        {
          outputS3Path: 's3://out/mapping/',
          roleArn: 'arn:aws:iam::123456789012:role/er',
          KMSArn: 'arn:kms',
        },
      ],
      jobType: 'BATCH',
    });
    const snapshot = await adapter().describeJob({ scope: WORKFLOW, jobId: jobId(1) });
    expect(snapshot).toStrictEqual({
      key: {
        service: 'entityresolution',
        region: REGION,
        accountId: ACCOUNT,
        scope: WORKFLOW,
        jobId: jobId(1),
      },
      status: 'FAILED',
      rawStatus: 'FAILED',
      startedAt: '2025-02-03T04:05:06.500Z',
      endedAt: '2025-02-03T04:15:00.000Z',
      message: 'Access denied to the output bucket',
      failure: 'Access denied to the output bucket',
      jobType: 'BATCH',
      metrics: {
        inputRecords: 1000,
        totalRecordsProcessed: 990,
        recordsNotProcessed: 10,
        totalMappedRecords: 0,
      },
      outputLocation: 's3://out/mapping/',
      observedAt: NOW.toISOString(),
      detail: 'full',
    });
    expect(fake.server.callsOf('GetIdMappingJob')[0]?.params).toEqual({
      workflowName: WORKFLOW,
      jobId: jobId(1),
    });
  });

  it('leaves fields the job does not have absent', async () => {
    fake.addScope(WORKFLOW);
    fake.addJob({ workflowName: WORKFLOW, jobId: jobId(1), status: 'QUEUED' });
    const snapshot = await adapter().describeJob({ scope: WORKFLOW, jobId: jobId(1) });
    expect(snapshot.status).toBe('QUEUED');
    expect(snapshot.startedAt).toBe('2025-03-01T00:00:00.000Z');
    for (const absent of ['endedAt', 'submittedAt', 'message', 'metrics', 'progress', 'sources', 'jobName']) {
      expect(snapshot, absent).not.toHaveProperty(absent);
    }
    expect(snapshot).not.toHaveProperty('inputLocation');
    expect(snapshot).not.toHaveProperty('outputLocation');
  });

  it('accepts the workflow ARN as scope and keys the job by workflow name', async () => {
    fake.addScope(WORKFLOW);
    fake.addJob({ workflowName: WORKFLOW, jobId: jobId(1), status: 'RUNNING' });
    const snapshot = await adapter().describeJob({ scope: WORKFLOW_ARN, jobId: jobId(1) });
    expect(snapshot.key.scope).toBe(WORKFLOW);
    expect(fake.server.callsOf('GetIdMappingJob')[0]?.params.workflowName).toBe(WORKFLOW_ARN);
    const listed = snapshots(await collect(adapter().listJobs(WORKFLOW_ARN)));
    expect(listed.map((s) => s.key.scope)).toEqual([WORKFLOW]);

    // An ARN of another account is not this adapter's workflow: the key keeps the whole ARN.
    const other = await adapter({}, '210987654321').describeJob({ scope: WORKFLOW_ARN, jobId: jobId(1) });
    expect(other.key.scope).toBe(WORKFLOW_ARN);
  });

  it('maps every raw status end to end, through the real client', async () => {
    fake.addScope(WORKFLOW);
    const statuses = Object.values(EntityResolutionJobStatus);
    statuses.forEach((status, n) => {
      fake.addJob({ workflowName: WORKFLOW, jobId: jobId(n), status });
    });
    const er = adapter();
    for (const [n, status] of statuses.entries()) {
      const snapshot = await er.describeJob({ scope: WORKFLOW, jobId: jobId(n) });
      expect(snapshot.rawStatus).toBe(status);
      expect(snapshot.status).toBe(entityResolutionDefinition.statusMap[status]);
      expect(snapshot.status).not.toBe('UNKNOWN');
    }
    const listed = snapshots(await collect(er.listJobs(WORKFLOW)));
    expect(listed.map((s) => s.status)).toEqual(statuses.map((s) => entityResolutionDefinition.statusMap[s]));
  });

  it('reports a raw value it does not know as UNKNOWN, keeping the raw value', async () => {
    fake.addScope(WORKFLOW);
    fake.addJob({ workflowName: WORKFLOW, jobId: jobId(1), status: 'CANCELLED' });
    const snapshot = await adapter().describeJob({ scope: WORKFLOW, jobId: jobId(1) });
    expect(snapshot).toMatchObject({ status: 'UNKNOWN', rawStatus: 'CANCELLED' });
    const [listed] = snapshots(await collect(adapter().listJobs(WORKFLOW)));
    expect(listed).toMatchObject({ status: 'UNKNOWN', rawStatus: 'CANCELLED' });
  });

  it('rejects invalid ids before any call, naming the job', async () => {
    fake.addScope(WORKFLOW);
    const er = adapter();

    const badJob = await failure(er.describeJob({ scope: WORKFLOW, jobId: 'ABCDEF' }));
    expect(badJob).toBeInstanceOf(InvalidIdError);
    expect((badJob as InvalidIdError).job).toEqual({
      service: 'entityresolution',
      scope: WORKFLOW,
      jobId: 'ABCDEF',
    });
    expect((badJob as InvalidIdError).field).toBe('jobId');

    const badWorkflow = await failure(er.describeJob({ scope: 'no spaces allowed', jobId: jobId(1) }));
    expect(badWorkflow).toBeInstanceOf(InvalidIdError);
    expect((badWorkflow as InvalidIdError).job).toEqual({
      service: 'entityresolution',
      scope: 'no spaces allowed',
      jobId: jobId(1),
    });
    expect((badWorkflow as InvalidIdError).field).toBe('workflowName');

    expect(await failure(er.describeJob({ jobId: jobId(1) }))).toBeInstanceOf(InvalidIdError);
    const badList = await failure(collect(er.listJobs('arn:aws:s3:::bucket')));
    expect(badList).toBeInstanceOf(InvalidIdError);

    expect(fake.server.calls).toHaveLength(0);
  });

  it('yields a list item without job id or status as a malformed item, and keeps the others', async () => {
    fake.addScope(WORKFLOW);
    for (let n = 1; n <= 3; n += 1)
      fake.addJob({ workflowName: WORKFLOW, jobId: jobId(n), status: 'RUNNING' });
    fake.tamper = (operation, body) => {
      if (operation !== 'ListIdMappingJobs') return body;
      const jobs = body.jobs as Record<string, unknown>[];
      delete jobs[0]?.jobId;
      delete jobs[2]?.status;
      return body;
    };
    const items = await collect(adapter().listJobs(WORKFLOW));
    expect(items.map((item) => item.ok)).toEqual([false, true, false]);
    const [noId, , noStatus] = items;
    expect(noId?.ok === false && noId.error).toBeInstanceOf(MalformedResponseError);
    expect(noId?.ok === false && noId.error.job).toEqual({ service: 'entityresolution', scope: WORKFLOW });
    expect(noStatus?.ok === false && noStatus.error.job).toEqual({
      service: 'entityresolution',
      scope: WORKFLOW,
      jobId: jobId(3),
    });
  });

  it('retries throttling and then succeeds', async () => {
    fake.addScope(WORKFLOW);
    fake.addJob({ workflowName: WORKFLOW, jobId: jobId(1), status: 'RUNNING' });
    fake.server.inject('GetIdMappingJob', 'throttle', 2);
    const snapshot = await adapter({ maxAttempts: 3 }).describeJob({ scope: WORKFLOW, jobId: jobId(1) });
    expect(snapshot.status).toBe('RUNNING');
    expect(fake.server.callsOf('GetIdMappingJob').map((call) => call.status)).toEqual([429, 429, 200]);
  });

  it('classifies a persistent 500 as server, after the bounded retries', async () => {
    fake.addScope(WORKFLOW);
    fake.server.inject('ListIdMappingJobs', 'server-error', 10);
    const error = await failure(collect(adapter({ maxAttempts: 2 }).listJobs(WORKFLOW)));
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('server');
    expect((error as ServiceCallError).job).toEqual({ service: 'entityresolution', scope: WORKFLOW });
    expect(fake.server.callsOf('ListIdMappingJobs')).toHaveLength(2);
  });

  it('classifies an unknown job or workflow as not-found', async () => {
    fake.addScope(WORKFLOW);
    const job = await failure(adapter().describeJob({ scope: WORKFLOW, jobId: jobId(404) }));
    expect((job as ServiceCallError).kind).toBe('not-found');
    expect((job as ServiceCallError).job).toEqual({
      service: 'entityresolution',
      scope: WORKFLOW,
      jobId: jobId(404),
    });
    const workflow = await failure(collect(adapter().listJobs('missing-workflow')));
    expect((workflow as ServiceCallError).kind).toBe('not-found');
  });

  it('classifies a body that is not JSON as malformed', async () => {
    fake.addScope(WORKFLOW);
    fake.addJob({ workflowName: WORKFLOW, jobId: jobId(1), status: 'RUNNING' });
    fake.server.inject('GetIdMappingJob', 'malformed');
    const error = await failure(adapter().describeJob({ scope: WORKFLOW, jobId: jobId(1) }));
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).kind).toBe('malformed');
  });

  it('ends a hung call within the request timeout', async () => {
    fake.addScope(WORKFLOW);
    fake.addJob({ workflowName: WORKFLOW, jobId: jobId(1), status: 'RUNNING' });
    fake.server.inject('GetIdMappingJob', 'hang');
    const started = Date.now();
    const error = await failure(
      adapter({ maxAttempts: 1, requestTimeoutMs: 300 }).describeJob({ scope: WORKFLOW, jobId: jobId(1) }),
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((error as ServiceCallError).kind).toBe('timeout');
  });
});

describe('Entity Resolution fake', () => {
  const client = () =>
    new EntityResolutionClient({ endpoint: fake.endpoint, region: REGION, maxAttempts: 1 });

  it('rejects a forged page token and a page size over 25', async () => {
    fake.addScope(WORKFLOW);
    const forged = await failure(
      client().send(new ListIdMappingJobsCommand({ workflowName: WORKFLOW, nextToken: 'forged' })),
    );
    expect((forged as Error).name).toBe('ValidationException');
    const tooBig = await failure(
      client().send(new ListIdMappingJobsCommand({ workflowName: WORKFLOW, maxResults: 26 })),
    );
    expect((tooBig as Error).name).toBe('ValidationException');
  });

  it('rejects a job id that breaks the rule, and sends epoch-second dates', async () => {
    fake.addScope(WORKFLOW);
    fake.addJob({
      workflowName: WORKFLOW,
      jobId: jobId(1),
      status: 'SUCCEEDED',
      startTime: new Date(1_700_000_000_500),
    });
    const bad = await failure(
      client().send(new GetIdMappingJobCommand({ workflowName: WORKFLOW, jobId: 'nothex' })),
    );
    expect((bad as Error).name).toBe('ValidationException');
    const response = await fetch(`${fake.endpoint}/idmappingworkflows/${WORKFLOW}/jobs/${jobId(1)}`);
    expect(((await response.json()) as { startTime: unknown }).startTime).toBe(1_700_000_000.5);
  });

  it('updates a job in place', () => {
    fake.addScope(WORKFLOW);
    fake.addJob({ workflowName: WORKFLOW, jobId: jobId(1), status: 'RUNNING' });
    fake.updateJob(WORKFLOW, jobId(1), { status: 'SUCCEEDED', metrics: { inputRecords: 5 } });
    expect(fake.getJob(WORKFLOW, jobId(1))).toMatchObject({
      status: 'SUCCEEDED',
      metrics: { inputRecords: 5 },
    });
    expect(fake.jobs()).toHaveLength(1);
  });
});
