import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatJobKey, type JobKey } from '../../lambdas/core/job-key.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { jobPartitionKey } from '../../lambdas/store/item-codec.js';
import { jobKey, snapshot, startTestDb, T0, type TestDb } from '../store/support.js';
import { type CliRun, runCli } from '../support/cli-run.js';

/** `job-status migrate` on DynamoDB Local: current items of the earlier layout moved into `ActiveByJobKey`. */

let db: TestDb;
const credentials = {
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
};
const oldRunning = jobKey('old-running');
const oldQueued = jobKey('old-queued');
const oldDone = jobKey('old-done');
const current = jobKey('new-running');

/** A current item as the earlier release wrote it: the service in `activeService`, no `activeJob`. */
function earlierItem(key: JobKey, status: string, rawStatus: string): Record<string, unknown> {
  const active = status !== 'SUCCEEDED';
  return {
    pk: jobPartitionKey(key),
    sk: 'CURRENT',
    itemType: 'JOB',
    jobKey: formatJobKey(key),
    ...(active && { activeService: key.service }),
    currentStatus: status,
    statusSince: snapshot(key, 'QUEUED', rawStatus, 0).observedAt,
    version: 2,
    lastChangeAt: snapshot(key, 'QUEUED', rawStatus, 0).observedAt,
    writtenAt: snapshot(key, 'QUEUED', rawStatus, 0).observedAt,
    snapshot: { ...snapshot(key, 'QUEUED', rawStatus, 0), status, rawStatus },
  };
}

function store(): DynamoJobStateStore {
  return new DynamoJobStateStore({ client: db.client, settings: { tableName: db.tableName } });
}

async function activeIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const job of store().listActive('healthlake')) ids.push(job.snapshot.key.jobId);
  return ids.sort();
}

function cli(...argv: string[]): Promise<CliRun> {
  return runCli([...argv, '--endpoint-url', db.local.endpoint, '--output', 'json'], {
    env: { ...credentials, JOBS_TABLE_NAME: db.tableName },
    now: () => new Date(T0),
  });
}

beforeAll(async () => {
  db = await startTestDb();
  for (const item of [
    earlierItem(oldRunning, 'RUNNING', 'IN_PROGRESS'),
    earlierItem(oldQueued, 'QUEUED', 'SUBMITTED'),
    earlierItem(oldDone, 'SUCCEEDED', 'COMPLETED'),
  ]) {
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: item }));
  }
  await store().record(undefined, snapshot(current, 'RUNNING', 'IN_PROGRESS', 10));
}, 60_000);

afterAll(async () => {
  await db?.stop();
});

describe('job-status migrate', () => {
  it('counts on a dry run and changes nothing', async () => {
    const run = await cli('migrate', '--dry-run');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ DryRun: true, Found: 2, Migrated: 0 });
    expect(await activeIds()).toEqual(['new-running']);
  });

  it('moves every active job of the earlier layout into the index, keeping its version and data', async () => {
    const run = await cli('migrate');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.out) as { Found: number; Migrated: number; JobKeys: string[] };
    expect(result).toMatchObject({ Found: 2, Migrated: 2 });
    expect(result.JobKeys.sort()).toEqual([formatJobKey(oldQueued), formatJobKey(oldRunning)].sort());
    expect(await activeIds()).toEqual(['new-running', 'old-queued', 'old-running']);

    const moved = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: jobPartitionKey(oldRunning), sk: 'CURRENT' } }),
    );
    expect(moved.Item).toMatchObject({
      activeJob: 'ACTIVE',
      version: 2,
      snapshot: { rawStatus: 'IN_PROGRESS' },
    });
    expect(moved.Item).not.toHaveProperty('activeService');
    // The poller reads it as the job it was: the next observation moves it on from version 2.
    const job = await store().get(oldRunning);
    const next = await store().record(job, snapshot(oldRunning, 'SUCCEEDED', 'COMPLETED', 20));
    expect(next.kind).toBe('transition');
    expect(await activeIds()).toEqual(['new-running', 'old-queued']);
  });

  it('finds nothing more to do when run again', async () => {
    const run = await cli('migrate');
    expect(JSON.parse(run.out)).toMatchObject({ Found: 0, Migrated: 0 });
  });
});
