import { describe, expect, it } from 'vitest';
import { failureReason, hasFailure, MAX_FAILURE_CHARS, REDACTED } from '../../lambdas/core/failure.js';
import { JobStatus } from '../../lambdas/core/status.js';

describe('failureReason', () => {
  it('redacts S3 URIs, URLs, paths, file names, quoted values and e-mail addresses', () => {
    const reason = failureReason(
      'Access denied reading s3://patient-data/2024/batch-7/ via https://bucket.s3.amazonaws.com/x?sig=1; ' +
        'file jdoe_scan.dcm in input/dicom/ has value \'Jane Doe\' for "PatientName"; contact ops@example.org',
    );
    expect(reason).toBe(
      `Access denied reading ${REDACTED} via ${REDACTED} file ${REDACTED} in ${REDACTED} has value ${REDACTED} for ${REDACTED}; contact ${REDACTED}`,
    );
    for (const leak of ['patient-data', 'jdoe', 'Jane', 'PatientName', 'example.org', 'dicom']) {
      expect(reason).not.toContain(leak);
    }
  });

  it('keeps a plain reason, with whitespace and control characters folded', () => {
    expect(failureReason('  Internal\nservice error.\t Retry later  ')).toBe(
      'Internal service error. Retry later',
    );
  });

  it('cuts a long reason to the bound by code points, and gives nothing for an empty one', () => {
    const long = failureReason('😀'.repeat(MAX_FAILURE_CHARS + 10)) ?? '';
    expect(Array.from(long)).toHaveLength(MAX_FAILURE_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(failureReason('   ')).toBeUndefined();
    expect(failureReason(undefined)).toBeUndefined();
  });

  it('reads only the head of a huge message, so one long word cannot stall the poller', () => {
    // Redacting all 1 MB is quadratic (minutes, past the test's timeout); the window makes it milliseconds.
    const reason = failureReason(`Import failed: ${'x'.repeat(1024 * 1024)} see s3://bucket/key`) ?? '';
    expect(Array.from(reason)).toHaveLength(MAX_FAILURE_CHARS);
    expect(reason.startsWith('Import failed: xxx')).toBe(true);
    expect(reason).not.toContain('s3://');
  });

  it('belongs to failed and partly failed jobs only', () => {
    expect(Object.values(JobStatus).filter(hasFailure)).toEqual([
      JobStatus.SUCCEEDED_WITH_ERRORS,
      JobStatus.FAILED,
    ]);
  });
});
