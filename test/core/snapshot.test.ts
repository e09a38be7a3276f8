import { describe, expect, it } from 'vitest';
import {
  definedOnly,
  type JobSnapshot,
  mergeSnapshot,
  toCounters,
  toIsoUtc,
} from '../../lambdas/core/snapshot.js';

describe('snapshot helpers', () => {
  it('normalizes dates from any wire format to ISO-8601 UTC', () => {
    expect(toIsoUtc(new Date(Date.UTC(2026, 10, 23, 8, 30)))).toBe('2026-11-23T08:30:00.000Z');
    expect(toIsoUtc(1_763_886_600.5)).toBe('2025-11-23T08:30:00.500Z');
    expect(toIsoUtc('2026-11-23T09:30:00+01:00')).toBe('2026-11-23T08:30:00.000Z');
    expect(toIsoUtc(undefined)).toBeUndefined();
    expect(toIsoUtc('not a date')).toBeUndefined();
  });

  it('drops undefined fields and non-numeric counters', () => {
    expect(definedOnly({ a: 1, b: undefined, c: 'x' })).toEqual({ a: 1, c: 'x' });
    expect(Object.keys(definedOnly({ a: undefined }))).toEqual([]);
    expect(toCounters({ files: 3, name: 'x', bad: Number.NaN })).toEqual({ files: 3 });
    expect(toCounters({ name: 'x' })).toBeUndefined();
  });

  it('carries detail fields forward under a summary, and a full snapshot replaces all', () => {
    const full: JobSnapshot = {
      key: { service: 'healthomics', scope: '1234567890', jobId: '9876543210' },
      status: 'RUNNING',
      rawStatus: 'IN_PROGRESS',
      message: 'importing',
      observedAt: '2026-11-23T08:00:00.000Z',
      detail: 'full',
    };
    const { message: _omitted, ...rest } = full;
    const summary: JobSnapshot = { ...rest, observedAt: '2026-11-23T08:05:00.000Z', detail: 'summary' };
    expect(mergeSnapshot(full, summary)).toMatchObject({ message: 'importing', detail: 'summary' });
    expect(mergeSnapshot(summary, full)).toBe(full);
  });
});

describe('mergeSnapshot keeps detail-based normalization', () => {
  it('does not let a summary undo SUCCEEDED_WITH_ERRORS found in a manifest', () => {
    const described: JobSnapshot = {
      key: { service: 'healthimaging', scope: 'a'.repeat(32), jobId: 'job1' },
      status: 'SUCCEEDED_WITH_ERRORS',
      rawStatus: 'COMPLETED',
      metrics: { numberOfFilesWithCustomerError: 2 },
      observedAt: '2026-11-23T08:00:00.000Z',
      detail: 'full',
    };
    const summary: JobSnapshot = { ...described, status: 'SUCCEEDED', detail: 'summary' };
    expect(mergeSnapshot(described, summary).status).toBe('SUCCEEDED_WITH_ERRORS');
  });
});
