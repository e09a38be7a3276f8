import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchesPattern, PatternError, parsePattern } from '../../local/eventbridge-standin/pattern.js';
import { DOCUMENTED_SUBSCRIPTIONS } from '../../local/runner/subscriptions.js';

/** The patterns exactly as docs/events.md shows them (the same extraction as test/events/patterns.test.ts). */
function documentedPatterns(): Map<string, unknown> {
  const doc = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
  const patterns = new Map<string, unknown>();
  for (const match of doc.matchAll(/<!-- pattern: ([a-z-]+) -->\n[^\n]*\n\n```json\n([\s\S]*?)```/g)) {
    const [, name, json] = match;
    if (name && json) patterns.set(name, JSON.parse(json));
  }
  return patterns;
}

const JOB_KEY =
  'healthlake/us-east-1/123456789012/a1b2c3d4e5f60718293a4b5c6d7e8f90/c0ffee1234567890c0ffee1234567890';

function event(detailType: string, detail: Record<string, unknown>) {
  return {
    version: '0',
    id: 'e1',
    'detail-type': detailType,
    source: 'job-status-aggregator',
    account: '123456789012',
    time: '2025-03-01T10:13:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:healthlake:us-east-1:123456789012:datastore/fhir/a1b2c3d4e5f60718293a4b5c6d7e8f90'],
    detail,
  };
}

const changed = (detail: Record<string, unknown>) => event('Job Status Changed', detail);

describe('EventBridge pattern matching in the stand-in', () => {
  it('starts local mode with exactly the patterns docs/events.md documents', () => {
    // Act / Assess
    expect(Object.fromEntries(documentedPatterns())).toEqual(DOCUMENTED_SUBSCRIPTIONS);
  });

  it('routes the documented patterns the way the moto test expects', () => {
    // Prepare: one event of each kind the documented patterns tell apart.
    const events = {
      firstSighting: changed({ jobKey: JOB_KEY, service: 'healthlake', status: 'QUEUED', terminal: false }),
      failed: changed({ jobKey: JOB_KEY, service: 'healthlake', status: 'FAILED', terminal: true }),
      stalled: event('Job Stalled', { jobKey: JOB_KEY, service: 'healthlake', status: 'RUNNING' }),
      lakePartial: changed({
        jobKey: 'x',
        service: 'healthlake',
        status: 'SUCCEEDED_WITH_ERRORS',
        terminal: true,
      }),
      omicsPartial: changed({
        jobKey: 'y',
        service: 'healthomics',
        scope: '1234567890',
        jobId: '9876543210',
        status: 'SUCCEEDED_WITH_ERRORS',
        terminal: true,
      }),
      mappingRunning: changed({
        jobKey: 'z',
        service: 'entityresolution',
        status: 'RUNNING',
        terminal: false,
      }),
    };
    const expected: Record<string, (keyof typeof events)[]> = {
      'any-failure': ['failed'],
      'partial-success-one-service': ['lakePartial'],
      'any-terminal': ['failed', 'lakePartial', 'omicsPartial'],
      'one-job': ['firstSighting', 'failed', 'stalled'],
      'one-job-by-fields': ['omicsPartial'],
      stalls: ['stalled'],
    };

    for (const [name, pattern] of Object.entries(DOCUMENTED_SUBSCRIPTIONS)) {
      // Act
      const matched = Object.entries(events)
        .filter(([, candidate]) => matchesPattern(parsePattern(pattern), candidate))
        .map(([label]) => label);

      // Assess
      expect(matched, name).toEqual(expected[name]);
    }
  });

  it.each([
    ['exact string', { detail: { s: ['a', 'b'] } }, { s: 'b' }, true],
    ['exact string, other value', { detail: { s: ['a'] } }, { s: 'c' }, false],
    ['number compares by value', { detail: { n: [5] } }, { n: 5 }, true],
    ['a string is not a number', { detail: { n: [5] } }, { n: '5' }, false],
    ['boolean', { detail: { b: [false] } }, { b: false }, true],
    ['null matches null', { detail: { v: [null] } }, { v: null }, true],
    ['null does not match a missing field', { detail: { v: [null] } }, {}, false],
    ['any element of an array', { detail: { tags: ['x'] } }, { tags: ['w', 'x'] }, true],
    ['prefix', { detail: { v: [{ prefix: '1.' }] } }, { v: '1.0' }, true],
    ['prefix, no match', { detail: { v: [{ prefix: '2.' }] } }, { v: '1.0' }, false],
    [
      'prefix ignoring case',
      { detail: { v: [{ prefix: { 'equals-ignore-case': 'HEALTH' } }] } },
      { v: 'healthlake' },
      true,
    ],
    ['suffix', { detail: { v: [{ suffix: '.json' }] } }, { v: 'a.json' }, true],
    ['equals-ignore-case', { detail: { v: [{ 'equals-ignore-case': 'failed' }] } }, { v: 'FAILED' }, true],
    [
      'wildcard',
      { detail: { v: [{ wildcard: 'healthlake/*/c0ffee*' }] } },
      { v: 'healthlake/us/c0ffee1' },
      true,
    ],
    ['wildcard, no match', { detail: { v: [{ wildcard: 'omics/*' }] } }, { v: 'healthlake/x' }, false],
    ['anything-but a value', { detail: { v: [{ 'anything-but': 'FAILED' }] } }, { v: 'SUCCEEDED' }, true],
    [
      'anything-but the value itself',
      { detail: { v: [{ 'anything-but': 'FAILED' }] } },
      { v: 'FAILED' },
      false,
    ],
    ['anything-but a list', { detail: { v: [{ 'anything-but': ['A', 'B'] }] } }, { v: 'B' }, false],
    [
      'anything-but a prefix',
      { detail: { v: [{ 'anything-but': { prefix: 'aws.' } }] } },
      { v: 'custom' },
      true,
    ],
    [
      'anything-but a prefix, matching it',
      { detail: { v: [{ 'anything-but': { prefix: 'aws.' } }] } },
      { v: 'aws.x' },
      false,
    ],
    ['anything-but never matches a missing field', { detail: { v: [{ 'anything-but': 'x' }] } }, {}, false],
    ['exists true', { detail: { v: [{ exists: true }] } }, { v: 'x' }, true],
    ['exists true, missing', { detail: { v: [{ exists: true }] } }, {}, false],
    ['exists false, missing', { detail: { v: [{ exists: false }] } }, {}, true],
    ['exists false, present', { detail: { v: [{ exists: false }] } }, { v: 0 }, false],
    ['exists looks at leaves only', { detail: { v: [{ exists: true }] } }, { v: { nested: 1 } }, false],
    ['numeric range', { detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } }, { n: 5 }, true],
    ['numeric range, outside', { detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } }, { n: 6 }, false],
    ['numeric equals', { detail: { n: [{ numeric: ['=', 3] }] } }, { n: 3 }, true],
    ['numeric on a string', { detail: { n: [{ numeric: ['>', 0] }] } }, { n: '3' }, false],
    ['nested objects', { detail: { job: { status: ['FAILED'] } } }, { job: { status: 'FAILED' } }, true],
    ['all fields must match', { detail: { a: ['1'], b: ['2'] } }, { a: '1', b: '3' }, false],
    ['$or: either branch', { detail: { $or: [{ a: ['1'] }, { b: ['2'] }] } }, { b: '2' }, true],
    ['$or: neither branch', { detail: { $or: [{ a: ['1'] }, { b: ['2'] }] } }, { c: '3' }, false],
  ])('%s', (_name, pattern, detail, expected) => {
    // Act / Assess
    expect(matchesPattern(parsePattern(pattern), { source: 'x', detail })).toBe(expected);
  });

  it('matches envelope fields as well as the detail', () => {
    const pattern = parsePattern(
      '{"source":["job-status-aggregator"],"resources":[{"prefix":"arn:aws:healthlake:"}]}',
    );
    expect(matchesPattern(pattern, changed({}))).toBe(true);
    expect(matchesPattern(pattern, { ...changed({}), resources: [] })).toBe(false);
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '["a"]'],
    ['a scalar where a list belongs', '{"source": "x"}'],
    ['an empty list', '{"source": []}'],
    ['an unknown operator', '{"source": [{"regex": "x"}]}'],
    ['a numeric condition without a number', '{"n": [{"numeric": [">", "1"]}]}'],
    ['a numeric condition with a bad operator', '{"n": [{"numeric": ["!=", 1]}]}'],
    ['two operators in one condition', '{"n": [{"prefix": "a", "suffix": "b"}]}'],
    ['$or with one branch', '{"$or": [{"a": ["1"]}]}'],
  ])('rejects a pattern with %s', (_name, pattern) => {
    expect(() => parsePattern(pattern)).toThrow(PatternError);
  });
});
