import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRIC_SERIES, METRICS_SERVICE } from '../../lambdas/contract/metrics.js';
import { type CycleReport, combineReports } from '../../lambdas/core/poll/tally.js';
import { createMetrics, publishCycleMetrics } from '../../lambdas/handlers/observability.js';
import type { PollResult } from '../../lambdas/handlers/poll-handler.js';
import { servicePoller } from '../../lambdas/handlers/service-poller.js';
import { healthLakeService } from '../../lambdas/services/healthlake/index.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { createJobsTable } from '../../local/jobs-table.js';
import { HealthLakeFake } from '../../local/services/healthlake/fake.js';

/**
 * What the deployed poller writes to CloudWatch: real Powertools (metrics on, logs at INFO) on stdout, the
 * real SDK client against the HealthLake wire fake, the real store on DynamoDB Local.
 */
const ACCOUNT = '123456789012';
const DATASTORE = 'b1b2c3d4e5f60718293a4b5c6d7e8f90';

let ddb: DynamoDbLocal;
let client: DynamoDBClient;
const healthlake = new HealthLakeFake({ accountId: ACCOUNT });
const savedEnv = { ...process.env };
type Handler = (event: unknown, context: Context) => Promise<PollResult>;

const context = {
  functionName: 'poller',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:poller`,
  getRemainingTimeInMillis: () => 300_000,
  awsRequestId: 'req-1',
} as Context;

interface Emf {
  readonly _aws: { readonly CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  readonly [key: string]: unknown;
}

/** One invocation, with every JSON line it wrote to stdout or stderr. */
async function invoke(handler: Handler): Promise<{ lines: Record<string, unknown>[]; error?: unknown }> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  let error: unknown;
  try {
    await handler({ kind: 'poll' }, context);
  } catch (caught) {
    error = caught;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const lines = written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, ...(error !== undefined && { error }) };
}

function metricsOf(lines: Record<string, unknown>[]): Emf[] {
  return lines.filter((line): line is Emf => '_aws' in line);
}

/** `[metric name, value, {dimensions}]` per metric of every EMF line. */
function figures(lines: Record<string, unknown>[]): [string, unknown, Record<string, unknown>][] {
  return metricsOf(lines).flatMap((line) => {
    const [directive] = line._aws.CloudWatchMetrics;
    const names = directive?.Dimensions[0] ?? [];
    const dimensions = Object.fromEntries(names.map((name) => [name, line[name]]));
    return (directive?.Metrics ?? []).map(
      (metric) => [metric.Name, line[metric.Name], dimensions] as [string, unknown, Record<string, unknown>],
    );
  });
}

async function newPoller(table: string, extra: Record<string, string> = {}): Promise<Handler> {
  await createJobsTable(client, table).catch(() => undefined);
  Object.assign(process.env, { JOBS_TABLE_NAME: table, ...extra });
  return servicePoller(healthLakeService, process.env) as Handler;
}

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1' });
  await healthlake.start();
  healthlake.addScope(DATASTORE);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_HEALTHLAKE: healthlake.endpoint,
    JOBS_SDK_MAX_ATTEMPTS: '1',
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_SERVICE_NAME: 'job-poller-healthlake',
    // What Lambda sets for an on-demand function; Powertools counts cold starts only then.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await healthlake.stop();
  await ddb?.stop();
});

describe('a poller’s metrics and logs', () => {
  it('emits the cold start once, then each run’s stack-wide figures, only as the contract lists them', async () => {
    // Prepare
    healthlake.addJob({ scope: DATASTORE, jobId: 'obs-running', status: 'IN_PROGRESS' });
    healthlake.addJob({ scope: DATASTORE, jobId: 'obs-queued', status: 'SUBMITTED' });
    const poll = await newPoller('jobs-observability');

    // Act
    const first = await invoke(poll);
    const second = await invoke(poll);

    // Assess
    const stack = { service: METRICS_SERVICE };
    expect(figures(first.lines)).toEqual([
      ['ColdStart', 1, stack],
      ['Transitions', 2, stack],
      ['ApiErrors', 0, stack],
    ]);
    expect(figures(second.lines)).toEqual([
      ['Transitions', 0, stack],
      ['ApiErrors', 0, stack],
    ]);
    // Every metric with a dimension set the contract declares (what bench/monitoring-cost.ts counts).
    for (const [name, , dimensions] of figures([...first.lines, ...second.lines])) {
      expect(
        METRIC_SERIES.some(
          (series) =>
            series.metric === name &&
            [...series.dimensions].sort().join() === Object.keys(dimensions).sort().join(),
        ),
        name,
      ).toBe(true);
    }
  });

  it('drops no field as reserved: the function’s name is `service`, the job’s service `jobService`', async () => {
    // Prepare
    healthlake.updateJob(DATASTORE, 'obs-queued', { status: 'IN_PROGRESS' });
    const poll = await newPoller('jobs-observability');

    // Act
    const { lines } = await invoke(poll);

    // Assess
    const logs = lines.filter((line) => !('_aws' in line));
    expect(logs.map((line) => String(line.message))).not.toContainEqual(expect.stringMatching(/reserved/i));
    const finished = logs.find((line) => line.message === 'poll cycle finished');
    expect(finished).toMatchObject({
      service: 'job-poller-healthlake',
      jobService: 'healthlake',
      transitions: 1,
    });
    const changed = logs.filter((line) => line.message === 'job status changed');
    expect(changed).toEqual([
      expect.objectContaining({
        service: 'job-poller-healthlake',
        jobService: 'healthlake',
        status: 'RUNNING',
      }),
    ]);
  });

  it('publishes what it stored when a run fails, and counts the failed run in ApiErrors', async () => {
    // Prepare: a table that does not exist, so the run fails reading its active jobs.
    Object.assign(process.env, { JOBS_TABLE_NAME: 'jobs-that-do-not-exist' });
    const poll = servicePoller(healthLakeService, process.env) as Handler;

    // Act
    const { lines, error } = await invoke(poll);

    // Assess
    expect(error).toBeDefined();
    expect(figures(lines)).toEqual([
      ['ColdStart', 1, { service: METRICS_SERVICE }],
      ['ApiErrors', 1, { service: METRICS_SERVICE }],
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'poll run failed',
        jobService: 'healthlake',
        errorKind: 'internal',
      }),
    );
  });
});

describe('live job counts', () => {
  it('nonzero: the active jobs per status as the run leaves them, and the jobs that finished in it', async () => {
    // Prepare
    healthlake.addJob({ scope: DATASTORE, jobId: 'count-a', status: 'IN_PROGRESS' });
    healthlake.addJob({ scope: DATASTORE, jobId: 'count-b', status: 'IN_PROGRESS' });
    healthlake.addJob({ scope: DATASTORE, jobId: 'count-c', status: 'QUEUED' });
    const poll = await newPoller('jobs-counts', { JOBS_COUNT_METRICS: 'nonzero' });
    const counts = (lines: Record<string, unknown>[]) =>
      figures(lines)
        .filter(([name]) => name === 'ActiveJobs' || name === 'FinishedJobs')
        .map(([name, value, dimensions]) => [name, dimensions.jobService, dimensions.status, value]);
    const first = await invoke(poll);
    healthlake.updateJob(DATASTORE, 'count-a', { status: 'COMPLETED', endedAt: new Date() });
    healthlake.updateJob(DATASTORE, 'count-c', { status: 'FAILED', endedAt: new Date() });

    // Act
    const second = await invoke(poll);

    // Assess: the earlier tests' two jobs are in the table too (running).
    expect(counts(first.lines).sort()).toEqual(
      [
        ['ActiveJobs', 'healthlake', 'QUEUED', 1],
        ['ActiveJobs', 'healthlake', 'RUNNING', 4],
      ].sort(),
    );
    expect(counts(second.lines).sort()).toEqual(
      [
        ['ActiveJobs', 'healthlake', 'RUNNING', 3],
        ['FinishedJobs', 'healthlake', 'FAILED', 1],
        ['FinishedJobs', 'healthlake', 'SUCCEEDED', 1],
      ].sort(),
    );
  });

  it('all: every status HealthLake can report, zeros included; off: none', async () => {
    // Prepare
    const all = await newPoller('jobs-counts', { JOBS_COUNT_METRICS: 'all' });
    const off = await newPoller('jobs-counts', { JOBS_COUNT_METRICS: 'off' });

    // Act
    const withAll = figures((await invoke(all)).lines);
    const withOff = figures((await invoke(off)).lines);

    // Assess
    const statuses = (name: string) =>
      withAll
        .filter(([metric]) => metric === name)
        .map(([, value, dimensions]) => [dimensions.status, value]);
    expect(statuses('ActiveJobs').sort()).toEqual([
      ['CANCELLING', 0],
      ['QUEUED', 0],
      ['RUNNING', 3],
    ]);
    expect(statuses('FinishedJobs').sort()).toEqual([
      ['CANCELLED', 0],
      ['FAILED', 0],
      ['SUCCEEDED', 0],
      ['SUCCEEDED_WITH_ERRORS', 0],
    ]);
    expect(withOff.map(([name]) => name)).not.toContain('ActiveJobs');
  });
});

describe('a hub’s job counts', () => {
  it('with jobCountsPerTarget: the service’s totals, and each polled target’s own counts', async () => {
    // Arrange: two targets' reports and their sum, as a hub's run has them.
    const report = (active: CycleReport['activeByStatus'], finished: CycleReport['finishedByStatus']) => ({
      ...combineReports('healthlake', [], 0),
      activeByStatus: active,
      finishedByStatus: finished,
    });
    const east = report({ RUNNING: 2 }, { FAILED: 1 });
    const west = report({ RUNNING: 1, QUEUED: 3 }, {});
    const metrics = createMetrics();

    // Act
    const { lines } = await invoke(async () => {
      publishCycleMetrics(metrics, {
        service: 'healthlake',
        report: combineReports('healthlake', [east, west], 0),
        counts: { mode: 'nonzero', perTarget: true },
        targets: [
          { target: '111122223333:us-east-1', kind: 'polled', report: east },
          { target: '111122223333:eu-west-1', kind: 'polled', report: west },
          { target: '444455556666:eu-west-1', kind: 'not-reached' },
        ],
      });
      metrics.publishStoredMetrics();
      return { mode: 'ignored', reason: 'test' };
    });

    // Assess
    const counts = figures(lines)
      .filter(([name]) => name === 'ActiveJobs' || name === 'FinishedJobs')
      .map(([name, value, dimensions]) => [name, dimensions.status, dimensions.target ?? 'all', value]);
    expect(counts.sort()).toEqual(
      [
        ['ActiveJobs', 'RUNNING', 'all', 3],
        ['ActiveJobs', 'QUEUED', 'all', 3],
        ['FinishedJobs', 'FAILED', 'all', 1],
        ['ActiveJobs', 'RUNNING', '111122223333:us-east-1', 2],
        ['FinishedJobs', 'FAILED', '111122223333:us-east-1', 1],
        ['ActiveJobs', 'RUNNING', '111122223333:eu-west-1', 1],
        ['ActiveJobs', 'QUEUED', '111122223333:eu-west-1', 3],
      ].sort(),
    );
  });
});
