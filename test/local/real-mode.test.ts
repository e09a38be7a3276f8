import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobQueries } from '../../cli/queries.js';
import { formatJobKey } from '../../lambdas/core/job-key.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { createJobsTable } from '../../local/jobs-table.js';
import { parseRunnerArgs, type RunnerOptions } from '../../local/runner/options.js';
import type { LocalRunner } from '../../local/runner/runner.js';
import { FakeEntityResolution } from '../../local/services/entityresolution/fake.js';
import { HealthLakeFake } from '../../local/services/healthlake/fake.js';

/**
 * `npm start -- --real`: no simulator; the handlers poll "the account" with the user's credentials, region
 * and endpoint settings. Here the account is two wire-protocol fakes, reached the way a user could point
 * any SDK client anywhere: `AWS_ENDPOINT_URL_<SERVICE>` in the shell. The runner must leave those, and the
 * user's credentials, alone, and only bring the table (DynamoDB Local, or `--table`) and the bus.
 */
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const DATASTORE = 'f1e2d3c4b5a6978812345678abcdef01';
const WORKFLOW = 'customer-matching';

const healthLake = new HealthLakeFake({ region: REGION, accountId: ACCOUNT });
const entityResolution = new FakeEntityResolution({ region: REGION, accountId: ACCOUNT });
const savedEnv = { ...process.env };

function runnerOptions(extra: string[]): RunnerOptions {
  const parsed = parseRunnerArgs([
    '--real',
    '--services',
    'healthlake,entityresolution',
    '--account',
    ACCOUNT,
    '--interval',
    '0.3',
    ...extra,
  ]);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
}

/** A runner from fresh modules: handlers read their settings at load, so each scenario loads its own. */
async function freshRunner(options: RunnerOptions): Promise<LocalRunner> {
  vi.resetModules();
  const { LocalRunner } = await import('../../local/runner/runner.js');
  return new LocalRunner(options);
}

beforeAll(async () => {
  await healthLake.start();
  await entityResolution.start();
  healthLake.addScope(DATASTORE);
  healthLake.addJob({ scope: DATASTORE, jobId: 'import-1', status: 'IN_PROGRESS', jobName: 'claims' });
  entityResolution.addScope(WORKFLOW);
  // The user's shell: their credentials (the test setup's), their region, and endpoints of their choosing.
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_HEALTHLAKE: healthLake.endpoint,
    AWS_ENDPOINT_URL_ENTITYRESOLUTION: entityResolution.endpoint,
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await healthLake.stop();
  await entityResolution.stop();
});

describe('real mode with DynamoDB Local and the stand-in bus', () => {
  let runner: LocalRunner;

  beforeAll(async () => {
    runner = await freshRunner(runnerOptions(['--once', '--cycles', '2']));
    await runner.start();
  }, 90_000);

  afterAll(async () => {
    await runner?.stop();
  }, 60_000);

  it("starts no simulator and keeps the user's credentials and endpoints", () => {
    expect(runner.simulator).toBeUndefined();
    expect(runner.dynamo).toBeDefined();
    expect(process.env.AWS_ENDPOINT_URL_HEALTHLAKE).toBe(healthLake.endpoint);
    expect(process.env.AWS_ACCESS_KEY_ID).toBe(savedEnv.AWS_ACCESS_KEY_ID);
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(runner.dynamo?.endpoint);
    expect(process.env.AWS_ENDPOINT_URL_EVENTBRIDGE).toBe(runner.standIn.endpoint);
    expect(runner.region).toBe(REGION);
  });

  it('records what the account reports, publishes it, and follows a change', async () => {
    // Act
    await runner.tick();
    const mapping = entityResolution.addJob({ workflowName: WORKFLOW, status: 'QUEUED' });
    healthLake.updateJob(DATASTORE, 'import-1', { status: 'COMPLETED', endedAt: new Date() });
    await runner.tick();
    await runner.settle();

    // Assess
    expect(await runner.finished()).toBe(true);
    const lakeKey = formatJobKey({
      service: 'healthlake',
      region: REGION,
      accountId: ACCOUNT,
      scope: DATASTORE,
      jobId: 'import-1',
    });
    const history = await runner.requireQueries().history(lakeKey);
    expect(history.items.map((record) => record.kind === 'transition' && record.to.rawStatus)).toEqual([
      'IN_PROGRESS',
      'COMPLETED',
    ]);
    const mappingKey = formatJobKey({
      service: 'entityresolution',
      region: REGION,
      accountId: ACCOUNT,
      scope: WORKFLOW,
      jobId: mapping.jobId,
    });
    expect((await runner.requireQueries().job(mappingKey))?.snapshot.rawStatus).toBe('QUEUED');
    const details = runner.standIn.received.map((received) => received.event.detail);
    expect(details.map((detail) => [detail.jobKey, detail.rawStatus])).toEqual(
      expect.arrayContaining([
        [lakeKey, 'IN_PROGRESS'],
        [lakeKey, 'COMPLETED'],
        [mappingKey, 'QUEUED'],
      ]),
    );
    expect(runner.standIn.received).toHaveLength(3);
    expect(runner.standIn.received[0]?.event.account).toBe(ACCOUNT);
  });

  it('gives the process its environment back when it stops', async () => {
    await runner.stop();
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined();
    expect(process.env.AWS_ENDPOINT_URL_EVENTBRIDGE).toBeUndefined();
    expect(process.env.JOBS_TABLE_NAME).toBeUndefined();
    expect(process.env.AWS_ENDPOINT_URL_HEALTHLAKE).toBe(healthLake.endpoint);
  }, 60_000);
});

describe('real mode with a deployed table (--table)', () => {
  let deployed: DynamoDbLocal;
  let runner: LocalRunner;
  const TABLE = 'Aggregator-JobsTable-ABC123';

  beforeAll(async () => {
    // "The deployed table": a DynamoDB the user's own settings reach, with the stack's table in it.
    deployed = await startDynamoDbLocal();
    process.env.AWS_ENDPOINT_URL_DYNAMODB = deployed.endpoint;
    await createJobsTable(new DynamoDBClient({ region: REGION }), TABLE);
    runner = await freshRunner(runnerOptions(['--table', TABLE]));
    await runner.start();
  }, 90_000);

  afterAll(async () => {
    await runner?.stop();
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    await deployed?.stop();
  }, 60_000);

  it('writes to that table, starts no DynamoDB Local and leaves its stream to the deployed publisher', async () => {
    // Act
    await runner.tick();

    // Assess
    expect(runner.dynamo).toBeUndefined();
    expect(runner.relay).toBeUndefined();
    const queries = new JobQueries({ client: new DynamoDBClient({ region: REGION }), tableName: TABLE });
    const running = await queries.running();
    expect(running.items.map((job) => job.snapshot.key.service).sort()).toEqual(['entityresolution']);
    expect((await queries.changes({ since: new Date(Date.now() - 600_000) })).items.length).toBeGreaterThan(
      0,
    );
    expect(runner.standIn.received).toHaveLength(0);
  });

  it('refuses a table that does not exist, with the name to look for', async () => {
    const missing = await freshRunner(runnerOptions(['--table', 'NoSuchTable']));
    await expect(missing.start()).rejects.toThrow('JobsTableName');
    await missing.stop();
  }, 60_000);
});
