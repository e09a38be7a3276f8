import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { PUBLISHED_KINDS } from '../lambdas/contract/events.js';
import { localClientConfig } from '../lambdas/store/document-client.js';
import { changeOfWrite, DynamoHistoryWriter } from '../lambdas/store/history-writer.js';
import { historyRecordToItem } from '../lambdas/store/item-codec.js';
import { itemBytes, type MeteredDynamoClient } from './meter.js';

/** What the publisher did for one service's writes since the last drain. */
export interface PublisherFigures {
  /** EventBridge events: records of a published kind. */
  events: number;
  /** Write units of the history items the publisher stored (DynamoDB Local's consumed capacity). */
  writeUnits: number;
  historyItems: number;
  /** Summed item sizes (DynamoDB's rules) of the current items written and of the history items stored. */
  currentBytes: number;
  currentItems: number;
  historyBytes: number;
}

/**
 * Does on the jobs table's stream what the publisher does in the stack, minus PutEvents (the test suite
 * covers that): every write of a current item goes through the publisher's own `changeOfWrite`, and the
 * history records it returns are stored with the publisher's `DynamoHistoryWriter` through a metered
 * client, so their write units count in the benchmark like the pollers' own.
 */
export class PublisherStandIn {
  private readonly client: DynamoDBStreamsClient;
  private readonly writer: DynamoHistoryWriter;
  /** Last sequence number read, per shard. */
  private readonly positions = new Map<string, string>();

  constructor(
    endpoint: string,
    private readonly streamArn: string,
    private readonly meter: MeteredDynamoClient,
    tableName: string,
  ) {
    this.client = new DynamoDBStreamsClient(localClientConfig(endpoint));
    this.writer = new DynamoHistoryWriter({ client: meter.client, tableName, historyRetentionDays: 90 });
  }

  /** Figures by service since the last call. */
  async drain(): Promise<Map<string, PublisherFigures>> {
    const figures = new Map<string, PublisherFigures>();
    for (const shardId of await this.shards()) {
      for await (const record of this.records(shardId)) await this.handle(record, figures);
    }
    return figures;
  }

  private async handle(record: _Record, figures: Map<string, PublisherFigures>): Promise<void> {
    const image = record.dynamodb?.NewImage;
    if (record.eventName === 'REMOVE' || !image || image.sk?.S !== 'CURRENT') return;
    const newItem = unmarshall(image as Record<string, AttributeValue>);
    const old = record.dynamodb?.OldImage;
    const change = changeOfWrite(
      newItem,
      old ? unmarshall(old as Record<string, AttributeValue>) : undefined,
    );
    const service = (newItem.snapshot as { key?: { service?: string } } | undefined)?.key?.service ?? '?';
    const entry = figures.get(service) ?? emptyPublisherFigures();
    figures.set(service, entry);
    entry.currentBytes += itemBytes(newItem);
    entry.currentItems += 1;
    for (const stored of change.toStore) {
      const before = this.meter.figures().writeUnits;
      await this.writer.put(stored);
      entry.writeUnits += this.meter.figures().writeUnits - before;
      entry.historyItems += 1;
      entry.historyBytes += itemBytes(historyRecordToItem(stored, { expiresAt: 1_800_000_000 }));
    }
    if (change.made && (PUBLISHED_KINDS as readonly string[]).includes(change.made.kind)) entry.events += 1;
  }

  private async shards(): Promise<string[]> {
    let exclusiveStart: string | undefined;
    const shards: string[] = [];
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({
          StreamArn: this.streamArn,
          ...(exclusiveStart && { ExclusiveStartShardId: exclusiveStart }),
        }),
      );
      for (const shard of StreamDescription?.Shards ?? []) if (shard.ShardId) shards.push(shard.ShardId);
      exclusiveStart = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStart);
    return shards;
  }

  private async *records(shardId: string): AsyncIterable<_Record> {
    const after = this.positions.get(shardId);
    const { ShardIterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    let iterator = ShardIterator;
    while (iterator) {
      const page = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      for (const record of records) {
        const sequence = record.dynamodb?.SequenceNumber;
        if (sequence) this.positions.set(shardId, sequence);
        yield record;
      }
      if (records.length === 0) break;
      iterator = page.NextShardIterator;
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

export function emptyPublisherFigures(): PublisherFigures {
  return { events: 0, writeUnits: 0, historyItems: 0, currentBytes: 0, currentItems: 0, historyBytes: 0 };
}
