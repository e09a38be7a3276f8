import { describe, expect, it } from 'vitest';
import { MAX_FAILURE_CHARS } from '../../lambdas/core/failure.js';
import { JobStatus } from '../../lambdas/core/status.js';
import { DetailType, type JobStatusChangedDetail, toEventEntry } from '../../lambdas/events/contract.js';
import { jobKey, pair, transition } from './fixtures.js';
import { schemaErrors } from './schema-validator.js';

const detailOf = (record: Parameters<typeof toEventEntry>[0]) =>
  JSON.parse(toEventEntry(record, 'jobs').Detail) as JobStatusChangedDetail;

describe('failure and job type in Job Status Changed', () => {
  it('carries the failure reason and the job type, and passes the schema', () => {
    const record = transition(
      jobKey('entityresolution'),
      pair(JobStatus.RUNNING, 'RUNNING'),
      pair(JobStatus.FAILED, 'FAILED'),
      3,
      { failure: 'Access denied to <redacted>', jobType: 'INCREMENTAL' },
    );
    const detail = detailOf(record);
    expect(detail).toMatchObject({ failure: 'Access denied to <redacted>', jobType: 'INCREMENTAL' });
    expect(schemaErrors(DetailType.STATUS_CHANGED, detail)).toBe('');
  });

  it('leaves both out when the snapshot has neither', () => {
    const record = transition(jobKey('healthlake'), undefined, pair(JobStatus.RUNNING, 'IN_PROGRESS'), 1);
    const detail = detailOf(record);
    expect(detail).not.toHaveProperty('failure');
    expect(detail).not.toHaveProperty('jobType');
  });

  it('refuses a reason above the bound in the schema', () => {
    const detail = {
      ...detailOf(
        transition(jobKey('panorama'), undefined, pair(JobStatus.FAILED, 'FAILED'), 1, { failure: 'x' }),
      ),
      failure: 'x'.repeat(MAX_FAILURE_CHARS + 1),
    };
    expect(schemaErrors(DetailType.STATUS_CHANGED, detail)).not.toBe('');
  });
});
