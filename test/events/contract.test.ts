import { describe, expect, it } from 'vitest';
import { formatJobKey } from '../../lambdas/core/job-key.js';
import {
  DetailType,
  EVENT_SOURCE,
  isPublishable,
  type JobStalledDetail,
  type JobStatusChangedDetail,
  MAX_MESSAGE_CHARS,
  partitionOfArn,
  SCHEMA_VERSION,
  scopeArn,
  toEventEntry,
} from '../../lambdas/events/contract.js';
import {
  entrySize,
  MAX_ENTRY_BYTES,
  type ShrinkableDetail,
  shrinkDetail,
  truncateUtf8,
} from '../../lambdas/events/size.js';
import {
  at,
  jobKey,
  KEYS,
  pair,
  progress,
  stall,
  transition,
  transitionsOfEveryService,
} from './fixtures.js';
import { schemaErrors } from './schema-validator.js';

const BUS = 'jobs';
const parse = <T>(detail: string) => JSON.parse(detail) as T;

describe('Job Status Changed events', () => {
  it('are built for every service and pass the schema', () => {
    // Prepare
    const records = transitionsOfEveryService();

    // Act
    const entries = records.map((record) => toEventEntry(record, BUS));

    // Assess
    for (const [index, entry] of entries.entries()) {
      const record = records[index];
      if (!record) throw new Error('missing record');
      expect(entry.Source).toBe(EVENT_SOURCE);
      expect(entry.Source.startsWith('aws.')).toBe(false);
      expect(entry.DetailType).toBe('Job Status Changed');
      expect(entry.EventBusName).toBe(BUS);
      expect(entry.Time.toISOString()).toBe(record.recordedAt);
      const detail = parse<JobStatusChangedDetail>(entry.Detail);
      expect(schemaErrors(entry.DetailType, detail)).toBe('');
      expect(detail.transitionId).toBe(record.recordId);
      expect(detail.jobKey).toBe(formatJobKey(record.key));
      expect(detail.schemaVersion).toBe(SCHEMA_VERSION);
      expect(entrySize(entry)).toBeLessThan(2_000);
    }
  });

  it('carry previous and new statuses, raw values, the terminal flag and the summaries', () => {
    const [healthlake, , healthomics, entityResolution, panorama] = transitionsOfEveryService().map(
      (record) => parse<JobStatusChangedDetail>(toEventEntry(record, BUS).Detail),
    );

    expect(healthlake).toMatchObject({
      service: 'healthlake',
      scope: KEYS.healthlake.scope,
      jobId: KEYS.healthlake.jobId,
      jobName: 'healthlake-nightly-import',
      previousStatus: 'RUNNING',
      previousRawStatus: 'IN_PROGRESS',
      status: 'SUCCEEDED_WITH_ERRORS',
      rawStatus: 'COMPLETED_WITH_ERRORS',
      terminal: true,
      version: 3,
      submittedAt: at(0),
      startedAt: at(1),
      endedAt: at(9),
      progress: { TotalNumberOfScannedFiles: 12, TotalNumberOfResourcesWithCustomerError: 2 },
    });
    expect(healthomics?.sources).toEqual({ total: 3, byStatus: { SUCCEEDED: 2, FAILED: 1 } });
    expect(entityResolution?.metrics).toMatchObject({ totalMappedRecords: 950 });
    // First sighting: no previous status, not terminal.
    expect(panorama).not.toHaveProperty('previousStatus');
    expect(panorama).not.toHaveProperty('previousRawStatus');
    expect(panorama).toMatchObject({ status: 'QUEUED', rawStatus: 'PENDING', terminal: false });
  });

  it('never carry locations, source names or per-source messages: no payloads', () => {
    const record = transition(KEYS.healthomics, pair('RUNNING', 'IN_PROGRESS'), pair('FAILED', 'FAILED'), 4, {
      inputLocation: 's3://bucket/patient-123/genome.fa',
      outputLocation: 's3://bucket/out/',
      sources: [
        {
          name: 'patient-123',
          location: 's3://bucket/x',
          rawStatus: 'FAILED',
          status: 'FAILED',
          message: 'm',
        },
      ],
    });

    const detail = toEventEntry(record, BUS).Detail;

    expect(detail).not.toContain('s3://');
    expect(detail).not.toContain('patient-123');
  });
});

describe('the message', () => {
  it('loses the job data it names, as a failure reason does', () => {
    const record = transition(KEYS.healthlake, pair('RUNNING', 'IN_PROGRESS'), pair('FAILED', 'FAILED'), 3, {
      message: 'Could not read s3://bucket/patient-123/bundle.ndjson: field "ssn" is invalid',
    });

    const detail = parse<JobStatusChangedDetail>(toEventEntry(record, BUS).Detail);

    expect(detail.message).toBe('Could not read <redacted> field <redacted> is invalid');
    expect(detail).not.toHaveProperty('truncated');
  });

  it('is left out when it is only whitespace', () => {
    const record = transition(KEYS.healthlake, pair('RUNNING', 'IN_PROGRESS'), pair('FAILED', 'FAILED'), 3, {
      message: ' \n\t ',
    });

    const detail = parse<JobStatusChangedDetail>(toEventEntry(record, BUS).Detail);

    expect(detail).not.toHaveProperty('message');
  });

  it('is counted in characters, not UTF-16 units: 2048 emoji are passed whole', () => {
    const message = '😀'.repeat(MAX_MESSAGE_CHARS);
    const record = transition(KEYS.healthlake, pair('RUNNING', 'IN_PROGRESS'), pair('FAILED', 'FAILED'), 3, {
      message,
    });

    const detail = parse<JobStatusChangedDetail>(toEventEntry(record, BUS).Detail);

    expect(detail.message).toBe(message);
    expect(detail).not.toHaveProperty('truncated');
    expect(schemaErrors(DetailType.STATUS_CHANGED, detail)).toBe('');
  });

  it('is never cut inside a surrogate pair when only its head is read', () => {
    const record = transition(KEYS.healthlake, pair('RUNNING', 'IN_PROGRESS'), pair('FAILED', 'FAILED'), 3, {
      message: `a${'😀'.repeat(10_000)}`,
    });

    const detail = parse<JobStatusChangedDetail>(toEventEntry(record, BUS).Detail);

    expect(detail.message).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(detail.truncated).toEqual(['message']);
  });
});

describe('Job Stalled events', () => {
  it('are built from stall records and pass their schema', () => {
    const record = stall(KEYS.healthlake, 5);

    const entry = toEventEntry(record, BUS);
    const detail = parse<JobStalledDetail>(entry.Detail);

    expect(entry.DetailType).toBe('Job Stalled');
    expect(entry.Source).toBe(EVENT_SOURCE);
    expect(schemaErrors(entry.DetailType, detail)).toBe('');
    expect(detail).toMatchObject({
      stallId: record.recordId,
      status: 'RUNNING',
      rawStatus: 'IN_PROGRESS',
      lastChangeAt: at(30),
      stalledForSeconds: 5400,
      progress: { scannedFiles: 10, importedFiles: 4 },
    });
    expect(detail).not.toHaveProperty('transitionId');
  });

  it('do not validate as status changes, and vice versa', () => {
    const stalled = parse(toEventEntry(stall(KEYS.panorama, 2), BUS).Detail);
    const changed = parse(
      toEventEntry(transitionsOfEveryService()[0] ?? stall(KEYS.panorama, 1), BUS).Detail,
    );

    expect(schemaErrors(DetailType.STATUS_CHANGED, stalled)).not.toBe('');
    expect(schemaErrors(DetailType.STALLED, changed)).not.toBe('');
  });
});

describe('the schemas', () => {
  const valid = parse<Record<string, unknown>>(
    toEventEntry(transitionsOfEveryService()[0] ?? stall(KEYS.panorama, 1), BUS).Detail,
  );

  it.each([
    ['an undocumented field', { ...valid, payload: { patient: 'x' } }],
    ['a wrong terminal flag', { ...valid, terminal: false }],
    ['an unknown status', { ...valid, status: 'DONE' }],
    ['a previous status without its raw value', { ...valid, previousRawStatus: undefined }],
    ['no transition id', { ...valid, transitionId: undefined }],
    ['a time that is not a date-time', { ...valid, recordedAt: 'yesterday' }],
    ['a message over the limit', { ...valid, message: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }],
    ['a major version this schema does not describe', { ...valid, schemaVersion: '2.0' }],
  ])('reject %s', (_what, detail) => {
    expect(schemaErrors(DetailType.STATUS_CHANGED, JSON.parse(JSON.stringify(detail)))).not.toBe('');
  });

  it('accept a later minor version', () => {
    expect(schemaErrors(DetailType.STATUS_CHANGED, { ...valid, schemaVersion: '1.3' })).toBe('');
  });
});

describe('resources', () => {
  it("hold the scope's ARN for the four services that have one, and nothing for Panorama", () => {
    expect(scopeArn(KEYS.healthlake)).toBe(
      `arn:aws:healthlake:us-east-1:123456789012:datastore/fhir/${KEYS.healthlake.scope}`,
    );
    expect(scopeArn(KEYS.healthimaging)).toBe(
      `arn:aws:medical-imaging:us-east-1:123456789012:datastore/${KEYS.healthimaging.scope}`,
    );
    expect(scopeArn(KEYS.healthomics)).toBe('arn:aws:omics:us-east-1:123456789012:referenceStore/1234567890');
    expect(scopeArn(KEYS.entityresolution)).toBe(
      'arn:aws:entityresolution:us-east-1:123456789012:idmappingworkflow/customer-id-mapping',
    );
    expect(scopeArn(KEYS.panorama)).toBeUndefined();
    expect(
      toEventEntry(transition(KEYS.panorama, undefined, pair('QUEUED', 'PENDING'), 1), BUS).Resources,
    ).toEqual([]);
  });

  it('are left out when region or account is unknown, and follow the partition', () => {
    const { region: _region, ...noRegion } = KEYS.healthlake;
    expect(scopeArn(noRegion)).toBeUndefined();
    expect(scopeArn({ ...KEYS.healthomics, region: 'cn-north-1' }, 'aws-cn')).toMatch(
      /^arn:aws-cn:omics:cn-north-1:/,
    );
    expect(scopeArn({ ...KEYS.healthlake, region: 'us-gov-west-1' }, 'aws-us-gov')).toMatch(
      /^arn:aws-us-gov:healthlake:/,
    );
    expect(scopeArn({ ...KEYS.healthimaging, region: 'eu-isoe-west-1' }, 'aws-iso-e')).toBe(
      `arn:aws-iso-e:medical-imaging:eu-isoe-west-1:123456789012:datastore/${KEYS.healthimaging.scope}`,
    );
    const entry = toEventEntry(
      transition(KEYS.healthlake, undefined, pair('QUEUED', 'SUBMITTED'), 1),
      BUS,
      'aws-cn',
    );
    expect(entry.Resources).toEqual([
      `arn:aws-cn:healthlake:us-east-1:123456789012:datastore/fhir/${KEYS.healthlake.scope}`,
    ]);
  });

  it("take the partition from the function's ARN, every partition alike, and aws where there is none", () => {
    const functionArn = (partition: string, region: string) =>
      `arn:${partition}:lambda:${region}:123456789012:function:job-status-publisher`;
    expect(partitionOfArn(functionArn('aws', 'us-east-1'))).toBe('aws');
    expect(partitionOfArn(functionArn('aws-cn', 'cn-northwest-1'))).toBe('aws-cn');
    expect(partitionOfArn(functionArn('aws-us-gov', 'us-gov-east-1'))).toBe('aws-us-gov');
    expect(partitionOfArn(functionArn('aws-iso-b', 'us-isob-east-1'))).toBe('aws-iso-b');
    expect(partitionOfArn(functionArn('aws-iso-e', 'eu-isoe-west-1'))).toBe('aws-iso-e');
    expect(partitionOfArn(functionArn('aws-iso-f', 'us-isof-south-1'))).toBe('aws-iso-f');
    expect(partitionOfArn(functionArn('aws-eusc', 'eusc-de-east-1'))).toBe('aws-eusc');
    expect(partitionOfArn(undefined)).toBe('aws');
    expect(partitionOfArn('')).toBe('aws');
    expect(partitionOfArn('not-an-arn')).toBe('aws');
  });

  it('keep an Entity Resolution workflow given as an ARN', () => {
    const arn = 'arn:aws:entityresolution:eu-west-1:123456789012:idmappingworkflow/other';
    expect(scopeArn({ ...KEYS.entityresolution, scope: arn })).toBe(arn);
  });
});

describe('records that are not events', () => {
  it('progress records are not publishable; transitions and stalls are', () => {
    expect(isPublishable(progress(KEYS.healthlake, 2))).toBe(false);
    expect(isPublishable(stall(KEYS.healthlake, 2))).toBe(true);
    expect(isPublishable(transitionsOfEveryService()[0] ?? stall(KEYS.healthlake, 1))).toBe(true);
  });
});

describe('size', () => {
  it('is measured the way EventBridge measures an entry', () => {
    const entry = {
      Source: 'ab',
      DetailType: 'cd',
      Detail: '{"é":1}',
      Resources: ['x', 'yz'],
      Time: new Date(),
    };
    // 14 (Time) + 2 + 2 + 8 (é is two bytes) + 1 + 2
    expect(entrySize(entry)).toBe(29);
    expect(entrySize({ ...entry, Time: undefined })).toBe(15);
  });

  it('cuts text on character boundaries, ellipsis included', () => {
    expect(truncateUtf8('hello', 10)).toBe('hello');
    const cut = truncateUtf8('😀😀😀😀', 10);
    expect(cut).toBe('😀…');
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(10);
  });

  it('caps a long message even in a small event, and says so', () => {
    const record = transition(KEYS.healthlake, pair('RUNNING', 'IN_PROGRESS'), pair('FAILED', 'FAILED'), 3, {
      message: '💥'.repeat(10_000),
    });

    const detail = parse<JobStatusChangedDetail>(toEventEntry(record, BUS).Detail);

    expect(Array.from(detail.message ?? '')).toHaveLength(MAX_MESSAGE_CHARS);
    expect(detail.truncated).toEqual(['message']);
    expect(schemaErrors(DetailType.STATUS_CHANGED, detail)).toBe('');
  });

  it('shrinks an oversized event (metrics and progress cut) instead of dropping it, and it stays valid', () => {
    // Prepare: 50 counters with 6 KB names in each map: about 600 KB of detail.
    const huge = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}`.padStart(6_000, 'm'), i]));
    const record = transition(
      KEYS.entityresolution,
      pair('RUNNING', 'RUNNING'),
      pair('SUCCEEDED', 'SUCCEEDED'),
      3,
      {
        message: 'done '.repeat(400),
        metrics: huge,
        progress: huge,
      },
    );

    // Act
    const entry = toEventEntry(record, BUS);

    // Assess
    const detail = parse<JobStatusChangedDetail>(entry.Detail);
    expect(entrySize(entry)).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    expect(entrySize(entry)).toBeGreaterThan(MAX_ENTRY_BYTES - 7_000);
    expect(schemaErrors(entry.DetailType, detail)).toBe('');
    expect(detail.truncated).toEqual(expect.arrayContaining(['message', 'metrics']));
    expect(detail.transitionId).toBe(record.recordId);
    expect(detail.status).toBe('SUCCEEDED');
  });

  it('shrinks the message first, keeping its head', () => {
    const detail: ShrinkableDetail & { id: string } = {
      id: 'x',
      message: `HEAD ${'y'.repeat(5_000)}`,
      metrics: { a: 1 },
    };
    const envelope = { source: 's', detailType: 'd', resources: [], hasTime: true };

    const shrunk = shrinkDetail(detail, envelope, 2_000);

    expect(Buffer.byteLength(JSON.stringify(shrunk)) + 16).toBeLessThanOrEqual(2_000);
    expect(shrunk.message?.startsWith('HEAD y')).toBe(true);
    expect(shrunk.message?.endsWith('…')).toBe(true);
    expect(shrunk.metrics).toEqual({ a: 1 });
    expect(shrunk.truncated).toEqual(['message']);
  });

  it('cuts the larger counter map, keeping the small one and the leading counters', () => {
    const progress = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`counter${i}`.padEnd(100, '_'), i]),
    );
    const detail: ShrinkableDetail & { id: string } = { id: 'x', metrics: { mapped: 950 }, progress };
    const envelope = { source: 's', detailType: 'd', resources: ['arn:x'], hasTime: true };

    const shrunk = shrinkDetail(detail, envelope, 2_000);

    expect(Buffer.byteLength(JSON.stringify(shrunk)) + 14 + 1 + 1 + 5).toBeLessThanOrEqual(2_000);
    expect(shrunk.metrics).toEqual({ mapped: 950 });
    const kept = Object.keys(shrunk.progress ?? {});
    expect(kept.length).toBeGreaterThan(5);
    expect(kept).toEqual(Object.keys(progress).slice(0, kept.length));
    expect(shrunk.truncated).toEqual(['progress']);
  });

  it('returns a detail that fits unchanged', () => {
    const detail = { id: 'x', message: 'short' };
    expect(shrinkDetail(detail, { source: 's', detailType: 'd', resources: [], hasTime: false })).toBe(
      detail,
    );
  });

  it('is deterministic: the same record always gives the same entry', () => {
    const record = stall(jobKey('healthimaging'), 7);
    expect(toEventEntry(record, BUS)).toEqual(toEventEntry(record, BUS));
  });
});
