import { describe, expect, it } from 'vitest';
import { historyRecordId } from '../../lambdas/core/history.js';
import type { JobKey } from '../../lambdas/core/job-key.js';
import type { StoredJob } from '../../lambdas/core/ports.js';
import {
  boundSnapshot,
  type CurrentJob,
  historyExpiresAt,
  planRecord,
  planStall,
  type RecordingPolicy,
  SNAPSHOT_LIMITS,
  TRUNCATED_COUNTER,
  TRUNCATED_SOURCE_NAME,
  TRUNCATION_MARKER,
  truncateUtf8,
  utf8Length,
} from '../../lambdas/core/recording.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';

const key: JobKey = {
  service: 'healthlake',
  region: 'us-east-1',
  accountId: '123456789012',
  scope: 'ds',
  jobId: 'j1',
};
const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();
const policy: RecordingPolicy = { progressIntervalSeconds: 300, keepProgressHistory: false };

function snap(rawStatus: string, observedAtSeconds: number, extra: Partial<JobSnapshot> = {}): JobSnapshot {
  const status =
    rawStatus === 'SUBMITTED'
      ? 'QUEUED'
      : rawStatus === 'IN_PROGRESS'
        ? 'RUNNING'
        : rawStatus === 'COMPLETED'
          ? 'SUCCEEDED'
          : 'FAILED';
  return { key, status, rawStatus, observedAt: iso(observedAtSeconds), detail: 'full', ...extra };
}

function stored(
  snapshot: JobSnapshot,
  version: number,
  writtenAtSeconds: number,
  extra: Partial<CurrentJob> = {},
) {
  return {
    snapshot,
    version,
    lastChangeAt: snapshot.observedAt,
    writtenAt: iso(writtenAtSeconds),
    statusSince: snapshot.observedAt,
    ...extra,
  } satisfies CurrentJob;
}

describe('planRecord', () => {
  it('writes version 1 and a transition without "from" for a first sighting, on condition the job is absent', () => {
    const next = snap('SUBMITTED', 0);
    const plan = planRecord(undefined, next, policy, at(1));
    expect(plan.write?.condition).toEqual({ kind: 'absent' });
    expect(plan.write?.current).toEqual({
      snapshot: next,
      version: 1,
      lastChangeAt: iso(0),
      writtenAt: iso(1),
      statusSince: iso(0),
      latestRecord: { kind: 'transition', recordedAt: iso(0) },
    });
    expect(plan.write?.history).toEqual({
      kind: 'transition',
      recordId: historyRecordId(key, 1, 'transition', 'SUBMITTED'),
      key,
      version: 1,
      recordedAt: iso(0),
      snapshot: next,
      to: { status: 'QUEUED', rawStatus: 'SUBMITTED' },
    });
    expect(plan.result).toEqual({ kind: 'transition', record: plan.write?.history });
  });

  it('writes the next version and one transition record, conditional on the version read, and ends a stall', () => {
    const previous = stored(snap('SUBMITTED', 0, { message: 'queued' }), 3, 0, { stalledSince: iso(50) });
    const next = snap('IN_PROGRESS', 60, { detail: 'summary' });
    const plan = planRecord(previous, next, policy, at(61));
    expect(plan.write?.condition).toEqual({ kind: 'version', version: 3 });
    expect(plan.write?.current.version).toBe(4);
    expect(plan.write?.current.stalledSince).toBeUndefined();
    expect(plan.write?.current.statusSince).toBe(iso(60));
    // A summary keeps what the last full snapshot knew.
    expect(plan.write?.current.snapshot.message).toBe('queued');
    const record = plan.write?.history;
    expect(record).toMatchObject({
      kind: 'transition',
      version: 4,
      recordId: historyRecordId(key, 4, 'transition', 'IN_PROGRESS'),
      from: { status: 'QUEUED', rawStatus: 'SUBMITTED' },
      to: { status: 'RUNNING', rawStatus: 'IN_PROGRESS' },
    });
  });

  it('writes nothing for an unchanged job', () => {
    const previous = stored(snap('IN_PROGRESS', 0, { progress: { a: 1 } }), 2, 0);
    const plan = planRecord(previous, snap('IN_PROGRESS', 600, { progress: { a: 1 } }), policy, at(600));
    expect(plan).toEqual({ result: { kind: 'unchanged' } });
  });

  it('never moves a final job back: a late non-final snapshot is a regression and writes nothing', () => {
    const previous = stored(snap('COMPLETED', 100), 3, 100);
    const late = snap('IN_PROGRESS', 50);
    const plan = planRecord(previous, late, policy, at(200));
    expect(plan.write).toBeUndefined();
    expect(plan.result).toEqual({ kind: 'regression', current: previous, observed: late });
  });

  it('ignores a non-final observation older than the recorded one (reordered) as a lost race', () => {
    const previous = stored(snap('IN_PROGRESS', 100), 2, 100);
    const plan = planRecord(previous, snap('SUBMITTED', 50), policy, at(200));
    expect(plan).toEqual({ result: { kind: 'lost-race' }, stale: true });
  });

  describe('progress', () => {
    const previous = stored(snap('IN_PROGRESS', 0, { progress: { files: 1 } }), 2, 0);
    const moved = (seconds: number) => snap('IN_PROGRESS', seconds, { progress: { files: seconds } });

    it('defers a progress change inside the interval: no write', () => {
      const plan = planRecord(previous, moved(120), policy, at(120));
      expect(plan).toEqual({ result: { kind: 'progress', written: false } });
    });

    it('writes the current snapshot once the interval passed, same version, no history', () => {
      const plan = planRecord(previous, moved(300), policy, at(300));
      expect(plan.result).toEqual({ kind: 'progress', written: true });
      expect(plan.write?.condition).toEqual({ kind: 'version', version: 2, writtenAt: iso(0) });
      expect(plan.write?.history).toBeUndefined();
      expect(plan.write?.current).toMatchObject({
        version: 2,
        lastChangeAt: iso(300),
        writtenAt: iso(300),
        statusSince: iso(0),
        snapshot: { progress: { files: 300 } },
      });
    });

    it('keeps a progress record and takes a version when progress history is on', () => {
      const plan = planRecord(previous, moved(300), { ...policy, keepProgressHistory: true }, at(300));
      expect(plan.write?.current.version).toBe(3);
      expect(plan.write?.history).toMatchObject({
        kind: 'progress',
        version: 3,
        recordId: historyRecordId(key, 3, 'progress', 'IN_PROGRESS'),
      });
    });

    it('writes at once when the job was reported stalled, and clears the stall', () => {
      const stalled = { ...previous, stalledSince: iso(100) };
      const plan = planRecord(stalled, moved(120), policy, at(120));
      expect(plan.result).toEqual({ kind: 'progress', written: true });
      expect(plan.write?.current.stalledSince).toBeUndefined();
    });

    it('writes every change with an interval of 0', () => {
      const plan = planRecord(previous, moved(2), { ...policy, progressIntervalSeconds: 0 }, at(2));
      expect(plan.result).toEqual({ kind: 'progress', written: true });
    });

    it('accepts a StoredJob without statusSince (falls back to lastChangeAt)', () => {
      const plain: StoredJob = {
        snapshot: previous.snapshot,
        version: 2,
        lastChangeAt: iso(0),
        writtenAt: iso(0),
      };
      expect(planRecord(plain, moved(400), policy, at(400)).write?.current.statusSince).toBe(iso(0));
    });
  });
});

describe('planStall', () => {
  const running = stored(snap('IN_PROGRESS', 0), 5, 10);

  it('records a stall with its own version, conditional on the version and on no stall yet', () => {
    const plan = planStall(running, at(7200));
    expect(plan?.record).toEqual({
      kind: 'stall',
      recordId: historyRecordId(key, 6, 'stall', 'IN_PROGRESS'),
      key,
      version: 6,
      recordedAt: iso(7200),
      snapshot: running.snapshot,
      lastChangeAt: iso(0),
      stalledForSeconds: 7200,
    });
    expect(plan?.write.condition).toEqual({
      kind: 'version',
      version: 5,
      writtenAt: iso(10),
      notStalled: true,
    });
    expect(plan?.write.current).toMatchObject({ version: 6, stalledSince: iso(7200), writtenAt: iso(10) });
  });

  it('has nothing to record for a final job or a stall already recorded', () => {
    expect(planStall(stored(snap('COMPLETED', 0), 2, 0), at(7200))).toBeUndefined();
    expect(planStall({ ...running, stalledSince: iso(10) }, at(7200))).toBeUndefined();
  });
});

describe('historyExpiresAt', () => {
  const record = planRecord(undefined, snap('SUBMITTED', 0), policy, at(0)).write?.history;
  it('is the record time plus the retention, in epoch seconds', () => {
    if (!record) throw new Error('no record');
    expect(historyExpiresAt(record, 90)).toBe(T0 / 1000 + 90 * 86_400);
  });
  it('is absent with a retention of 0 (keep forever)', () => {
    if (!record) throw new Error('no record');
    expect(historyExpiresAt(record, 0)).toBeUndefined();
  });
});

describe('boundSnapshot', () => {
  const huge = snap('FAILED', 0, {
    message: 'é'.repeat(100_000),
    jobName: 'n'.repeat(10_000),
    inputLocation: `s3://bucket/${'k'.repeat(10_000)}`,
    progress: Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`counter-${String(i).padStart(3, '0')}`, i]),
    ),
    sources: Array.from({ length: 100 }, (_, i) => ({
      name: `ref-${i}`,
      rawStatus: 'FAILED',
      status: 'FAILED' as const,
      message: 'x'.repeat(5000),
    })),
  });
  const bounded = boundSnapshot(huge);

  it('cuts long strings to their byte limit, ending with the marker, without splitting a character', () => {
    expect(bounded.message?.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(utf8Length(bounded.message ?? '')).toBeLessThanOrEqual(SNAPSHOT_LIMITS.messageBytes);
    expect(bounded.message?.replace(TRUNCATION_MARKER, '')).toMatch(/^é+$/);
    expect(utf8Length(bounded.jobName ?? '')).toBeLessThanOrEqual(SNAPSHOT_LIMITS.jobNameBytes);
    expect(utf8Length(bounded.inputLocation ?? '')).toBeLessThanOrEqual(SNAPSHOT_LIMITS.locationBytes);
  });

  it('keeps at most the counter limit, the marker counting how many went', () => {
    const progress = bounded.progress ?? {};
    expect(Object.keys(progress)).toHaveLength(SNAPSHOT_LIMITS.counters);
    expect(progress[TRUNCATED_COUNTER]).toBe(500 - (SNAPSHOT_LIMITS.counters - 1));
    expect(progress['counter-000']).toBe(0);
  });

  it('keeps at most the source limit, the last one a marker', () => {
    expect(bounded.sources).toHaveLength(SNAPSHOT_LIMITS.sources);
    expect(bounded.sources?.at(-1)).toMatchObject({
      name: TRUNCATED_SOURCE_NAME,
      message: '81 more sources not kept',
    });
    expect(bounded.sources?.[0]?.message?.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('is idempotent, so a stored bounded snapshot equals the same huge observation seen again', () => {
    expect(boundSnapshot(bounded)).toEqual(bounded);
    const previous = stored(bounded, 1, 0);
    expect(planRecord(previous, { ...huge, observedAt: iso(600) }, policy, at(600)).result).toEqual({
      kind: 'unchanged',
    });
  });

  it('keeps long counter names that share a prefix apart', () => {
    const long = boundSnapshot(
      snap('IN_PROGRESS', 0, { metrics: { [`${'a'.repeat(300)}1`]: 1, [`${'a'.repeat(300)}2`]: 2 } }),
    );
    const names = Object.keys(long.metrics ?? {});
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(utf8Length(name)).toBeLessThanOrEqual(SNAPSHOT_LIMITS.counterNameBytes);
      expect(name.endsWith(TRUNCATION_MARKER)).toBe(true);
    }
    expect(boundSnapshot(long)).toEqual(long);
  });

  it('leaves small snapshots alone', () => {
    const small = snap('IN_PROGRESS', 0, { message: 'ok', progress: { a: 1 } });
    expect(boundSnapshot(small)).toEqual(small);
  });

  it('truncateUtf8 counts bytes, not characters', () => {
    expect(truncateUtf8('abc', 3)).toBe('abc');
    const cut = truncateUtf8('😀'.repeat(100), 40);
    expect(utf8Length(cut)).toBeLessThanOrEqual(40);
    expect(cut).toBe(`${'😀'.repeat(6)}${TRUNCATION_MARKER}`);
  });
});
