import { describe, expect, it } from 'vitest';
import type { StoredJob } from '../../lambdas/core/ports.js';
import { planRecord } from '../../lambdas/core/recording.js';
import { isStallDue, mayStall, quietSeconds } from '../../lambdas/core/stall.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import { KEYS, snapshot } from '../events/fixtures.js';

const NOW = new Date('2025-03-01T12:00:00.000Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

function job(status: JobStatus, quietSeconds: number, extra: Partial<StoredJob> = {}): StoredJob {
  return {
    snapshot: snapshot(KEYS.healthlake, status, status === 'RUNNING' ? 'IN_PROGRESS' : status),
    version: 3,
    lastChangeAt: ago(quietSeconds),
    writtenAt: ago(60),
    ...extra,
  };
}

describe('isStallDue (the stall rule)', () => {
  it('reports a running job quiet for the threshold or longer', () => {
    expect(isStallDue(job('RUNNING', 3600), NOW, 3600)).toBe(true);
    expect(isStallDue(job('RUNNING', 7200), NOW, 3600)).toBe(true);
  });

  it('does not report a job that changed recently', () => {
    expect(isStallDue(job('RUNNING', 3599), NOW, 3600)).toBe(false);
  });

  it.each<JobStatus>(['QUEUED', 'SUCCEEDED', 'FAILED', 'CANCELLING', 'UNKNOWN'])(
    'does not report a %s job however long it is quiet',
    (status) => {
      expect(isStallDue(job(status, 86_400), NOW, 3600)).toBe(false);
      expect(mayStall(job(status, 86_400))).toBe(false);
    },
  );

  it('reports a stall once: a reported stall that no change ended is not due again', () => {
    const reported = job('RUNNING', 7200, { stalledSince: ago(3600) });
    expect(isStallDue(reported, NOW, 3600)).toBe(false);
    expect(mayStall(reported)).toBe(false);
  });

  it('a change after the reported stall ends it, and a new quiet period can be reported', () => {
    // Prepare: a stalled job whose progress moves 4000 s before NOW.
    const stalled = job('RUNNING', 9000, { stalledSince: ago(9000) });
    const moved = { ...stalled.snapshot, progress: { files: 1 }, observedAt: ago(4000) };

    // Act: the store records the change as the plan says.
    const plan = planRecord(
      stalled,
      moved,
      { progressIntervalSeconds: 300, keepProgressHistory: false },
      NOW,
    );

    // Assess
    const current = plan.write?.current;
    if (!current) throw new Error('expected a write');
    expect(current.stalledSince).toBeUndefined();
    expect(isStallDue(current, NOW, 3600)).toBe(true);
    expect(quietSeconds(current, NOW)).toBe(4000);
  });

  it('does not guess when the last change time is unreadable', () => {
    expect(isStallDue(job('RUNNING', 0, { lastChangeAt: 'never' }), NOW, 3600)).toBe(false);
    expect(quietSeconds(job('RUNNING', 0, { lastChangeAt: 'never' }), NOW)).toBeNaN();
  });
});
