import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobQueries } from '../../cli/queries.js';
import type { PollResult } from '../../lambdas/handlers/poll-handler.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { createJobsTable } from '../../local/jobs-table.js';
import { FakeEntityResolution } from '../../local/services/entityresolution/fake.js';
import { HealthLakeFake } from '../../local/services/healthlake/fake.js';
import { startHistoryPublisher } from '../store/support.js';

/**
 * The deployed handler code, end to end: the real SDK clients against the wire-protocol fakes, the real
 * store on DynamoDB Local, configured only through the environment the stack sets.
 */
const ACCOUNT = '123456789012';
const DATASTORE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const WORKFLOW = 'customer-matching';

let ddb: DynamoDbLocal;
let queries: JobQueries;
const healthlake = new HealthLakeFake({ accountId: ACCOUNT });
const entityResolution = new FakeEntityResolution({ accountId: ACCOUNT });
type Handler = (event: unknown, context: Context) => Promise<PollResult>;
let pollHealthLake: Handler;
let pollEntityResolution: Handler;
const savedEnv = { ...process.env };

function lambdaContext(remainingMs = 300_000): Context {
  return {
    functionName: 'poller',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:poller`,
    getRemainingTimeInMillis: () => remainingMs,
    awsRequestId: 'req-1',
  } as Context;
}

function cycle(result: PollResult) {
  if (result.mode !== 'cycle') throw new Error(`expected a cycle, got ${result.mode}`);
  return result;
}

let historyPublisher: Awaited<ReturnType<typeof startHistoryPublisher>>;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1' });
  await createJobsTable(client, 'jobs-handler-test');
  queries = new JobQueries({ client, tableName: 'jobs-handler-test', consistentRead: true });
  // The stack's stream publisher, which stores the history the pollers' writes carry.
  historyPublisher = await startHistoryPublisher({ local: ddb, client, tableName: 'jobs-handler-test' });
  await healthlake.start();
  await entityResolution.start();
  Object.assign(process.env, {
    JOBS_TABLE_NAME: 'jobs-handler-test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_HEALTHLAKE: healthlake.endpoint,
    AWS_ENDPOINT_URL_ENTITYRESOLUTION: entityResolution.endpoint,
    JOBS_SDK_MAX_ATTEMPTS: '2',
    JOBS_PROGRESS_INTERVAL_SECONDS: '1',
  });
  // Handlers read their settings at module load, as in Lambda.
  pollHealthLake = (await import('../../lambdas/services/healthlake/handler.js')).handler as Handler;
  pollEntityResolution = (await import('../../lambdas/services/entityresolution/handler.js'))
    .handler as Handler;
});

afterAll(async () => {
  process.env = savedEnv;
  await historyPublisher?.stop();
  await healthlake.stop();
  await entityResolution.stop();
  await ddb?.stop();
});

beforeEach(() => {
  healthlake.server.resetCalls();
  entityResolution.server.resetCalls();
});

describe('HealthLake poller', () => {
  it('records every new job once, then costs nothing while nothing changes', async () => {
    // Prepare
    healthlake.addScope(DATASTORE);
    healthlake.addJob({ scope: DATASTORE, jobId: 'job-running', status: 'IN_PROGRESS', jobName: 'nightly' });
    healthlake.addJob({ scope: DATASTORE, jobId: 'job-queued', status: 'SUBMITTED' });

    // Act
    const first = cycle(await pollHealthLake({ kind: 'poll' }, lambdaContext()));
    const second = cycle(await pollHealthLake({ kind: 'poll' }, lambdaContext()));

    // Assess
    expect(first).toMatchObject({ transitions: 2, describes: 0, incomplete: false, errors: {} });
    expect(second).toMatchObject({ transitions: 0, progressWrites: 0, describes: 0 });
    const running = (await queries.running({ service: 'healthlake' })).items;
    expect(running.map((job) => job.snapshot.key.jobId).sort()).toEqual(['job-queued', 'job-running']);
    expect(running[0]?.snapshot.key).toMatchObject({
      accountId: ACCOUNT,
      region: 'us-east-1',
      scope: DATASTORE,
    });
    // HealthLake's list returns full properties: no describe call is needed at all.
    expect(healthlake.server.callsOf('DescribeFHIRImportJob')).toHaveLength(0);
  });

  it('turns a status change into exactly one history record with both statuses', async () => {
    // Prepare
    healthlake.updateJob(DATASTORE, 'job-running', { status: 'COMPLETED_WITH_ERRORS', endedAt: new Date() });

    // Act
    const result = cycle(await pollHealthLake({ kind: 'poll' }, lambdaContext()));

    // Assess
    expect(result.transitions).toBe(1);
    const key = (await queries.running({ service: 'healthlake' })).items[0]?.snapshot.key;
    expect(key?.jobId).toBe('job-queued');
    await historyPublisher.drain();
    const history = await queries.history(`healthlake/us-east-1/${ACCOUNT}/${DATASTORE}/job-running`);
    expect(
      history.items.map((record) => record.kind === 'transition' && [record.from?.status, record.to.status]),
    ).toEqual([
      [undefined, 'RUNNING'],
      ['RUNNING', 'SUCCEEDED_WITH_ERRORS'],
    ]);
  });

  it('goes on with the other jobs when one list item is malformed', async () => {
    // Prepare: a job whose list item lacks its status.
    healthlake.addJob({
      scope: DATASTORE,
      jobId: 'job-broken',
      status: 'IN_PROGRESS',
      wire: { JobStatus: undefined },
    });
    healthlake.addJob({ scope: DATASTORE, jobId: 'job-new', status: 'QUEUED' });

    // Act
    const result = cycle(await pollHealthLake({ kind: 'poll' }, lambdaContext()));

    // Assess
    expect(result.errors).toEqual({ malformed: 1 });
    expect(result.transitions).toBe(1);
    expect(await queries.job(`healthlake/us-east-1/${ACCOUNT}/${DATASTORE}/job-new`)).toBeDefined();
  });

  it('refreshes one job at once from a native HealthLake event', async () => {
    // Prepare
    healthlake.updateJob(DATASTORE, 'job-queued', { status: 'IN_PROGRESS' });
    const event = {
      source: 'aws.healthlake',
      'detail-type': 'Import Job In Progress',
      detail: { datastoreId: DATASTORE, jobId: 'job-queued' },
    };

    // Act
    const result = await pollHealthLake(event, lambdaContext());

    // Assess
    expect(result).toEqual({ mode: 'refresh', kind: 'recorded', result: 'transition' });
    expect(healthlake.server.calls.map((call) => call.operation)).toEqual(['DescribeFHIRImportJob']);
    const current = await queries.job(`healthlake/us-east-1/${ACCOUNT}/${DATASTORE}/job-queued`);
    expect(current?.snapshot.status).toBe('RUNNING');
  });

  it('reports an invalid id from a native event as a failure of that job only', async () => {
    const event = {
      source: 'aws.healthlake',
      'detail-type': 'Import Job Completed',
      detail: { datastoreId: DATASTORE, jobId: 'x'.repeat(40) },
    };
    expect(await pollHealthLake(event, lambdaContext())).toEqual({
      mode: 'refresh',
      kind: 'failed',
      errorKind: 'invalid-id',
    });
    expect(healthlake.server.calls).toHaveLength(0);
  });
});

describe('Entity Resolution poller (summary lists, no server-side filters)', () => {
  it('describes only new and changed jobs; a throttled describe fails that job alone', async () => {
    // Prepare
    entityResolution.addScope(WORKFLOW);
    const done = entityResolution.addJob({
      workflowName: WORKFLOW,
      status: 'SUCCEEDED',
      endTime: new Date(),
    });
    const running = entityResolution.addJob({ workflowName: WORKFLOW, status: 'RUNNING' });
    const first = cycle(await pollEntityResolution({ kind: 'poll' }, lambdaContext()));
    expect(first).toMatchObject({ transitions: 2, describes: 2 });
    entityResolution.server.resetCalls();

    // Act: one job moves; its describe is throttled past the SDK's retries.
    entityResolution.updateJob(WORKFLOW, running.jobId, { status: 'FAILED', errorMessage: 'bad input' });
    entityResolution.server.inject('GetIdMappingJob', 'throttle', 2);
    const throttled = cycle(await pollEntityResolution({ kind: 'poll' }, lambdaContext()));
    const recovered = cycle(await pollEntityResolution({ kind: 'poll' }, lambdaContext()));

    // Assess
    expect(throttled).toMatchObject({ transitions: 0, errors: { throttled: 1 } });
    expect(recovered).toMatchObject({ transitions: 1, errors: {} });
    await historyPublisher.drain();
    const history = await queries.history(
      `entityresolution/us-east-1/${ACCOUNT}/${WORKFLOW}/${running.jobId}`,
    );
    expect(history.items).toHaveLength(2);
    expect(history.items[1]?.snapshot).toMatchObject({ status: 'FAILED', message: 'bad input' });
    // The finished job was never described again.
    const describedIds = entityResolution.server.callsOf('GetIdMappingJob').map((call) => call.params.jobId);
    expect(describedIds).not.toContain(done.jobId);
  });

  it('stops starting work when the run is out of time, and the next run finishes it', async () => {
    // Prepare
    const jobs = [1, 2, 3].map(() => entityResolution.addJob({ workflowName: WORKFLOW, status: 'QUEUED' }));

    // Act
    const cut = cycle(await pollEntityResolution({ kind: 'poll' }, lambdaContext(1_000)));
    const next = cycle(await pollEntityResolution({ kind: 'poll' }, lambdaContext()));

    // Assess
    expect(cut).toMatchObject({ incomplete: true, skipped: 3, transitions: 0 });
    expect(next).toMatchObject({ incomplete: false, transitions: 3 });
    for (const job of jobs) {
      expect(
        await queries.job(`entityresolution/us-east-1/${ACCOUNT}/${WORKFLOW}/${job.jobId}`),
      ).toBeDefined();
    }
  });
});
