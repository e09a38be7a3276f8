import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPages, InvalidCursorError, JobQueries, type Page } from '../../cli/queries.js';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { formatJobKey, type JobKey } from '../../lambdas/core/job-key.js';
import { localClientConfig } from '../../lambdas/store/document-client.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { changeOfWrite } from '../../lambdas/store/history-writer.js';
import { at, jobKey, snapshot, startTestDb, T0, type TestDb } from '../store/support.js';

let db: TestDb;
let queries: JobQueries;
const recorded: HistoryRecord[] = [];

const lake1 = jobKey('lake-1');
const lake2 = jobKey('lake-2');
const lake3 = jobKey('lake-3');
const pano1: JobKey = {
  service: 'panorama',
  region: 'us-east-1',
  accountId: '123456789012',
  jobId: 'pano-1',
};
const pano2: JobKey = {
  service: 'panorama',
  region: 'us-east-1',
  accountId: '123456789012',
  jobId: 'pano-2',
};
const er1: JobKey = { service: 'entityresolution', region: 'us-east-1', scope: 'wf', jobId: 'er-1' };

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * A week of jobs, written through the real store:
 *   lake-1  SUBMITTED@0 → IN_PROGRESS@1h → COMPLETED@2d
 *   lake-2  SUBMITTED@1d → IN_PROGRESS@1d+1h → FAILED@3d
 *   lake-3  SUBMITTED@5d → IN_PROGRESS@5d+1h                  (running)
 *   pano-1  PENDING@0.5d → SUCCEEDED@4d
 *   pano-2  PENDING@6d                                        (queued)
 *   er-1    RUNNING@2d+1m → FAILED@6d+1m
 */
const script: [JobKey, string, string, number][] = [
  [lake1, 'QUEUED', 'SUBMITTED', 0],
  [lake1, 'RUNNING', 'IN_PROGRESS', HOUR],
  [pano1, 'QUEUED', 'PENDING', DAY / 2],
  [lake2, 'QUEUED', 'SUBMITTED', DAY],
  [lake2, 'RUNNING', 'IN_PROGRESS', DAY + HOUR],
  [lake1, 'SUCCEEDED', 'COMPLETED', 2 * DAY],
  [er1, 'RUNNING', 'RUNNING', 2 * DAY + 60],
  [lake2, 'FAILED', 'FAILED', 3 * DAY],
  [pano1, 'SUCCEEDED', 'SUCCEEDED', 4 * DAY],
  [lake3, 'QUEUED', 'SUBMITTED', 5 * DAY],
  [lake3, 'RUNNING', 'IN_PROGRESS', 5 * DAY + HOUR],
  [pano2, 'QUEUED', 'PENDING', 6 * DAY],
  [er1, 'FAILED', 'FAILED', 6 * DAY + 60],
];

beforeAll(async () => {
  db = await startTestDb();
  queries = new JobQueries({ client: db.client, tableName: db.tableName });
  for (const [key, status, raw, seconds] of script) {
    const store = new DynamoJobStateStore({
      client: db.client,
      settings: { tableName: db.tableName },
      now: () => new Date(T0 + seconds * 1000),
    });
    const result = await store.record(await store.get(key), snapshot(key, status as 'QUEUED', raw, seconds));
    if (result.kind !== 'transition') throw new Error(`unexpected ${result.kind}`);
    recorded.push(result.record);
  }
  // A stall for the running job.
  const store = new DynamoJobStateStore({ client: db.client, settings: { tableName: db.tableName } });
  const running = await store.get(lake3);
  if (!running || !(await store.recordStall(running, new Date(T0 + 7 * DAY * 1000))))
    throw new Error('no stall');
});
afterAll(async () => {
  await db?.stop();
});

const ids = (page: Page<{ snapshot: { key: JobKey } }>) => page.items.map((item) => item.snapshot.key.jobId);
async function all<T>(fetch: (paging: { cursor?: string }) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of allPages(fetch)) out.push(item);
  return out;
}

describe('JobQueries on DynamoDB Local', () => {
  it('1. gets the current snapshot of one job, by key or by its string form', async () => {
    const job = await queries.job(lake2);
    expect(job).toMatchObject({ version: 3, statusSince: at(3 * DAY), snapshot: { rawStatus: 'FAILED' } });
    expect(await queries.job(formatJobKey(lake2))).toEqual(job);
    expect(await queries.job(jobKey('nope'))).toBeUndefined();
  });

  it('2. reads the history of one job, oldest or newest first, in pages', async () => {
    const oldest = await queries.history(lake1);
    expect(oldest.items.map((record) => record.version)).toEqual([1, 2, 3]);
    expect(oldest.cursor).toBeUndefined();
    expect(oldest.items).toEqual(recorded.filter((record) => record.key.jobId === 'lake-1'));
    const newest = await queries.history(lake1, { newestFirst: true });
    expect(newest.items.map((record) => record.version)).toEqual([3, 2, 1]);
    const first = await queries.history(lake1, { limit: 2 });
    expect(first.items.map((record) => record.version)).toEqual([1, 2]);
    const rest = await queries.history(lake1, { limit: 2, ...(first.cursor && { cursor: first.cursor }) });
    expect(rest.items.map((record) => record.version)).toEqual([3]);
    const withStall = await queries.history(lake3);
    expect(withStall.items.map((record) => record.kind)).toEqual(['transition', 'transition', 'stall']);
  });

  it('3. lists the jobs not in a final state, per service and across services', async () => {
    expect(ids(await queries.running({ service: 'healthlake' }))).toEqual(['lake-3']);
    expect(ids(await queries.running({ service: 'panorama' }))).toEqual(['pano-2']);
    expect(ids(await queries.running({ service: 'entityresolution' }))).toEqual([]);
    const everywhere = await all((paging) => queries.running({ limit: 1, ...paging }));
    expect(everywhere.map((job) => job.snapshot.key.jobId)).toEqual(['lake-3', 'pano-2']);
    const running = everywhere[0];
    expect(running?.stalledSince).toBe(at(7 * DAY));
  });

  it('4. lists what changed in a window, across services, per service, and by status', async () => {
    const week = await queries.changes({ since: new Date(T0), until: new Date(T0 + 7 * DAY * 1000) });
    expect(week.items).toEqual(recorded);
    const lastDays = await queries.changes({ since: at(4 * DAY), until: at(6 * DAY + 60) });
    expect(lastDays.items.map((record) => [record.key.jobId, record.snapshot.rawStatus])).toEqual([
      ['pano-1', 'SUCCEEDED'],
      ['lake-3', 'SUBMITTED'],
      ['lake-3', 'IN_PROGRESS'],
      ['pano-2', 'PENDING'],
      ['er-1', 'FAILED'],
    ]);
    const failed = await queries.changes({ since: at(0), status: 'FAILED' });
    expect(failed.items.map((record) => record.key.jobId)).toEqual(['lake-2', 'er-1']);
    const lakeFailed = await queries.changes({ since: at(0), service: 'healthlake', status: 'FAILED' });
    expect(lakeFailed.items.map((record) => record.key.jobId)).toEqual(['lake-2']);
    const panoramaNewest = await queries.changes({ since: at(0), service: 'panorama', newestFirst: true });
    expect(panoramaNewest.items.map((record) => record.recordedAt)).toEqual([
      at(6 * DAY),
      at(4 * DAY),
      at(DAY / 2),
    ]);
    const stalls = await queries.changes({ since: at(0), kind: 'stall' });
    expect(stalls.items.map((record) => [record.kind, record.key.jobId])).toEqual([['stall', 'lake-3']]);
  });

  it('4. pages a filtered window without skipping or repeating records', async () => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await queries.changes({
        since: at(0),
        service: 'healthlake',
        limit: 2,
        ...(cursor && { cursor }),
      });
      pages.push(page.items.map((record) => `${record.key.jobId}@${record.version}`));
      cursor = page.cursor;
    } while (cursor);
    expect(pages.flat()).toEqual(
      recorded
        .filter((record) => record.key.service === 'healthlake')
        .map((r) => `${r.key.jobId}@${r.version}`),
    );
    expect(pages.every((page) => page.length <= 2)).toBe(true);
  });

  it('5. lists the jobs currently in one status, across services or for one', async () => {
    expect(ids(await queries.byStatus('FAILED'))).toEqual(['lake-2', 'er-1']);
    expect(ids(await queries.byStatus('FAILED', { newestFirst: true }))).toEqual(['er-1', 'lake-2']);
    expect(ids(await queries.byStatus('SUCCEEDED', { service: 'panorama' }))).toEqual(['pano-1']);
    expect(ids(await queries.byStatus('QUEUED'))).toEqual(['pano-2']);
    expect(ids(await queries.byStatus('CANCELLED'))).toEqual([]);
    const paged = await all((paging) => queries.byStatus('SUCCEEDED', { limit: 1, ...paging }));
    expect(paged.map((job) => job.snapshot.key.jobId)).toEqual(['lake-1', 'pano-1']);
  });

  it('rejects a cursor it did not make, and a bad limit', async () => {
    await expect(queries.history(lake1, { cursor: 'not-a-cursor' })).rejects.toThrow(InvalidCursorError);
    await expect(queries.history(lake1, { limit: 0 })).rejects.toThrow(RangeError);
  });

  it("every record comes out of the table stream, from the current item's writes (changeOfWrite)", async () => {
    const table = await db.client.send(new DescribeTableCommand({ TableName: db.tableName }));
    expect(table.Table?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    const streams = new DynamoDBStreamsClient(localClientConfig(db.local.endpoint));
    try {
      const stream = await streams.send(
        new DescribeStreamCommand({ StreamArn: table.Table?.LatestStreamArn }),
      );
      const decoded: HistoryRecord[] = [];
      for (const shard of stream.StreamDescription?.Shards ?? []) {
        const iterator = await streams.send(
          new GetShardIteratorCommand({
            StreamArn: table.Table?.LatestStreamArn,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        );
        let next = iterator.ShardIterator;
        for (let round = 0; next && round < 20; round += 1) {
          const page = await streams.send(new GetRecordsCommand({ ShardIterator: next }));
          for (const record of page.Records ?? []) {
            const image = record.dynamodb?.NewImage;
            const old = record.dynamodb?.OldImage;
            const made =
              image && changeOfWrite(unmarshall(image as never), old && unmarshall(old as never)).made;
            if (made) decoded.push(made);
          }
          if ((page.Records ?? []).length === 0) break;
          next = page.NextShardIterator;
        }
      }
      const transitions = decoded.filter((record) => record.kind === 'transition');
      expect(new Set(transitions.map((record) => record.recordId))).toEqual(
        new Set(recorded.map((record) => record.recordId)),
      );
      expect(decoded.filter((record) => record.kind === 'stall')).toHaveLength(1);
    } finally {
      streams.destroy();
    }
  });
});
