import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { HistoryRecord } from '../core/history.js';
import { type CurrentJob, historyExpiresAt, recordOfCurrent } from '../core/recording.js';
import { isTerminal } from '../core/status.js';
import { createDocumentClient } from './document-client.js';
import { currentJobFromItem, historyRecordToItem, type Item } from './item-codec.js';

/**
 * History from the stream: the pollers write only the current item, and each write that made a record
 * carries it (`latestRecord`). The stream publisher calls `changeOfWrite` on every current-item write and
 * stores what it returns with `DynamoHistoryWriter`, before it publishes the event.
 */

/** What one write of a current item asks of history and events. */
export interface StreamChange {
  /** Records to store as history items. */
  readonly toStore: readonly HistoryRecord[];
  /** The record this write made (published when its kind is), or none: a rewrite of the same version. */
  readonly made?: HistoryRecord;
}

const NOTHING: StreamChange = { toStore: [] };

/**
 * What a write did, from its new and old images (plain unmarshalled items). Only a new version makes a
 * record; a rewrite of the same version (progress only) or an item that is not a current item makes none.
 * A final job's last record stays in its current item, so it is not stored as a history item, unless a
 * later version supersedes it (a final status corrected to another final one): then it is stored now.
 * Throws `ItemDecodeError` for a malformed current item.
 */
export function changeOfWrite(newItem: Item | undefined, oldItem: Item | undefined): StreamChange {
  const next = newItem && currentJobFromItem(newItem);
  if (!next) return NOTHING;
  const previous = oldItem ? currentJobFromItem(oldItem) : undefined;
  if (previous && next.version <= previous.version) return NOTHING;
  const made = recordOfCurrent(next);
  // An item without the record written by the layout before this one, which wrote its history itself.
  if (!made) return NOTHING;
  const toStore: HistoryRecord[] = [];
  const superseded = previous && ownsItsRecord(previous) ? recordOfCurrent(previous) : undefined;
  if (superseded) toStore.push(superseded);
  if (!ownsItsRecord(next)) toStore.push(made);
  return { toStore, made };
}

/** A final job's current item is its last record: no history item is written for it. */
export function ownsItsRecord(job: CurrentJob): boolean {
  return isTerminal(job.snapshot.status) && job.latestRecord !== undefined;
}

export interface HistoryWriterOptions {
  readonly client: DynamoDBClient | DynamoDBDocumentClient;
  readonly tableName: string;
  /** History items expire (TTL) this many days after they were recorded; 0 keeps them. */
  readonly historyRetentionDays: number;
}

/**
 * Writes history items, each once: a Put conditional on the item not existing, so a stream batch that
 * comes back (a publisher that died, a retried record) writes nothing twice and never overwrites.
 */
export class DynamoHistoryWriter {
  private readonly ddb: DynamoDBDocumentClient;

  constructor(private readonly options: HistoryWriterOptions) {
    this.ddb =
      options.client instanceof DynamoDBDocumentClient
        ? options.client
        : createDocumentClient(options.client);
  }

  get tableName(): string {
    return this.options.tableName;
  }

  /** `written`, or `present` when an earlier delivery of the same write already stored it. */
  async put(record: HistoryRecord): Promise<'written' | 'present'> {
    const expiresAt = historyExpiresAt(record, this.options.historyRetentionDays);
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: historyRecordToItem(record, expiresAt === undefined ? {} : { expiresAt }),
          ConditionExpression: 'attribute_not_exists(#sk)',
          ExpressionAttributeNames: { '#sk': 'sk' },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'present';
      throw error;
    }
  }
}

/** The table a stream belongs to, from its ARN (`arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`). */
export function tableNameOfStreamArn(arn: string | undefined): string | undefined {
  const match = /:table\/([^/]+)\/stream\//.exec(arn ?? '');
  return match?.[1];
}
