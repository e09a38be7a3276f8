import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type DeadLetter, entryFromDeadLetter } from '../../lambdas/events/publisher.js';

/**
 * What a message of the dead-letter queue is. The queue holds the publisher's dead letters (docs/events.md)
 * and, as the stream mapping's on-failure destination, Lambda's records of stream batches it gave up on.
 */
export type Classified =
  | {
      readonly kind: 'dead-letter';
      readonly recordId: string;
      readonly jobKey: string;
      readonly detailType: string;
      readonly errorCode: string;
      /** The entry as it was sent, to the bus `--bus` names when given. */
      readonly entry: PutEventsRequestEntry;
    }
  | { readonly kind: 'stream-batch'; readonly reason: string; readonly replay?: string }
  | { readonly kind: 'unreadable'; readonly reason: string };

const LETTER_KIND: DeadLetter['kind'] = 'job-status-aggregator.dead-letter';

export function classifyMessage(body: string | undefined, bus?: string): Classified {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return { kind: 'unreadable', reason: 'the body is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null)
    return { kind: 'unreadable', reason: 'not a JSON object' };
  const message = parsed as Record<string, unknown>;
  if ('DDBStreamBatchInfo' in message) return streamBatch(message.DDBStreamBatchInfo);
  if (message.kind !== LETTER_KIND) return { kind: 'unreadable', reason: `kind is not "${LETTER_KIND}"` };
  const problem = letterProblem(message);
  if (problem) return { kind: 'unreadable', reason: problem };
  const letter = message as unknown as DeadLetter;
  const entry = entryFromDeadLetter(letter);
  return {
    kind: 'dead-letter',
    recordId: letter.recordId,
    jobKey: letter.jobKey,
    detailType: letter.detailType,
    errorCode: letter.errorCode,
    entry: { ...entry, ...(bus !== undefined && { EventBusName: bus }) },
  };
}

/** What makes a letter unusable, or undefined for one this release can send again. */
function letterProblem(message: Record<string, unknown>): string | undefined {
  if (message.letterVersion !== 1) return `letterVersion ${String(message.letterVersion)} is not 1`;
  for (const field of ['recordId', 'jobKey', 'detailType', 'errorCode'] as const) {
    if (typeof message[field] !== 'string') return `no ${field}`;
  }
  const entry = message.entry as Record<string, unknown> | undefined;
  if (typeof entry !== 'object' || entry === null) return 'no entry';
  for (const field of ['Source', 'DetailType', 'Detail', 'Time', 'EventBusName'] as const) {
    if (typeof entry[field] !== 'string') return `entry without ${field}`;
  }
  if (!Array.isArray(entry.Resources)) return 'entry without Resources';
  if (Number.isNaN(Date.parse(entry.Time as string))) return 'entry.Time is not a time';
  return undefined;
}

/**
 * Lambda's record of a stream batch: the records are not in it, only their shard and times. Their history
 * items are in the table, so `replay` over the batch's arrival window sends them (with their original ids).
 */
function streamBatch(info: unknown): Classified {
  const { approximateArrivalOfFirstRecord: first, approximateArrivalOfLastRecord: last } = (info ?? {}) as {
    approximateArrivalOfFirstRecord?: unknown;
    approximateArrivalOfLastRecord?: unknown;
  };
  const reason = 'a stream batch the publisher gave up on; its history items are in the table';
  const since = typeof first === 'string' ? Date.parse(first) - MARGIN_MS : Number.NaN;
  const until = typeof last === 'string' ? Date.parse(last) + MARGIN_MS : Number.NaN;
  if (Number.isNaN(since) || Number.isNaN(until)) return { kind: 'stream-batch', reason };
  const window = `--since ${new Date(since).toISOString()} --until ${new Date(until).toISOString()}`;
  return { kind: 'stream-batch', reason, replay: `job-status replay ${window}` };
}

/**
 * A record is written a moment before the stream has it, and the arrival times are to the second: a
 * minute either side covers the batch (what else the window holds is sent again under the same ids).
 */
const MARGIN_MS = 60_000;
