import { describe, expect, it } from 'vitest';
import { isTerminal, JOB_STATUSES, JobStatus, normalizeStatus } from '../../lambdas/core/status.js';

describe('canonical status', () => {
  it('marks exactly the four end states terminal', () => {
    const terminal = JOB_STATUSES.filter(isTerminal);
    expect(terminal.sort()).toEqual(['CANCELLED', 'FAILED', 'SUCCEEDED', 'SUCCEEDED_WITH_ERRORS']);
  });

  it('maps a known raw value and keeps unknown values unknown', () => {
    const map = { DONE: JobStatus.SUCCEEDED };
    expect(normalizeStatus(map, 'DONE')).toBe('SUCCEEDED');
    expect(normalizeStatus(map, 'PAUSED')).toBe('UNKNOWN');
    // Prototype keys are not statuses.
    expect(normalizeStatus(map, 'toString')).toBe('UNKNOWN');
    expect(isTerminal(JobStatus.UNKNOWN)).toBe(false);
  });
});
