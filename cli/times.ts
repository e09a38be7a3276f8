import { ParameterError } from './errors.js';

/**
 * Time bounds as the table stores times: ISO strings with milliseconds (`…T00:00:00.250Z`). A bound names
 * a span at the precision it is written in, and a window covers every stored time inside it: `--until
 * 2025-03-03T00:00:00Z` takes in the records of that whole second, `--until 2025-03-08` that whole day.
 * Times without an offset are UTC, as every time the command prints.
 */

const RELATIVE = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
/** Date, then optional hours:minutes, seconds, fraction, offset. */
const ISO =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DAY_MS = 86_400_000;

/** The first and the last millisecond a time flag names. */
export interface TimeSpan {
  readonly start: Date;
  readonly end: Date;
}

/** An ISO time, or a duration back from now: `30m`, `24h`, `7d`, `2w` (an instant, to the millisecond). */
export function parseTimeSpan(value: string, now: Date, flag: string): TimeSpan {
  const text = value.trim();
  const relative = RELATIVE.exec(text);
  if (relative) {
    const seconds = Number(relative[1]) * (UNIT_SECONDS[(relative[2] ?? 's').toLowerCase()] ?? 1);
    const instant = new Date(now.getTime() - seconds * 1000);
    return { start: instant, end: instant };
  }
  const iso = ISO.exec(text);
  if (!iso)
    throw new ParameterError(`${flag} must be an ISO time or a duration like 7d, 24h, 30m: "${value}"`);
  const [, date, minutes, seconds, fraction, offset] = iso;
  const start = Date.parse(
    `${date}T${minutes ?? '00:00'}:${seconds ?? '00'}${fraction ? `.${fraction}` : ''}${isoOffset(offset)}`,
  );
  if (Number.isNaN(start)) throw new ParameterError(`${flag} is not a valid time: "${value}"`);
  const spanMs = minutes === undefined ? DAY_MS : seconds === undefined ? 60_000 : fractionSpanMs(fraction);
  return { start: new Date(start), end: new Date(start + Math.max(spanMs, 1) - 1) };
}

/** The start of a window: the first millisecond the flag names. */
export function parseSince(value: string, now: Date): Date {
  return parseTimeSpan(value, now, '--since').start;
}

/** The (inclusive) end of a window: the last millisecond the flag names. */
export function parseUntil(value: string, now: Date): Date {
  return parseTimeSpan(value, now, '--until').end;
}

function fractionSpanMs(fraction: string | undefined): number {
  return 1000 / 10 ** (fraction?.length ?? 0);
}

function isoOffset(offset: string | undefined): string {
  if (offset === undefined || offset.toUpperCase() === 'Z') return 'Z';
  const digits = offset.replace(':', '');
  return `${digits.slice(0, 3)}:${digits.slice(3) || '00'}`;
}
