import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { HistoryRecord } from '../core/history.js';
import { type Log, silentLog } from '../core/ports.js';
import { isBackfilled, isPublishable } from './contract.js';
import type { EventBridgePublisher } from './publisher.js';

/**
 * The outbox relay: history records are written to the table first, and the table's stream (NEW_IMAGE)
 * brings every new one here, so a poller that dies after its write still gets its event out. Runs as the
 * stream's Lambda with ReportBatchItemFailures: a stream record whose event was neither delivered nor
 * dead-lettered is returned in `batchItemFailures` and comes back (with every later record of its shard)
 * on the next invocation. Duplicates that this causes carry the same `transitionId`/`stallId`.
 */
export interface StreamPublisherDeps {
  readonly publisher: Pick<EventBridgePublisher, 'publish'>;
  /** The store's item codec: a history record, or `undefined` for items that are not history. */
  readonly decode: (item: Record<string, unknown>) => HistoryRecord | undefined;
  readonly log?: Log;
  /** Publish the transitions a first run backfilled too (the `publishBackfilled` setting); by default they are not. */
  readonly publishBackfilled?: boolean;
}

export async function publishStreamBatch(
  event: DynamoDBStreamEvent,
  deps: StreamPublisherDeps,
): Promise<DynamoDBBatchResponse> {
  const log = deps.log ?? silentLog;
  const failures: string[] = [];
  const toPublish: { readonly itemIdentifier: string; readonly record: HistoryRecord }[] = [];

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
    const { record } = decoded;
    if (record && isPublishable(record) && (deps.publishBackfilled || !isBackfilled(record)))
      toPublish.push({ itemIdentifier, record });
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

type Decoded =
  | { readonly kind: 'ok'; readonly record: HistoryRecord | undefined }
  | { readonly kind: 'error'; readonly error: string };

function decodeRecord(streamRecord: DynamoDBRecord, decode: StreamPublisherDeps['decode']): Decoded {
  const image = streamRecord.dynamodb?.NewImage;
  if (!image) {
    return {
      kind: 'error',
      error: 'no NewImage: the stream view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES',
    };
  }
  try {
    // The Lambda event's attribute values are the same wire shapes the SDK's unmarshall reads.
    const item = unmarshall(image as Record<string, AttributeValue>);
    return { kind: 'ok', record: decode(item) };
  } catch (error) {
    return {
      kind: 'error',
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}
