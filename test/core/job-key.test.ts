import { describe, expect, it } from 'vitest';
import {
  describeJobKey,
  formatJobKey,
  InvalidJobKeyError,
  type JobKey,
  parseJobKey,
} from '../../lambdas/core/job-key.js';

describe('job key', () => {
  it('round-trips every part, including ids that hold the separator', () => {
    // Prepare
    const key: JobKey = {
      service: 'entityresolution',
      region: 'eu-west-1',
      accountId: '123456789012',
      scope: 'arn:aws:entityresolution:eu-west-1:123456789012:idmappingworkflow/my/flow',
      jobId: '0123456789abcdef0123456789abcdef',
    };

    // Act
    const text = formatJobKey(key);

    // Assess
    expect(text.split('/')).toHaveLength(5);
    expect(parseJobKey(text)).toEqual(key);
  });

  it('leaves absent parts absent (Panorama has no scope)', () => {
    const key: JobKey = { service: 'panorama', jobId: 'job-1' };
    expect(formatJobKey(key)).toBe('panorama////job-1');
    expect(parseJobKey('panorama////job-1')).toEqual(key);
    expect(describeJobKey(key)).toBe('panorama:job-1');
  });

  it('rejects malformed keys with a reason', () => {
    expect(() => parseJobKey('healthlake/x')).toThrow(InvalidJobKeyError);
    expect(() => parseJobKey('glue/r/a/s/j')).toThrow(/unknown service "glue"/);
    expect(() => parseJobKey('healthlake/r/a/s/')).toThrow(/job id is empty/);
  });
});
