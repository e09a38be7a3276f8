import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { JobsTableAttributes } from '../lambdas/contract/table-schema.js';
import { localClientConfig } from '../lambdas/store/document-client.js';

/** The history kinds the stack's event source mapping passes to the publisher (lib/, `PUBLISHED_KINDS`). */
const PUBLISHED_KINDS = new Set(['transition', 'stall']);

/**
 * Reads the jobs table's stream the way the publisher's event source mapping sees it, and counts the records
 * its filter lets through (INSERTs of `transition` and `stall` history items): one EventBridge event each.
 */
export class PublishedEventCounter {
  private readonly client: DynamoDBStreamsClient;
  /** Last sequence number read, per shard. */
  private readonly positions = new Map<string, string>();

  constructor(
    endpoint: string,
    private readonly streamArn: string,
  ) {
    this.client = new DynamoDBStreamsClient(localClientConfig(endpoint));
  }

  /** Events by service since the last call. */
  async drain(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
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

    for (const shardId of shards) {
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
          const image = record.dynamodb?.NewImage;
          const kind = image?.[JobsTableAttributes.CHANGE_KIND]?.S;
          if (record.eventName !== 'INSERT' || !kind || !PUBLISHED_KINDS.has(kind)) continue;
          const service = image?.service?.S ?? 'unknown';
          counts.set(service, (counts.get(service) ?? 0) + 1);
        }
        if (records.length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return counts;
  }

  destroy(): void {
    this.client.destroy();
  }
}
