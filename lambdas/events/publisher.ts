import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { classifySdkError } from '../aws/classify-error.js';
import { ServiceErrorKind } from '../core/errors.js';
import type { HistoryRecord } from '../core/history.js';
import { formatJobKey } from '../core/job-key.js';
import { type Log, silentLog } from '../core/ports.js';
import { type EventEntry, isPublishable, type PublishableRecord, toEventEntry } from './contract.js';
import { entrySize, MAX_ENTRIES_PER_CALL, MAX_ENTRY_BYTES, MAX_REQUEST_BYTES, utf8Bytes } from './size.js';

/** Entry error codes EventBridge documents as retryable; every other code fails the same way again. */
export const RETRYABLE_ENTRY_CODES: ReadonlySet<string> = new Set(['InternalFailure', 'ThrottlingException']);
/** Call-level failures (after the SDK's own retries) worth another attempt: the events may yet go through. */
const RETRYABLE_CALL_KINDS: ReadonlySet<ServiceErrorKind> = new Set([
  ServiceErrorKind.THROTTLED,
  ServiceErrorKind.SERVER,
  ServiceErrorKind.TIMEOUT,
  ServiceErrorKind.NETWORK,
  ServiceErrorKind.MALFORMED,
]);
/** The code a dead letter carries when an entry is over the size limit even after shrinking. */
export const ENTRY_TOO_LARGE = 'EntryTooLarge';

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_BASE_DELAY_MS = 200;
export const DEFAULT_MAX_DELAY_MS = 5_000;

/**
 * One event that could not be delivered: the entry exactly as it was sent (replay it with PutEvents, or
 * `aws events put-events --entries`), why it failed, and how often it was tried.
 */
export interface DeadLetter {
  readonly kind: 'job-status-aggregator.dead-letter';
  readonly letterVersion: 1;
  /** The history record's id: the event's `transitionId` or `stallId`. */
  readonly recordId: string;
  readonly jobKey: string;
  readonly detailType: string;
  readonly errorCode: string;
  readonly errorMessage?: string;
  /** PutEvents calls that carried this entry; 0 when it was never sent (too large). */
  readonly attempts: number;
  readonly failedAt: string;
  readonly entry: DeadLetterEntry;
}

/** A PutEvents entry with `Time` as ISO-8601, the form the CLI and the SDK both accept. */
export interface DeadLetterEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly Resources: string[];
  readonly Time: string;
  readonly EventBusName: string;
}

/** Where undeliverable events go. Returns the letters it could not store (the caller keeps them failed). */
export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<{ readonly failed: readonly DeadLetter[] }>;
}

/** What happened to one record. */
export type RecordOutcome =
  | { readonly kind: 'delivered'; readonly eventId: string }
  | { readonly kind: 'dead-lettered'; readonly errorCode: string }
  /** Neither delivered nor dead-lettered (the dead-letter write failed): the caller must retry it. */
  | { readonly kind: 'failed'; readonly errorCode: string }
  /** A `progress` record: never published. */
  | { readonly kind: 'skipped' };

/** What one `publish` did: counts, and the outcome of each record. */
export interface PublishReport {
  /** By record id. */
  readonly outcomes: ReadonlyMap<string, RecordOutcome>;
  readonly delivered: number;
  /** Records that could not be delivered after retries; they went to the dead-letter sink. */
  readonly deadLettered: number;
  /** Records neither delivered nor dead-lettered: the caller must retry them. */
  readonly failed: number;
  readonly skipped: number;
  /** PutEvents calls made, retries included. */
  readonly calls: number;
}

export interface EventBridgePublisherOptions {
  readonly client: Pick<EventBridgeClient, 'send'>;
  readonly busName: string;
  /** The partition of the scope ARNs in `resources` (default `aws`). */
  readonly partition?: string;
  readonly deadLetters: DeadLetterSink;
  readonly log?: Log;
  /** PutEvents attempts per entry, the first included. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); the jitter source. */
  readonly random?: () => number;
  readonly now?: () => Date;
}

interface Pending {
  readonly record: PublishableRecord;
  readonly entry: EventEntry;
  readonly size: number;
  attempts: number;
  lastError?: { readonly code: string; readonly message: string };
}

/**
 * Publishes history records as EventBridge events: batches of at most 10 entries and 256 KB, only failed
 * entries resent and only for retryable codes, attempts bounded with full-jitter backoff, and whatever
 * cannot be delivered handed to the dead-letter sink with the entry itself, so nothing is dropped.
 */
export class EventBridgePublisher {
  private readonly log: Log;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => Date;

  constructor(private readonly options: EventBridgePublisherOptions) {
    this.log = options.log ?? silentLog;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
  }

  /** Publishes and says what happened to each record (by record id; a repeated record is sent once). */
  async publish(records: readonly HistoryRecord[]): Promise<PublishReport> {
    const outcomes = new Map<string, RecordOutcome>();
    const letters: DeadLetter[] = [];
    let pending: Pending[] = [];
    const seen = new Set<string>();
    for (const record of records) {
      if (seen.has(record.recordId)) continue;
      seen.add(record.recordId);
      if (!isPublishable(record)) {
        outcomes.set(record.recordId, { kind: 'skipped' });
        continue;
      }
      const entry = toEventEntry(record, this.options.busName, this.options.partition);
      const item: Pending = { record, entry, size: entrySize(entry), attempts: 0 };
      if (item.size > MAX_ENTRY_BYTES) {
        item.lastError = { code: ENTRY_TOO_LARGE, message: `${item.size} bytes after shrinking` };
        letters.push(this.letter(item));
      } else {
        pending.push(item);
      }
    }

    let calls = 0;
    for (let attempt = 1; pending.length > 0 && attempt <= this.maxAttempts; attempt += 1) {
      if (attempt > 1) await this.sleep(this.backoffMs(attempt - 1));
      const retry: Pending[] = [];
      for (const batch of groups(pending, MAX_ENTRIES_PER_CALL, MAX_REQUEST_BYTES, (item) => item.size)) {
        calls += 1;
        for (const item of batch) item.attempts += 1;
        const results = await this.putEvents(batch);
        for (const [index, item] of batch.entries()) {
          const result = results[index];
          if (result?.kind === 'delivered') {
            outcomes.set(item.record.recordId, { kind: 'delivered', eventId: result.eventId });
            continue;
          }
          item.lastError = { code: result?.code ?? 'MissingResultEntry', message: result?.message ?? '' };
          if (result?.retryable) retry.push(item);
          else letters.push(this.letter(item));
        }
      }
      pending = retry;
    }
    for (const item of pending) letters.push(this.letter(item));

    const failed = await this.deadLetter(letters);
    for (const letter of letters) {
      outcomes.set(
        letter.recordId,
        failed.has(letter.recordId)
          ? { kind: 'failed', errorCode: letter.errorCode }
          : { kind: 'dead-lettered', errorCode: letter.errorCode },
      );
    }
    const count = (kind: RecordOutcome['kind']) =>
      [...outcomes.values()].filter((outcome) => outcome.kind === kind).length;
    return {
      outcomes,
      delivered: count('delivered'),
      deadLettered: count('dead-lettered'),
      failed: count('failed'),
      skipped: count('skipped'),
      calls,
    };
  }

  /** One PutEvents call; a failed call becomes one result per entry, so both paths are handled alike. */
  private async putEvents(batch: readonly Pending[]): Promise<EntryResult[]> {
    try {
      const response = await this.options.client.send(
        new PutEventsCommand({ Entries: batch.map((item) => ({ ...item.entry })) }),
      );
      const entries = response.Entries ?? [];
      return batch.map((_item, index) => toEntryResult(entries[index]));
    } catch (error) {
      const kind = classifySdkError(error);
      const code = error instanceof Error ? error.name : 'UnknownError';
      const message = error instanceof Error ? error.message : String(error);
      const retryable = RETRYABLE_CALL_KINDS.has(kind);
      this.log.warn('PutEvents call failed', {
        errorCode: code,
        errorKind: kind,
        retryable,
        entries: batch.length,
      });
      return batch.map(() => ({ kind: 'failed', code, message, retryable }));
    }
  }

  /** Full jitter: a random wait up to the exponential bound, so retries from many shards spread out. */
  private backoffMs(retry: number): number {
    const bound = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retry - 1));
    return Math.floor(this.random() * bound);
  }

  private letter(item: Pending): DeadLetter {
    const { entry } = item;
    return {
      kind: 'job-status-aggregator.dead-letter',
      letterVersion: 1,
      recordId: item.record.recordId,
      jobKey: formatJobKey(item.record.key),
      detailType: entry.DetailType,
      errorCode: item.lastError?.code ?? 'Unknown',
      ...(item.lastError?.message && { errorMessage: item.lastError.message.slice(0, 1000) }),
      attempts: item.attempts,
      failedAt: this.now().toISOString(),
      entry: {
        Source: entry.Source,
        DetailType: entry.DetailType,
        Detail: entry.Detail,
        Resources: entry.Resources,
        Time: entry.Time.toISOString(),
        EventBusName: entry.EventBusName,
      },
    };
  }

  /** Hands letters to the sink; returns the record ids it could not store. */
  private async deadLetter(letters: readonly DeadLetter[]): Promise<Set<string>> {
    if (letters.length === 0) return new Set();
    for (const letter of letters) {
      this.log.error('Event dead-lettered', {
        recordId: letter.recordId,
        jobKey: letter.jobKey,
        detailType: letter.detailType,
        errorCode: letter.errorCode,
        attempts: letter.attempts,
      });
    }
    try {
      const { failed } = await this.options.deadLetters.send(letters);
      if (failed.length > 0)
        this.log.error('Dead-letter write failed', { recordIds: failed.map((l) => l.recordId) });
      return new Set(failed.map((letter) => letter.recordId));
    } catch (error) {
      this.log.error('Dead-letter write failed', {
        recordIds: letters.map((letter) => letter.recordId),
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return new Set(letters.map((letter) => letter.recordId));
    }
  }
}

type EntryResult =
  | { readonly kind: 'delivered'; readonly eventId: string }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string; readonly retryable: boolean };

function toEntryResult(result: PutEventsResultEntry | undefined): EntryResult {
  if (result?.EventId && !result.ErrorCode) return { kind: 'delivered', eventId: result.EventId };
  // A missing result entry leaves the entry's fate unknown: sending it again risks only a duplicate.
  const code = result?.ErrorCode ?? 'MissingResultEntry';
  return {
    kind: 'failed',
    code,
    message: result?.ErrorMessage ?? '',
    retryable: code === 'MissingResultEntry' || RETRYABLE_ENTRY_CODES.has(code),
  };
}

/** SQS's per-call limits for SendMessageBatch (bodies only; the margin covers the attributes). */
const SQS_BATCH_ENTRIES = 10;
const SQS_BATCH_BYTES = 240 * 1024;

/**
 * Dead letters to an SQS queue, one message per event: the JSON of `DeadLetter`, with the error code and
 * detail-type as message attributes for filtering. A letter can be a little over 256 KB (a maximal entry
 * plus context): give the queue a MaximumMessageSize of 1 MiB.
 */
export class SqsDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly options: {
      readonly client: Pick<SQSClient, 'send'>;
      readonly queueUrl: string;
      readonly log?: Log;
    },
  ) {}

  async send(letters: readonly DeadLetter[]): Promise<{ readonly failed: readonly DeadLetter[] }> {
    const failed: DeadLetter[] = [];
    const bodies = letters.map((letter) => ({ letter, body: JSON.stringify(letter) }));
    for (const group of groups(bodies, SQS_BATCH_ENTRIES, SQS_BATCH_BYTES, (item) => utf8Bytes(item.body))) {
      const command = new SendMessageBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: group.map((item, index) => ({
          Id: `m${index}`,
          MessageBody: item.body,
          MessageAttributes: {
            errorCode: { DataType: 'String', StringValue: item.letter.errorCode },
            detailType: { DataType: 'String', StringValue: item.letter.detailType },
          },
        })),
      });
      // A group that fails as a whole is reported as failed letters; the other groups still go.
      const response = await this.options.client.send(command).catch((error: unknown) => {
        this.options.log?.error('SendMessageBatch failed', {
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          letters: group.length,
        });
        return { Failed: group.map((_item, index) => ({ Id: `m${index}` })) };
      });
      for (const failure of response.Failed ?? []) {
        const letter = group[Number(failure.Id?.slice(1))]?.letter;
        if (letter) failed.push(letter);
      }
    }
    return { failed };
  }
}

/** Consecutive groups, in order, of at most `maxCount` items and `maxBytes` (a larger item goes alone). */
function groups<T>(
  items: readonly T[],
  maxCount: number,
  maxBytes: number,
  sizeOf: (item: T) => number,
): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length === maxCount || bytes + size > maxBytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The PutEvents entry stored in a dead letter, ready to send again. */
export function entryFromDeadLetter(letter: Pick<DeadLetter, 'entry'>): EventEntry {
  const { entry } = letter;
  return {
    Source: entry.Source,
    DetailType: entry.DetailType as EventEntry['DetailType'],
    Detail: entry.Detail,
    Resources: [...entry.Resources],
    Time: new Date(entry.Time),
    EventBusName: entry.EventBusName,
  };
}
