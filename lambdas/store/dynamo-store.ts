import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  paginateQuery,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { JobsTableAttributes as A, JobsTableIndexes } from '../contract/table-schema.js';
import type { StallRecord } from '../core/history.js';
import { describeJobKey, formatJobKey, type JobKey } from '../core/job-key.js';
import {
  type JobStateStore,
  type ListCursor,
  type Log,
  type RecordResult,
  type StoredJob,
  silentLog,
} from '../core/ports.js';
import {
  type CurrentJob,
  historyExpiresAt,
  type PlannedWrite,
  planRecord,
  planStall,
  type WriteCondition,
} from '../core/recording.js';
import type { ServiceId } from '../core/service-id.js';
import type { JobSnapshot } from '../core/snapshot.js';
import { inTarget, type Target } from '../core/target.js';
import { createDocumentClient } from './document-client.js';
import {
  backfillMarkFromItem,
  backfillMarkItemKey,
  backfillMarkToItem,
  currentItemKey,
  currentJobFromItem,
  currentJobToItem,
  historyRecordToItem,
  listCursorFromItem,
  listCursorItemKey,
  listCursorToItem,
} from './item-codec.js';
import { STORE_SETTING_DEFAULTS, type StoreSettings } from './settings.js';

export interface DynamoJobStateStoreOptions {
  /** A plain DynamoDB client (wrapped in a document client here) or a ready document client. */
  readonly client: DynamoDBClient | DynamoDBDocumentClient;
  /** `tableName` is required; the rest default to `STORE_SETTING_DEFAULTS`. */
  readonly settings: Pick<StoreSettings, 'tableName'> & Partial<StoreSettings>;
  readonly log?: Log;
  /** The clock for `writtenAt` and the progress interval; tests fix it. */
  readonly now?: () => Date;
  /** Attempts of a transaction that DynamoDB cancelled for a conflicting transaction in flight. */
  readonly conflictAttempts?: number;
}

/** A write DynamoDB refused because the item was no longer what the caller read. */
type WriteOutcome = 'written' | 'condition-failed';

/**
 * The `JobStateStore` on one DynamoDB table (see docs/table-design.md). Every write is conditional on the
 * version the caller read, so of several pollers recording the same change exactly one succeeds; the
 * others get `lost-race` and write nothing. Unchanged jobs cost no write at all.
 */
export class DynamoJobStateStore implements JobStateStore {
  readonly settings: StoreSettings;
  private readonly ddb: DynamoDBDocumentClient;
  private readonly log: Log;
  private readonly now: () => Date;
  private readonly conflictAttempts: number;

  constructor(options: DynamoJobStateStoreOptions) {
    this.ddb = isDocumentClient(options.client) ? options.client : createDocumentClient(options.client);
    this.settings = { ...STORE_SETTING_DEFAULTS, ...options.settings };
    this.log = options.log ?? silentLog;
    this.now = options.now ?? (() => new Date());
    this.conflictAttempts = Math.max(1, options.conflictAttempts ?? 5);
  }

  /** The current state, read strongly consistent (the write path decides on it). */
  async get(key: JobKey): Promise<CurrentJob | undefined> {
    const response = await this.ddb.send(
      new GetCommand({ TableName: this.settings.tableName, Key: currentItemKey(key), ConsistentRead: true }),
    );
    return response.Item ? currentJobFromItem(response.Item) : undefined;
  }

  /**
   * Non-terminal jobs of one service, from the sparse `ActiveByService` index. Index reads are eventually
   * consistent: a job that became active a moment ago may show up one cycle later. A malformed item is
   * logged (error) and skipped.
   */
  async *listActive(service: ServiceId, target?: Target): AsyncIterable<CurrentJob> {
    for await (const job of this.activeOfService(service)) {
      if (!target || inTarget(job.snapshot.key, target)) yield job;
    }
  }

  /**
   * The index is by service: a target's jobs are picked from it here. A hub that polls every target in one
   * run reads it once (see lambdas/handlers/targets/), so the filter costs nothing more there.
   */
  private async *activeOfService(service: ServiceId): AsyncIterable<CurrentJob> {
    const pages = paginateQuery(
      { client: this.ddb },
      {
        TableName: this.settings.tableName,
        IndexName: JobsTableIndexes.ACTIVE_BY_SERVICE,
        KeyConditionExpression: '#service = :service',
        ExpressionAttributeNames: { '#service': A.ACTIVE_SERVICE },
        ExpressionAttributeValues: { ':service': service },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        let job: CurrentJob | undefined;
        try {
          job = currentJobFromItem(item);
        } catch (error) {
          // One corrupt item must not stop the poller's whole service; it is logged with its key.
          this.log.error('skipped a malformed job item', {
            pk: item[A.PARTITION_KEY],
            error: error instanceof Error ? error.message : String(error),
          });
        }
        if (job) yield job;
      }
    }
  }

  async record(previous: StoredJob | undefined, next: JobSnapshot): Promise<RecordResult> {
    const plan = planRecord(previous, next, this.settings, this.now());
    if (plan.result.kind === 'regression') {
      this.log.warn('ignored a non-final status for a job already final', {
        job: formatJobKey(next.key),
        label: describeJobKey(next.key),
        recorded: plan.result.current.snapshot.rawStatus,
        observed: next.rawStatus,
        recordedVersion: plan.result.current.version,
        observedAt: next.observedAt,
      });
    }
    if (plan.stale) {
      this.log.info('ignored an observation older than the recorded one', {
        job: formatJobKey(next.key),
        recordedAt: previous?.snapshot.observedAt,
        observedAt: next.observedAt,
      });
    }
    if (!plan.write) return plan.result;
    return (await this.execute(plan.write)) === 'written' ? plan.result : { kind: 'lost-race' };
  }

  async recordStall(current: StoredJob, now: Date): Promise<StallRecord | undefined> {
    const plan = planStall(current, now);
    if (!plan) return undefined;
    return (await this.execute(plan.write)) === 'written' ? plan.record : undefined;
  }

  async loadListCursor(service: ServiceId, target?: Target): Promise<ListCursor | undefined> {
    const { Item: item } = await this.ddb.send(
      new GetCommand({
        TableName: this.settings.tableName,
        Key: listCursorItemKey(service, target),
        ConsistentRead: true,
      }),
    );
    return listCursorFromItem(item);
  }

  async saveListCursor(service: ServiceId, cursor: ListCursor | undefined, target?: Target): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.settings.tableName,
        Item: listCursorToItem(service, cursor, this.now(), target),
      }),
    );
  }

  async loadBackfillMark(service: ServiceId, target?: Target): Promise<string | undefined> {
    const { Item: item } = await this.ddb.send(
      new GetCommand({
        TableName: this.settings.tableName,
        Key: backfillMarkItemKey(service, target),
        ConsistentRead: true,
      }),
    );
    return backfillMarkFromItem(item);
  }

  async saveBackfillMark(service: ServiceId, at: string, target?: Target): Promise<void> {
    await this.ddb.send(
      new PutCommand({ TableName: this.settings.tableName, Item: backfillMarkToItem(service, at, target) }),
    );
  }

  /** One conditional Put, or a transaction of the history Put and the conditional current Put. */
  private async execute(write: PlannedWrite): Promise<WriteOutcome> {
    const currentPut: PutCommandInput = {
      TableName: this.settings.tableName,
      Item: currentJobToItem(write.current),
      ...conditionExpression(write.condition),
    };
    if (!write.history) {
      try {
        await this.ddb.send(new PutCommand({ ...currentPut, ReturnConsumedCapacity: 'TOTAL' }));
        return 'written';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'condition-failed';
        throw error;
      }
    }
    const expiresAt = historyExpiresAt(write.history, this.settings.historyRetentionDays);
    const historyItem = historyRecordToItem(write.history, expiresAt === undefined ? {} : { expiresAt });
    // One token for all attempts of this call; the SDK's own retries of one attempt reuse it too.
    const token = randomUUID();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.ddb.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: currentPut },
              { Put: { TableName: this.settings.tableName, Item: historyItem } },
            ],
            ClientRequestToken: `${token.slice(0, 30)}-${attempt}`,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        return 'written';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
        if (codes.includes('ConditionalCheckFailed')) return 'condition-failed';
        if (codes.includes('TransactionConflict') && attempt < this.conflictAttempts) {
          // Another transaction on the same job is in flight; after it, our condition decides.
          await sleep(20 * 2 ** attempt * (0.5 + Math.random()));
          continue;
        }
        throw error;
      }
    }
  }
}

function conditionExpression(
  condition: WriteCondition,
): Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  if (condition.kind === 'absent') {
    return {
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': A.PARTITION_KEY },
    };
  }
  const parts = ['#version = :version'];
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':version': condition.version };
  if (condition.writtenAt !== undefined) {
    parts.push('#writtenAt = :writtenAt');
    names['#writtenAt'] = 'writtenAt';
    values[':writtenAt'] = condition.writtenAt;
  }
  if (condition.notStalled) {
    parts.push('attribute_not_exists(#stalledSince)');
    names['#stalledSince'] = 'stalledSince';
  }
  return {
    ConditionExpression: parts.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

function isDocumentClient(client: DynamoDBClient | DynamoDBDocumentClient): client is DynamoDBDocumentClient {
  return client instanceof DynamoDBDocumentClient;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
