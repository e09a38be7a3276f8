import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../cli/errors.js';
import { parseSince, parseTimeSpan, parseUntil } from '../../cli/times.js';

const NOW = new Date('2025-03-10T12:00:00.000Z');
const iso = (date: Date) => date.toISOString();

describe('time bounds at the precision they are written in', () => {
  it('covers the whole second, minute or day an ISO time names', () => {
    expect(iso(parseUntil('2025-03-03T00:00:00Z', NOW))).toBe('2025-03-03T00:00:00.999Z');
    expect(iso(parseUntil('2025-03-03T00:00Z', NOW))).toBe('2025-03-03T00:00:59.999Z');
    expect(iso(parseUntil('2025-03-03', NOW))).toBe('2025-03-03T23:59:59.999Z');
    expect(iso(parseUntil('2025-03-03T00:00:00.5Z', NOW))).toBe('2025-03-03T00:00:00.599Z');
    expect(iso(parseUntil('2025-03-03T00:00:00.250Z', NOW))).toBe('2025-03-03T00:00:00.250Z');
    expect(iso(parseSince('2025-03-03T00:00:00Z', NOW))).toBe('2025-03-03T00:00:00.000Z');
  });

  it('reads times without an offset as UTC, and honours an offset', () => {
    expect(iso(parseSince('2025-03-03T01:30:00', NOW))).toBe('2025-03-03T01:30:00.000Z');
    expect(iso(parseSince('2025-03-03T01:30:00+01:00', NOW))).toBe('2025-03-03T00:30:00.000Z');
    expect(iso(parseSince('2025-03-03T01:30:00-0230', NOW))).toBe('2025-03-03T04:00:00.000Z');
  });

  it('takes durations back from now as instants', () => {
    expect(parseTimeSpan('7d', NOW, '--since')).toEqual({
      start: new Date('2025-03-03T12:00:00.000Z'),
      end: new Date('2025-03-03T12:00:00.000Z'),
    });
    expect(iso(parseUntil('30m', NOW))).toBe('2025-03-10T11:30:00.000Z');
  });

  it('refuses what is not a time', () => {
    expect(() => parseSince('yesterday', NOW)).toThrow(ParameterError);
    expect(() => parseUntil('2025-13-45', NOW)).toThrow(/--until/);
  });
});
