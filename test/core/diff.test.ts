import { describe, expect, it } from 'vitest';
import { compareSnapshots, SnapshotMismatchError, stableJson } from '../../lambdas/core/diff.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';

const base: JobSnapshot = {
  key: { service: 'healthlake', region: 'us-east-1', scope: 'ds1', jobId: 'job1' },
  status: 'RUNNING',
  rawStatus: 'IN_PROGRESS',
  submittedAt: '2026-11-20T10:00:00.000Z',
  progress: { TotalNumberOfScannedFiles: 1, TotalNumberOfImportedFiles: 0 },
  observedAt: '2026-11-20T10:05:00.000Z',
  detail: 'full',
};

describe('compareSnapshots', () => {
  it('reports a first sighting as new', () => {
    expect(compareSnapshots(undefined, base)).toEqual({
      kind: 'new',
      status: 'RUNNING',
      rawStatus: 'IN_PROGRESS',
    });
  });

  it('reports a raw status change as a transition with both statuses', () => {
    const next: JobSnapshot = {
      ...base,
      status: 'SUCCEEDED_WITH_ERRORS',
      rawStatus: 'COMPLETED_WITH_ERRORS',
    };
    expect(compareSnapshots(base, next)).toEqual({
      kind: 'transition',
      from: 'RUNNING',
      fromRaw: 'IN_PROGRESS',
      to: 'SUCCEEDED_WITH_ERRORS',
      toRaw: 'COMPLETED_WITH_ERRORS',
    });
  });

  it('counts a non-final status moving under the same raw status as a transition, a final one not', () => {
    // HealthImaging: COMPLETED waits for its manifest as RUNNING, then the manifest shows failed files.
    const waiting: JobSnapshot = { ...base, status: 'RUNNING', rawStatus: 'COMPLETED' };
    const partial: JobSnapshot = { ...waiting, status: 'SUCCEEDED_WITH_ERRORS' };
    expect(compareSnapshots(waiting, partial)).toEqual({
      kind: 'transition',
      from: 'RUNNING',
      fromRaw: 'COMPLETED',
      to: 'SUCCEEDED_WITH_ERRORS',
      toRaw: 'COMPLETED',
    });
    // A later summary of the final job normalizes COMPLETED without the manifest: no change, no regression.
    expect(compareSnapshots(partial, { ...partial, status: 'SUCCEEDED' }).kind).toBe('unchanged');
  });

  it('counts a raw change with the same normalized status as a transition', () => {
    const queued: JobSnapshot = { ...base, status: 'QUEUED', rawStatus: 'SUBMITTED' };
    const next: JobSnapshot = { ...base, status: 'QUEUED', rawStatus: 'QUEUED' };
    expect(compareSnapshots(queued, next).kind).toBe('transition');
  });

  it('reports moved counters as progress, naming the fields', () => {
    const next: JobSnapshot = {
      ...base,
      progress: { TotalNumberOfImportedFiles: 0, TotalNumberOfScannedFiles: 5 },
      observedAt: '2026-11-20T10:10:00.000Z',
    };
    expect(compareSnapshots(base, next)).toEqual({ kind: 'progress', fields: ['progress'] });
  });

  it('ignores a new observation time and counter key order', () => {
    const next: JobSnapshot = {
      ...base,
      progress: { TotalNumberOfImportedFiles: 0, TotalNumberOfScannedFiles: 1 },
      observedAt: '2026-11-20T11:00:00.000Z',
    };
    expect(compareSnapshots(base, next)).toEqual({ kind: 'unchanged' });
  });

  it('treats fields a summary lacks as unknown, not removed', () => {
    const full: JobSnapshot = { ...base, message: 'scanning', outputLocation: 's3://out/' };
    const summary: JobSnapshot = {
      key: base.key,
      status: 'RUNNING',
      rawStatus: 'IN_PROGRESS',
      observedAt: 'x',
      detail: 'summary',
    };
    expect(compareSnapshots(full, summary)).toEqual({ kind: 'unchanged' });
  });

  it('flags a terminal job reported as running as a regression', () => {
    const done: JobSnapshot = { ...base, status: 'SUCCEEDED', rawStatus: 'COMPLETED' };
    expect(compareSnapshots(done, base)).toMatchObject({
      kind: 'regression',
      from: 'SUCCEEDED',
      to: 'RUNNING',
    });
  });

  it('refuses to compare two different jobs', () => {
    const other: JobSnapshot = { ...base, key: { ...base.key, service: 'healthimaging' } };
    expect(() => compareSnapshots(base, other)).toThrow(SnapshotMismatchError);
  });

  it('serializes objects with sorted keys at every depth', () => {
    expect(stableJson({ b: 1, a: { d: 2, c: [{ f: 1, e: 2 }] } })).toBe(
      '{"a":{"c":[{"e":2,"f":1}],"d":2},"b":1}',
    );
  });
});
