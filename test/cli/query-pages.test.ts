import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueries } from '../../cli/queries.js';
import type { JobKey } from '../../lambdas/core/job-key.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { jobKey, snapshot, startTestDb, T0, type TestDb } from '../store/support.js';

/**
 * A filtered query whose matches lie beyond the first DynamoDB page: 101 failed HealthLake jobs, then two
 * failed Panorama jobs. A filtered request reads 100 items, so finding the Panorama jobs takes two requests.
 */
const LAKE_JOBS = 101;
const panoramaJob = (jobId: string): JobKey => ({
  service: 'panorama',
  region: 'us-east-1',
  accountId: '123456789012',
  jobId,
});

let db: TestDb;
let queries: JobQueries;
const queryRequests: Record<string, unknown>[] = [];

beforeAll(async () => {
  db = await startTestDb();
  db.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand')
        queryRequests.push({ ...(args.input as Record<string, unknown>) });
      return next(args);
    },
    { step: 'initialize', name: 'testQueryCounter' },
  );
  queries = new JobQueries({ client: db.client, tableName: db.tableName });
  const failed: [JobKey, number][] = [
    ...Array.from({ length: LAKE_JOBS }, (_, n): [JobKey, number] => [jobKey(`lake-${n}`), n]),
    [panoramaJob('pano-1'), 1_000],
    [panoramaJob('pano-2'), 1_001],
  ];
  for (const [key, seconds] of failed) {
    const store = new DynamoJobStateStore({
      client: db.client,
      settings: { tableName: db.tableName },
      now: () => new Date(T0 + seconds * 1000),
    });
    await store.record(undefined, snapshot(key, 'FAILED', 'FAILED', seconds));
  }
  const active: [JobKey, 'QUEUED' | 'RUNNING', string][] = [
    [jobKey('lake-running'), 'RUNNING', 'IN_PROGRESS'],
    [panoramaJob('pano-running'), 'RUNNING', 'IMPORTING'],
    [panoramaJob('pano-queued'), 'QUEUED', 'PENDING'],
  ];
  const store = new DynamoJobStateStore({ client: db.client, settings: { tableName: db.tableName } });
  for (const [key, status, raw] of active) await store.record(undefined, snapshot(key, status, raw, 2_000));
}, 60_000);

afterAll(async () => {
  await db?.stop();
});

describe('JobQueries across DynamoDB pages', () => {
  it('reads on to the next DynamoDB page until the filter found enough items', async () => {
    // Act
    queryRequests.length = 0;
    const page = await queries.byStatus('FAILED', { service: 'panorama', limit: 5 });

    // Assess: two requests of 100 items each, the second starting where the first stopped.
    expect(page.items.map((job) => job.snapshot.key.jobId)).toEqual(['pano-1', 'pano-2']);
    expect(page.cursor).toBeUndefined();
    expect(queryRequests.map((input) => input.Limit)).toEqual([100, 100]);
    expect(queryRequests[0]?.ExclusiveStartKey).toBeUndefined();
    expect(queryRequests[1]?.ExclusiveStartKey).toBeDefined();
  });

  it('stops reading once the page is full, and resumes from its cursor', async () => {
    // Act
    queryRequests.length = 0;
    const first = await queries.byStatus('FAILED', { limit: 60 });
    const requestsForFirst = queryRequests.length;
    const second = await queries.byStatus('FAILED', {
      limit: 60,
      ...(first.cursor && { cursor: first.cursor }),
    });

    // Assess
    expect(requestsForFirst).toBe(1);
    expect(first.items).toHaveLength(60);
    expect(first.cursor).toBeDefined();
    expect(second.items).toHaveLength(LAKE_JOBS + 2 - 60);
    expect(second.cursor).toBeUndefined();
    const ids = [...first.items, ...second.items].map((job) => job.snapshot.key.jobId);
    expect(new Set(ids).size).toBe(LAKE_JOBS + 2);
    expect(ids.slice(-2)).toEqual(['pano-1', 'pano-2']);
  });

  it('answers "what is running" and "jobs in an active status" across services with one Query each', async () => {
    // Act
    queryRequests.length = 0;
    const running = await queries.running();
    const runningRequests = queryRequests.length;
    const inStatus = await queries.byStatus('RUNNING');
    const statusRequests = queryRequests.length - runningRequests;
    const ofPanorama = await queries.running({ service: 'panorama' });

    // Assess: every service's jobs from one request each, by job key; a service is a key prefix.
    expect(running.items.map((job) => job.snapshot.key.jobId)).toEqual([
      'lake-running',
      'pano-queued',
      'pano-running',
    ]);
    expect(runningRequests).toBe(1);
    expect(inStatus.items.map((job) => job.snapshot.key.jobId)).toEqual(['lake-running', 'pano-running']);
    expect(statusRequests).toBe(1);
    expect(ofPanorama.items.map((job) => job.snapshot.key.jobId)).toEqual(['pano-queued', 'pano-running']);
    expect(queryRequests.at(-1)?.KeyConditionExpression).toContain('begins_with');
  });
});
