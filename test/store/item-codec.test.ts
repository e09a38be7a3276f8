import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { formatJobKey } from '../../lambdas/core/job-key.js';
import { type CurrentJob, planRecord, planStall } from '../../lambdas/core/recording.js';
import {
  currentJobFromItem,
  currentJobToItem,
  historyRecordFromItem,
  historyRecordToItem,
  historySortKey,
  ItemDecodeError,
  recordFromItem,
} from '../../lambdas/store/item-codec.js';
import { jobKey, snapshot, T0 } from './support.js';

const policy = { progressIntervalSeconds: 300, keepProgressHistory: true };
const key = jobKey('codec-1');
const now = new Date(T0);

/** What a stream consumer sees: the item marshalled to the wire and unmarshalled back. */
function overTheWire(item: Record<string, unknown>): Record<string, unknown> {
  return unmarshall(marshall(item, { removeUndefinedValues: true }));
}

describe('item codec', () => {
  const first = planRecord(undefined, snapshot(key, 'QUEUED', 'SUBMITTED', 0), policy, now);
  const firstJob = first.write?.current as CurrentJob;
  const second = planRecord(
    firstJob,
    snapshot(key, 'RUNNING', 'IN_PROGRESS', 60, { progress: { files: 1 }, sources: [] }),
    policy,
    now,
  );
  const secondJob = second.write?.current as CurrentJob;
  const progress = planRecord(
    secondJob,
    snapshot(key, 'RUNNING', 'IN_PROGRESS', 400, { progress: { files: 2 } }),
    policy,
    new Date(T0 + 400_000),
  );
  const stall = planStall(secondJob, new Date(T0 + 7_200_000));
  const records = [
    first.write?.history,
    second.write?.history,
    progress.write?.history,
    stall?.record,
  ] as HistoryRecord[];

  it.each(records.map((record) => [record.kind, record] as const))(
    'round-trips a %s record through a stream image',
    (_kind, record) => {
      const item = historyRecordToItem(record, { expiresAt: 1_800_000_000 });
      expect(historyRecordFromItem(overTheWire(item))).toEqual(record);
      expect(item).toMatchObject({
        changeKind: record.kind,
        expiresAt: 1_800_000_000,
        sk: historySortKey(record.version),
      });
    },
  );

  it('keeps on a transition item only what the snapshot and the key do not say', () => {
    const item = historyRecordToItem(second.write?.history as HistoryRecord);
    expect(item).toEqual({
      pk: 'JOB#healthlake/us-east-1/123456789012/ds-1/codec-1',
      sk: 'H#0000000002',
      changeKind: 'transition',
      changedAt: second.write?.history?.recordedAt,
      from: { status: 'QUEUED', rawStatus: 'SUBMITTED' },
      snapshot: expect.objectContaining({ status: 'RUNNING', progress: { files: 1 } }),
    });
  });

  it('reads the history items of the earlier layout (with recordId, version, kind, to, status)', () => {
    const record = second.write?.history as HistoryRecord & { kind: 'transition' };
    const old = {
      ...historyRecordToItem(record),
      itemType: 'history',
      recordId: record.recordId,
      kind: 'transition',
      jobKey: 'healthlake/us-east-1/123456789012/ds-1/codec-1',
      service: 'healthlake',
      version: 2,
      recordedAt: record.recordedAt,
      status: 'RUNNING',
      rawStatus: 'IN_PROGRESS',
      to: record.to,
    };
    expect(historyRecordFromItem(overTheWire(old))).toEqual(record);
  });

  it("holds a final job's last record in its current item, and rebuilds it from the item alone", () => {
    const done = planRecord(
      secondJob,
      snapshot(key, 'SUCCEEDED', 'COMPLETED', 500, { progress: { files: 3 } }),
      policy,
      new Date(T0 + 500_000),
    );
    const item = overTheWire(currentJobToItem(done.write?.current as CurrentJob));
    expect(item).toMatchObject({ currentStatus: 'SUCCEEDED', changeKind: 'transition' });
    expect(recordFromItem(item)).toEqual(done.write?.history);
    // An active job's record is a history item: its current item is not a record.
    expect(recordFromItem(currentJobToItem(secondJob))).toBeUndefined();
  });

  it('returns undefined for a current item, and throws for a malformed history item', () => {
    expect(historyRecordFromItem(currentJobToItem(firstJob))).toBeUndefined();
    expect(() => historyRecordFromItem({ pk: 'JOB#x', sk: 'H#0000000001', kind: 'transition' })).toThrow(
      ItemDecodeError,
    );
    const item = historyRecordToItem(first.write?.history as HistoryRecord);
    expect(() => historyRecordFromItem({ ...item, kind: 'bogus' })).toThrow(/unknown record kind/);
  });

  it('marks only non-final current items active (the sparse index)', () => {
    const running = currentJobToItem(secondJob);
    expect(running).toMatchObject({ activeJob: 'ACTIVE', jobKey: formatJobKey(key) });
    expect(running.currentStatus).toBeUndefined();
    const done = currentJobToItem({
      ...secondJob,
      snapshot: { ...secondJob.snapshot, status: 'SUCCEEDED', rawStatus: 'COMPLETED' },
    });
    expect(done.activeJob).toBeUndefined();
    expect(done.currentStatus).toBe('SUCCEEDED');
    expect(done.expiresAt).toBeUndefined();
  });

  it('round-trips a current item', () => {
    const job = { ...secondJob, stalledSince: new Date(T0).toISOString() };
    expect(currentJobFromItem(overTheWire(currentJobToItem(job)))).toEqual(job);
  });

  it('round-trips a failure reason and a job type, and drops either when it is not text', () => {
    const failed = planRecord(
      secondJob,
      snapshot(key, 'FAILED', 'FAILED', 500, { failure: 'Access denied to <redacted>', jobType: 'BATCH' }),
      policy,
      new Date(T0 + 500_000),
    ).write?.current as CurrentJob;
    const item = currentJobToItem(failed);
    expect(currentJobFromItem(overTheWire(item))).toEqual(failed);
    const garbled = { ...item, snapshot: { ...(item.snapshot as object), failure: 7, jobType: ['x'] } };
    const decoded = currentJobFromItem(overTheWire(garbled));
    expect(decoded?.snapshot).not.toHaveProperty('failure');
    expect(decoded?.snapshot).not.toHaveProperty('jobType');
    expect(decoded?.snapshot.status).toBe('FAILED');
  });
});
