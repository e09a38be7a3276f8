import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { HistoryRecord } from '../core/history.js';
import { formatJobKey } from '../core/job-key.js';
import { type Log, silentLog } from '../core/ports.js';
import { isBackfilled, isPublishable, type PublishableRecord } from './contract.js';
import type { EventBridgePublisher } from './publisher.js';

/**
 * The outbox relay. A poller writes only the job's current item, and a write that made a record carries it;
 * the table's stream (NEW_AND_OLD_IMAGES) brings every such write here, where the record is stored as a
 * history item (once: the put is conditional) and then published. A poller that dies after its write still
 * gets its record and event out. Runs as the stream's Lambda with ReportBatchItemFailures: a stream record
 * whose history write failed, or whose event was neither delivered nor dead-lettered, is returned in
 * `batchItemFailures` and comes back (with every later record of its shard) on the next invocation.
 * Duplicates that this causes carry the same `transitionId`/`stallId` and write no second history item.
 */
export interface StreamPublisherDeps {
  readonly publisher: Pick<EventBridgePublisher, 'publish'>;
  /** The store's reading of one write (new and old image): records to store, and the record it made. */
  readonly decode: (
    newItem: Record<string, unknown> | undefined,
    oldItem: Record<string, unknown> | undefined,
  ) => { readonly toStore: readonly HistoryRecord[]; readonly made?: HistoryRecord };
  /** Stores one history record, idempotently. */
  readonly storeHistory: (record: HistoryRecord) => Promise<unknown>;
  readonly log?: Log;
  /** Publish the transitions a first run backfilled too (the `publishBackfilled` setting); by default they are not. */
  readonly publishBackfilled?: boolean;
}

interface Pending {
  readonly itemIdentifier: string;
  readonly toStore: readonly HistoryRecord[];
  readonly made?: HistoryRecord;
}

export async function publishStreamBatch(
  event: DynamoDBStreamEvent,
  deps: StreamPublisherDeps,
): Promise<DynamoDBBatchResponse> {
  const log = deps.log ?? silentLog;
  const failures: string[] = [];
  const pending: Pending[] = [];

  for (const streamRecord of event.Records) {
    const itemIdentifier = streamRecord.dynamodb?.SequenceNumber ?? streamRecord.eventID ?? '';
    // A deleted item (TTL expiry) publishes nothing; its record was published when it was written.
    if (streamRecord.eventName === 'REMOVE') continue;
    const decoded = decodeRecord(streamRecord, deps.decode);
    if (decoded.kind === 'error') {
      // Retrying cannot fix this one, but skipping would lose an event: fail it, so the event source
      // mapping's retry limit sends it to the on-failure destination, where someone looks at it.
      log.error('Stream record not decodable', {
        itemIdentifier,
        eventName: streamRecord.eventName,
        error: decoded.error,
      });
      failures.push(itemIdentifier);
      continue;
    }
    if (decoded.toStore.length > 0 || decoded.made) pending.push({ itemIdentifier, ...decoded });
  }

  const toPublish: { readonly itemIdentifier: string; readonly record: PublishableRecord }[] = [];
  for (const item of pending) {
    // History first: an event is out only once its record is in the table.
    if (!(await storeAll(item, deps, log))) {
      failures.push(item.itemIdentifier);
      continue;
    }
    if (item.made && isPublishable(item.made) && (deps.publishBackfilled || !isBackfilled(item.made)))
      toPublish.push({ itemIdentifier: item.itemIdentifier, record: item.made });
  }

  if (toPublish.length > 0) {
    const report = await deps.publisher.publish(toPublish.map((item) => item.record));
    for (const { itemIdentifier, record } of toPublish) {
      const outcome = report.outcomes.get(record.recordId);
      if (!outcome || outcome.kind === 'failed') failures.push(itemIdentifier);
    }
    log.info('Stream batch published', {
      streamRecords: event.Records.length,
      events: toPublish.length,
      delivered: report.delivered,
      deadLettered: report.deadLettered,
      failed: report.failed,
      putEventsCalls: report.calls,
    });
  }
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}

async function storeAll(item: Pending, deps: StreamPublisherDeps, log: Log): Promise<boolean> {
  for (const record of item.toStore) {
    try {
      await deps.storeHistory(record);
    } catch (error) {
      log.error('History write failed', {
        itemIdentifier: item.itemIdentifier,
        job: formatJobKey(record.key),
        version: record.version,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return false;
    }
  }
  return true;
}

type Decoded =
  | {
      readonly kind: 'ok';
      readonly toStore: readonly HistoryRecord[];
      readonly made?: HistoryRecord;
    }
  | { readonly kind: 'error'; readonly error: string };

function decodeRecord(streamRecord: DynamoDBRecord, decode: StreamPublisherDeps['decode']): Decoded {
  const image = streamRecord.dynamodb?.NewImage;
  if (!image) {
    return { kind: 'error', error: 'no NewImage: the stream view type must be NEW_AND_OLD_IMAGES' };
  }
  const old = streamRecord.dynamodb?.OldImage;
  try {
    // The Lambda event's attribute values are the same wire shapes the SDK's unmarshall reads.
    const change = decode(
      unmarshall(image as Record<string, AttributeValue>),
      old ? unmarshall(old as Record<string, AttributeValue>) : undefined,
    );
    return { kind: 'ok', ...change };
  } catch (error) {
    return {
      kind: 'error',
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}
