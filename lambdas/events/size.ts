import type { Counters } from '../core/snapshot.js';

/** EventBridge's limit for one PutEvents entry, measured as `entrySize` does. */
export const MAX_ENTRY_BYTES = 256 * 1024;
/** The total entry size of one PutEvents call must stay under the same limit. */
export const MAX_REQUEST_BYTES = 256 * 1024;
export const MAX_ENTRIES_PER_CALL = 10;

/** Fields the contract may shorten to keep an event small; listed in the detail's `truncated`. */
export type TruncatedField = 'message' | 'progress' | 'metrics' | 'sources';

/** A message cut for size keeps at least this much of its head. */
const MIN_MESSAGE_BYTES = 256;
const ELLIPSIS = '…';
/** Room for the `"truncated":[...]` list that shrinking adds. */
const TRUNCATED_LIST_BYTES = 64;

interface SizedEntry {
  readonly Time?: Date | undefined;
  readonly Source?: string | undefined;
  readonly DetailType?: string | undefined;
  readonly Detail?: string | undefined;
  readonly Resources?: readonly string[] | undefined;
}

/**
 * The size EventBridge charges an entry against the limit: 14 bytes for `Time` when set, plus the UTF-8
 * bytes of `Source`, `DetailType`, `Detail` and each of `Resources`.
 */
export function entrySize(entry: SizedEntry): number {
  let size = entry.Time ? 14 : 0;
  size += utf8Bytes(entry.Source ?? '') + utf8Bytes(entry.DetailType ?? '') + utf8Bytes(entry.Detail ?? '');
  for (const resource of entry.Resources ?? []) size += utf8Bytes(resource);
  return size;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** What the entry holds beside its detail. */
export interface EnvelopeParts {
  readonly source: string;
  readonly detailType: string;
  readonly resources: readonly string[];
  readonly hasTime: boolean;
}

/** The detail fields shrinking may cut; everything else (ids, statuses, times) is small and kept. */
export interface ShrinkableDetail {
  readonly message?: string;
  readonly progress?: Counters;
  readonly metrics?: Counters;
  readonly sources?: unknown;
  readonly truncated?: readonly TruncatedField[];
}

/**
 * Makes a detail fit the entry limit instead of dropping the event: the message is cut to what fits (its
 * head kept), then the larger of metrics and progress loses its last counters (then the other), then the
 * sources summary and finally the message go. Each cut field is named in `truncated`. A detail that fits is returned unchanged. The result
 * can still be too large only if the fields that are never cut are (they are bounded ids and times); the
 * publisher dead-letters such an entry rather than sending it.
 */
export function shrinkDetail<D extends ShrinkableDetail>(
  detail: D,
  envelope: EnvelopeParts,
  limit = MAX_ENTRY_BYTES,
): D {
  const budget =
    limit -
    (envelope.hasTime ? 14 : 0) -
    utf8Bytes(envelope.source) -
    utf8Bytes(envelope.detailType) -
    envelope.resources.reduce((sum, resource) => sum + utf8Bytes(resource), 0);
  const size = (candidate: D) => utf8Bytes(JSON.stringify(candidate));
  const fits = (candidate: D) => size(candidate) <= budget;
  if (fits(detail)) return detail;

  let current = detail;
  if (current.message !== undefined) {
    const overflow = size(current) - budget + TRUNCATED_LIST_BYTES;
    const keep = Math.max(MIN_MESSAGE_BYTES, utf8Bytes(current.message) - overflow - utf8Bytes(ELLIPSIS));
    if (keep < utf8Bytes(current.message)) {
      current = replace(current, 'message', truncateUtf8(current.message, keep));
    }
    if (fits(current)) return current;
  }
  // The larger map first: a small one is not cut for the sake of a large one.
  const counterFields = (['metrics', 'progress'] as const)
    .filter((field) => current[field] !== undefined)
    .sort((a, b) => utf8Bytes(JSON.stringify(current[b])) - utf8Bytes(JSON.stringify(current[a])));
  for (const field of counterFields) {
    current = cutCounters(current, field, fits);
    if (fits(current)) return current;
  }
  for (const field of ['sources', 'message'] as const) {
    if (current[field] === undefined) continue;
    current = replace(current, field, undefined);
    if (fits(current)) return current;
  }
  return current;
}

/** Keeps as many leading counters as fit (found by bisection); removes the map when none do. */
function cutCounters<D extends ShrinkableDetail>(
  detail: D,
  field: 'metrics' | 'progress',
  fits: (candidate: D) => boolean,
): D {
  const counters = detail[field];
  if (!counters) return detail;
  const entries = Object.entries(counters);
  const withFirst = (count: number) =>
    replace(detail, field, count > 0 ? Object.fromEntries(entries.slice(0, count)) : undefined);
  let low = 0;
  let high = entries.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(withFirst(middle))) low = middle;
    else high = middle - 1;
  }
  return withFirst(low);
}

function replace<D extends ShrinkableDetail>(
  detail: D,
  field: TruncatedField,
  value: string | Counters | undefined,
): D {
  // Rebuilt key by key so the field keeps its place; `truncated` stays last.
  const next: Record<string, unknown> = {};
  for (const [key, current] of Object.entries(detail)) {
    if (key === 'truncated') continue;
    if (key !== field) next[key] = current;
    else if (value !== undefined) next[key] = value;
  }
  next.truncated = detail.truncated?.includes(field)
    ? detail.truncated
    : [...(detail.truncated ?? []), field];
  return next as D;
}

/** The longest head of `text` that is at most `maxBytes` of UTF-8 with `…` appended; never splits a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const budget = maxBytes - utf8Bytes(ELLIPSIS);
  if (budget <= 0) return ELLIPSIS;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = budget;
  // Step back over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return `${bytes.subarray(0, end).toString('utf8')}${ELLIPSIS}`;
}
