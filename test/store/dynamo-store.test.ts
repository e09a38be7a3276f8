import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobQueries } from '../../cli/queries.js';
import type { JobKey } from '../../lambdas/core/job-key.js';
import type { Log, RecordResult } from '../../lambdas/core/ports.js';
import { SNAPSHOT_LIMITS, TRUNCATED_COUNTER, TRUNCATION_MARKER } from '../../lambdas/core/recording.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';
import { JobStatus } from '../../lambdas/core/status.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { DynamoHistoryWriter } from '../../lambdas/store/history-writer.js';
import { historyRecordFromItem, jobPartitionKey } from '../../lambdas/store/item-codec.js';
import type { StoreSettings } from '../../lambdas/store/settings.js';
import {
  at,
  itemSizeBytes,
  jobKey,
  snapshot,
  startHistoryPublisher,
  startTestDb,
  T0,
  type TestDb,
} from './support.js';

let db: TestDb;
let publisher: Awaited<ReturnType<typeof startHistoryPublisher>>;
let clock: Date;
const warnings: { message: string; extra?: Record<string, unknown> }[] = [];
const log: Log = {
  debug() {},
  info() {},
  warn(message, extra) {
    warnings.push({ message, ...(extra && { extra }) });
  },
  error() {},
};

beforeAll(async () => {
  db = await startTestDb({ inlineHistory: false });
  publisher = await startHistoryPublisher(db);
});
afterAll(async () => {
  await publisher?.stop();
  await db?.stop();
});
beforeEach(() => {
  clock = new Date(T0);
  warnings.length = 0;
  db.writes.reset();
});

function store(settings: Partial<StoreSettings> = {}) {
  return new DynamoJobStateStore({
    client: db.client,
    settings: { tableName: db.tableName, ...settings },
    log,
    now: () => clock,
  });
}

async function items(key: JobKey): Promise<Record<string, unknown>[]> {
  const response = await db.doc.send(
    new QueryCommand({
      TableName: db.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': jobPartitionKey(key) },
      ConsistentRead: true,
    }),
  );
  return response.Items ?? [];
}

/** The job's history items, once the stream publisher has stored everything written so far. */
async function historyItems(key: JobKey) {
  await publisher.drain();
  return (await items(key)).filter((item) => String(item.sk).startsWith('H#'));
}

/** The job's records as the query side reads them: history items and a final job's current item. */
async function records(key: JobKey) {
  await publisher.drain();
  const queries = new JobQueries({ client: db.client, tableName: db.tableName, consistentRead: true });
  return (await queries.history(key)).items;
}

/** Records `next` over what the store holds now, as a poller does. */
async function observe(s: DynamoJobStateStore, next: JobSnapshot): Promise<RecordResult> {
  return s.record(await s.get(next.key), next);
}

describe('DynamoJobStateStore on DynamoDB Local', () => {
  it('writes one conditional Put of the current item per change; the stream makes one record of each', async () => {
    const s = store();
    const key = jobKey('lifecycle');
    const first = await observe(s, snapshot(key, 'QUEUED', 'SUBMITTED', 0));
    expect(first.kind).toBe('transition');
    expect(db.writes.commands).toEqual(['PutItemCommand']);
    // A small item in one index (ActiveByJobKey): 1 unit for the table, 1 for the index.
    expect(db.writes.units).toBe(2);
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 60));
    const done = await observe(s, snapshot(key, 'SUCCEEDED', 'COMPLETED', 120, { endedAt: at(110) }));
    expect(done).toMatchObject({
      kind: 'transition',
      record: {
        version: 3,
        from: { rawStatus: 'IN_PROGRESS' },
        to: { rawStatus: 'COMPLETED', status: 'SUCCEEDED' },
      },
    });
    expect(db.writes.calls).toBe(3);

    const current = await s.get(key);
    expect(current).toMatchObject({
      version: 3,
      statusSince: at(120),
      lastChangeAt: at(120),
      writtenAt: at(0),
    });
    const history = await records(key);
    expect(history.map((record) => [record.version, record.kind, record.snapshot.rawStatus])).toEqual([
      [1, 'transition', 'SUBMITTED'],
      [2, 'transition', 'IN_PROGRESS'],
      [3, 'transition', 'COMPLETED'],
    ]);
    if (done.kind === 'transition') expect(history[2]).toEqual(done.record);
    // The final record is the current item itself: history items only for the two before it.
    expect((await historyItems(key)).map((item) => item.sk)).toEqual(['H#0000000001', 'H#0000000002']);
    const currentItem = (await items(key)).find((item) => item.sk === 'CURRENT');
    expect(currentItem?.activeJob).toBeUndefined();
    expect(currentItem?.currentStatus).toBe('SUCCEEDED');
    expect(currentItem).toMatchObject({ changeKind: 'transition', changedAt: at(120) });
  });

  it('writes nothing at all for an unchanged job, poll after poll', async () => {
    const s = store();
    const key = jobKey('unchanged');
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 0, { progress: { files: 3 } }));
    db.writes.reset();
    for (let poll = 1; poll <= 5; poll += 1) {
      clock = new Date(T0 + poll * 600_000);
      const result = await observe(
        s,
        snapshot(key, 'RUNNING', 'IN_PROGRESS', poll * 600, { progress: { files: 3 } }),
      );
      expect(result).toEqual({ kind: 'unchanged' });
    }
    expect(db.writes.calls).toBe(0);
    expect(db.writes.units).toBe(0);
  });

  it('writes progress at most once per interval, without history unless configured', async () => {
    const s = store({ progressIntervalSeconds: 300 });
    const key = jobKey('progress');
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 0, { progress: { files: 0 } }));
    db.writes.reset();
    const results: RecordResult[] = [];
    for (let minute = 1; minute <= 10; minute += 1) {
      clock = new Date(T0 + minute * 60_000);
      results.push(
        await observe(
          s,
          snapshot(key, 'RUNNING', 'IN_PROGRESS', minute * 60, { progress: { files: minute } }),
        ),
      );
    }
    const written = results.filter((result) => result.kind === 'progress' && result.written).length;
    expect(results.every((result) => result.kind === 'progress')).toBe(true);
    expect(written).toBe(2); // minutes 5 and 10
    expect(db.writes.commands).toEqual(['PutItemCommand', 'PutItemCommand']);
    expect(await historyItems(key)).toHaveLength(1);
    expect(await s.get(key)).toMatchObject({
      version: 1,
      lastChangeAt: at(600),
      snapshot: { progress: { files: 10 } },
    });
  });

  it('keeps progress records when configured', async () => {
    const s = store({ progressIntervalSeconds: 0, keepProgressHistory: true });
    const key = jobKey('progress-history');
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 0, { progress: { files: 0 } }));
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 10, { progress: { files: 5 } }));
    const history = (await historyItems(key)).map((item) => historyRecordFromItem(item));
    expect(history.map((record) => record?.kind)).toEqual(['transition', 'progress']);
    // Both are stored; only the transition is published (progress records never are).
    const published = publisher.published.filter((record) => record.key.jobId === key.jobId);
    expect(published.map((record) => record.kind)).toEqual(['transition']);
    expect((await s.get(key))?.version).toBe(2);
  });

  it('lets exactly one of several parallel writers record a change; the others learn they lost', async () => {
    const s = store();
    const key = jobKey('race');
    await observe(s, snapshot(key, 'QUEUED', 'SUBMITTED', 0));
    const previous = await s.get(key);
    const next = snapshot(key, 'RUNNING', 'IN_PROGRESS', 60);
    db.writes.reset();
    // Separate store instances, as separate pollers would have, all holding the same read.
    const writers = Array.from({ length: 8 }, () => store());
    const results = await Promise.all(writers.map((writer) => writer.record(previous, next)));
    const kinds = results.map((result) => result.kind).sort();
    expect(kinds.filter((kind) => kind === 'transition')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'lost-race')).toHaveLength(7);
    expect(await historyItems(key)).toHaveLength(2);
    expect((await s.get(key))?.version).toBe(2);
  });

  it('creates a new job once when parallel writers see it first', async () => {
    const key = jobKey('race-new');
    const next = snapshot(key, 'QUEUED', 'SUBMITTED', 0);
    const results = await Promise.all(Array.from({ length: 6 }, () => store().record(undefined, next)));
    expect(results.filter((result) => result.kind === 'transition')).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'lost-race')).toHaveLength(5);
    expect(await historyItems(key)).toHaveLength(1);
  });

  it('reports lost-race for a writer holding an old version', async () => {
    const s = store();
    const key = jobKey('stale-read');
    await observe(s, snapshot(key, 'QUEUED', 'SUBMITTED', 0));
    const stale = await s.get(key);
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 60));
    db.writes.reset();
    expect(await s.record(stale, snapshot(key, 'SUCCEEDED', 'COMPLETED', 120))).toEqual({
      kind: 'lost-race',
    });
    expect(await historyItems(key)).toHaveLength(2);
  });

  it('never moves a final job back: a late RUNNING after SUCCEEDED writes nothing and is logged', async () => {
    const s = store();
    const key = jobKey('reorder');
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 0));
    await observe(s, snapshot(key, 'SUCCEEDED', 'COMPLETED', 120));
    db.writes.reset();
    const late = snapshot(key, 'RUNNING', 'IN_PROGRESS', 60, { progress: { files: 9 } });
    const result = await observe(s, late);
    expect(result).toMatchObject({ kind: 'regression', observed: late, current: { version: 2 } });
    expect(db.writes.calls).toBe(0);
    expect((await s.get(key))?.snapshot.rawStatus).toBe('COMPLETED');
    expect(warnings).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/final/),
        extra: expect.objectContaining({
          job: 'healthlake/us-east-1/123456789012/ds-1/reorder',
          recorded: 'COMPLETED',
          observed: 'IN_PROGRESS',
        }),
      }),
    ]);
  });

  it('ignores an older non-final snapshot that arrives after a newer one', async () => {
    const s = store();
    const key = jobKey('reorder-active');
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 100));
    db.writes.reset();
    expect(await observe(s, snapshot(key, 'QUEUED', 'SUBMITTED', 50))).toEqual({ kind: 'lost-race' });
    expect(db.writes.calls).toBe(0);
  });

  it('sets the TTL attribute on history only, from the retention setting', async () => {
    const s = store();
    const key = jobKey('ttl');
    const made = await observe(s, snapshot(key, 'QUEUED', 'SUBMITTED', 0));
    const [current, history] = [
      (await items(key)).find((item) => item.sk === 'CURRENT'),
      (await historyItems(key))[0],
    ];
    expect(history?.expiresAt).toBe(T0 / 1000 + 90 * 86_400);
    expect(current?.expiresAt).toBeUndefined();
    const ttl = await db.client.send(new DescribeTimeToLiveCommand({ TableName: db.tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });
    if (made.kind !== 'transition') throw new Error('no record');

    // The publisher's retention decides: 30 days, and 0 (kept forever).
    for (const [retention, expected] of [
      [30, T0 / 1000 + 30 * 86_400],
      [0, undefined],
    ] as const) {
      const other = { ...made.record, key: jobKey(`ttl-${retention}`) };
      const writer = new DynamoHistoryWriter({
        client: db.client,
        tableName: db.tableName,
        historyRetentionDays: retention,
      });
      expect(await writer.put(other)).toBe('written');
      expect(await writer.put(other)).toBe('present');
      expect((await items(other.key))[0]?.expiresAt).toBe(expected);
    }
  });

  it('bounds a huge observation: items stay under 100 KB, marked truncated, and re-observing it writes nothing', async () => {
    const s = store();
    const key = jobKey('huge');
    // The worst case: every field far over its limit, in 4-byte characters.
    const wide = (count: number) => '😀'.repeat(count);
    const huge = snapshot(key, 'FAILED', 'FAILED', 0, {
      message: wide(300_000),
      jobName: wide(100_000),
      inputLocation: `s3://b/${wide(100_000)}`,
      outputLocation: `s3://b/${wide(100_000)}`,
      progress: Object.fromEntries(
        Array.from({ length: 5000 }, (_, i) => [`${wide(200)}${i}`, i * 1.123456789]),
      ),
      metrics: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`metric-${i}`, i])),
      sources: Array.from({ length: 1000 }, (_, i) => ({
        name: `${wide(1000)}${i}`,
        location: `s3://b/${wide(5000)}`,
        rawStatus: wide(500),
        status: 'FAILED' as const,
        message: wide(5000),
      })),
    });
    const result = await observe(s, huge);
    expect(result.kind).toBe('transition');
    // Final at once: the current item is the job's one record, and the largest item there is.
    await publisher.drain();
    const all = await items(key);
    expect(all).toHaveLength(1);
    for (const item of all) {
      expect(itemSizeBytes(item)).toBeLessThan(100_000); // about 57 KB each
      expect(itemSizeBytes(item)).toBeGreaterThan(40_000);
      expect(item).toMatchObject({ truncated: true });
      expect(item.truncatedFields).toEqual(
        expect.arrayContaining([
          'message',
          'jobName',
          'inputLocation',
          'outputLocation',
          'progress',
          'metrics',
          'sources',
        ]),
      );
    }
    const current = await s.get(key);
    expect(current?.snapshot.message?.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(Object.keys(current?.snapshot.progress ?? {})).toHaveLength(SNAPSHOT_LIMITS.counters);
    expect(current?.snapshot.progress?.[TRUNCATED_COUNTER]).toBe(5000 - SNAPSHOT_LIMITS.counters + 1);
    db.writes.reset();
    clock = new Date(T0 + 3_600_000);
    expect(await observe(s, { ...huge, observedAt: at(3600) })).toEqual({ kind: 'unchanged' });
    expect(db.writes.calls).toBe(0);
  });

  it('lists the active jobs of one service from the sparse index', async () => {
    const s = store();
    const service = 'panorama';
    const keys: JobKey[] = Array.from({ length: 30 }, (_, i) => ({
      service,
      region: 'us-east-1',
      jobId: `active-${String(i).padStart(2, '0')}`,
    }));
    const big = 'm'.repeat(3000);
    await Promise.all(
      keys.map((key, i) =>
        observe(
          s,
          snapshot(key, i % 3 === 0 ? 'SUCCEEDED' : 'RUNNING', i % 3 === 0 ? 'SUCCEEDED' : 'IN_PROGRESS', i, {
            message: big,
          }),
        ),
      ),
    );
    // A corrupt item in the index is skipped and logged, not fatal to the poller's work list.
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: {
          pk: 'JOB#corrupt',
          sk: 'CURRENT',
          activeJob: 'ACTIVE',
          jobKey: 'panorama/us-east-1//corrupt',
          version: 1,
        },
      }),
    );
    const errors: unknown[] = [];
    const active: string[] = [];
    const listing = new DynamoJobStateStore({
      client: db.client,
      settings: { tableName: db.tableName },
      log: { ...log, error: (message, extra) => errors.push({ message, ...extra }) },
    });
    for await (const job of listing.listActive(service)) active.push(job.snapshot.key.jobId);
    expect(active.sort()).toEqual(keys.filter((_, i) => i % 3 !== 0).map((key) => key.jobId));
    expect(errors).toEqual([expect.objectContaining({ pk: 'JOB#corrupt' })]);
  });

  it('keeps one list cursor per service outside every index, cleared with a Put, expiring a day on', async () => {
    const s = store();
    expect(await s.loadListCursor('entityresolution')).toBeUndefined();
    const cursor = { scope: 'wf-1', pageToken: 'opaque+/=token', fullSweep: true, savedAt: at(5) };
    await s.saveListCursor('entityresolution', cursor);
    await s.saveListCursor('panorama', {
      scope: undefined,
      pageToken: undefined,
      fullSweep: false,
      savedAt: at(6),
    });

    expect(await s.loadListCursor('entityresolution')).toEqual(cursor);
    expect(await s.loadListCursor('panorama')).toEqual({
      scope: undefined,
      pageToken: undefined,
      fullSweep: false,
      savedAt: at(6),
    });
    const { Item: raw } = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: 'LIST#entityresolution', sk: 'CURSOR' } }),
    );
    expect(raw?.expiresAt).toBe(Math.floor(clock.getTime() / 1000) + 86_400);
    // No index key, no history shape: the poller's work list, the queries and the publisher never see it.
    expect(raw).not.toHaveProperty('activeJob');
    expect(raw).not.toHaveProperty('currentStatus');
    expect(raw).not.toHaveProperty('changeKind');
    expect(historyRecordFromItem(raw ?? {})).toBeUndefined();
    const active: unknown[] = [];
    for await (const job of s.listActive('entityresolution')) active.push(job);
    expect(active).toEqual([]);

    await s.saveListCursor('entityresolution', undefined);
    expect(await s.loadListCursor('entityresolution')).toBeUndefined();
    expect(await s.loadListCursor('panorama')).toMatchObject({ savedAt: at(6) });
  });

  it('keeps each target its own list cursor and its own active jobs', async () => {
    // Arrange: one service, two targets, a job in each and the cursor of only one.
    const s = store();
    const a = { accountId: '111111111111', region: 'eu-west-1' };
    const b = { accountId: '222222222222', region: 'eu-west-1' };
    const service = 'healthimaging';
    for (const target of [a, b]) {
      const key = { service, jobId: `job-${target.accountId}`, ...target } as const;
      await s.record(undefined, snapshot(key, JobStatus.RUNNING, 'IN_PROGRESS', 1));
    }
    const cursor = { scope: undefined, pageToken: 'p2', fullSweep: false, savedAt: at(5) };

    // Act
    await s.saveListCursor(service, cursor, a);
    const activeOf = async (target?: typeof a) => {
      const ids: string[] = [];
      for await (const job of s.listActive(service, target)) ids.push(job.snapshot.key.jobId);
      return ids.sort();
    };

    // Assess
    expect(await s.loadListCursor(service, a)).toEqual(cursor);
    expect(await s.loadListCursor(service, b)).toBeUndefined();
    expect(await s.loadListCursor(service)).toBeUndefined();
    expect(await activeOf(a)).toEqual(['job-111111111111']);
    expect(await activeOf(b)).toEqual(['job-222222222222']);
    expect(await activeOf()).toEqual(expect.arrayContaining(['job-111111111111', 'job-222222222222']));
    const { Item: raw } = await db.doc.send(
      new GetCommand({
        TableName: db.tableName,
        Key: { pk: 'LIST#healthimaging/eu-west-1/111111111111', sk: 'CURSOR' },
      }),
    );
    expect(raw?.pageToken).toBe('p2');
  });

  it('records a stall once, and a transition ends it', async () => {
    const s = store();
    const key = jobKey('stall');
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 0));
    const running = await s.get(key);
    if (!running) throw new Error('not stored');
    const stall = await s.recordStall(running, new Date(T0 + 7_200_000));
    expect(stall).toMatchObject({ kind: 'stall', version: 2, stalledForSeconds: 7200 });
    expect(await s.get(key)).toMatchObject({ version: 2, stalledSince: at(7200) });
    // The same (now stale) read again, and a fresh read: neither records a second stall.
    expect(await s.recordStall(running, new Date(T0 + 7_300_000))).toBeUndefined();
    const stalled = await s.get(key);
    if (!stalled) throw new Error('not stored');
    expect(await s.recordStall(stalled, new Date(T0 + 7_300_000))).toBeUndefined();
    const stallItem = (await historyItems(key)).find((item) => item.changeKind === 'stall');
    expect(stallItem && historyRecordFromItem(stallItem)).toEqual(stall);

    await observe(s, snapshot(key, 'SUCCEEDED', 'COMPLETED', 7400));
    const done = await s.get(key);
    expect(done?.stalledSince).toBeUndefined();
    expect(done?.version).toBe(3);
  });

  it('does not record a stall over progress written after the caller read the job', async () => {
    const s = store({ progressIntervalSeconds: 0 });
    const key = jobKey('stall-race');
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 0, { progress: { files: 0 } }));
    const read = await s.get(key);
    if (!read) throw new Error('not stored');
    clock = new Date(T0 + 60_000);
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 60, { progress: { files: 1 } }));
    expect(await s.recordStall(read, new Date(T0 + 7_200_000))).toBeUndefined();
  });

  it('makes a slower progress writer lose instead of putting older counters over newer ones', async () => {
    const s = store({ progressIntervalSeconds: 0 });
    const key = jobKey('progress-race');
    await observe(s, snapshot(key, 'RUNNING', 'IN_PROGRESS', 0, { progress: { files: 0 } }));
    const read = await s.get(key);
    clock = new Date(T0 + 60_000);
    expect(
      await s.record(read, snapshot(key, 'RUNNING', 'IN_PROGRESS', 60, { progress: { files: 6 } })),
    ).toEqual({
      kind: 'progress',
      written: true,
    });
    clock = new Date(T0 + 61_000);
    expect(
      await s.record(read, snapshot(key, 'RUNNING', 'IN_PROGRESS', 59, { progress: { files: 5 } })),
    ).toEqual({
      kind: 'lost-race',
    });
    expect((await s.get(key))?.snapshot.progress).toEqual({ files: 6 });
  });

  it('accepts a table someone else wrote a version into (a plain GetItem shows the same data)', async () => {
    const s = store();
    const key = jobKey('plain-read');
    await observe(s, snapshot(key, 'QUEUED', 'SUBMITTED', 0));
    const raw = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { pk: jobPartitionKey(key), sk: 'CURRENT' } }),
    );
    expect(raw.Item).toMatchObject({
      jobKey: 'healthlake/us-east-1/123456789012/ds-1/plain-read',
      activeJob: 'ACTIVE',
      version: 1,
      latestRecord: { kind: 'transition', recordedAt: at(0) },
      snapshot: { status: 'QUEUED', rawStatus: 'SUBMITTED' },
    });
    // Sparse: an active job is in no final-status list and its record is a history item, not the feed's.
    expect(raw.Item).not.toHaveProperty('currentStatus');
    expect(raw.Item).not.toHaveProperty('changeKind');
    // A foreign item without the job fields in the same table is not mistaken for a job.
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: { pk: 'OTHER', sk: 'H#x' } }));
  });
});
