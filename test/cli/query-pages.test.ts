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
});
