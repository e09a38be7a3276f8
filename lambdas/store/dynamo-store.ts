import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import {
  JobsTableAttributes as A,
  ACTIVE_JOBS_PARTITION,
  JobsTableIndexes,
} from '../contract/table-schema.js';
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
  listCursorFromItem,
  listCursorItemKey,
  listCursorToItem,
  serviceKeyPrefix,
  targetKeyPrefix,
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

  constructor(options: DynamoJobStateStoreOptions) {
    this.ddb = isDocumentClient(options.client) ? options.client : createDocumentClient(options.client);
    this.settings = { ...STORE_SETTING_DEFAULTS, ...options.settings };
    this.log = options.log ?? silentLog;
    this.now = options.now ?? (() => new Date());
  }

  /** The current state, read strongly consistent (the write path decides on it). */
  async get(key: JobKey): Promise<CurrentJob | undefined> {
    const response = await this.ddb.send(
      new GetCommand({ TableName: this.settings.tableName, Key: currentItemKey(key), ConsistentRead: true }),
    );
    return response.Item ? currentJobFromItem(response.Item) : undefined;
  }

  /**
   * Non-terminal jobs of one service, or of one target of it: one Query of the sparse `ActiveByJobKey`
   * index, whose sort key (the job key) starts with the service and the target. Index reads are eventually consistent: a
   * job that became active a moment ago may show up one cycle later. A malformed item is logged (error)
   * and skipped.
   */
  async *listActive(service: ServiceId, target?: Target): AsyncIterable<CurrentJob> {
    const pages = paginateQuery(
      { client: this.ddb },
      {
        TableName: this.settings.tableName,
        IndexName: JobsTableIndexes.ACTIVE_BY_JOB_KEY,
        KeyConditionExpression: '#active = :active AND begins_with(#key, :prefix)',
        ExpressionAttributeNames: { '#active': A.ACTIVE_JOB, '#key': A.JOB_KEY },
        ExpressionAttributeValues: {
          ':active': ACTIVE_JOBS_PARTITION,
          ':prefix': target ? targetKeyPrefix(service, target) : serviceKeyPrefix(service),
        },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const job = this.decodeActive(item);
        // The prefix already holds the target; the check keeps a job of another target out whatever.
        if (job && (!target || inTarget(job.snapshot.key, target))) yield job;
      }
    }
  }

  /** One corrupt item must not stop the poller's whole service; it is logged with its key. */
  private decodeActive(item: Record<string, unknown>): CurrentJob | undefined {
    try {
      return currentJobFromItem(item);
    } catch (error) {
      this.log.error('skipped a malformed job item', {
        pk: item[A.PARTITION_KEY],
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
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

  /**
   * One conditional Put of the current item, whatever the plan: a record the write makes travels in the
   * item (`latestRecord`), and the stream publisher turns it into the history item and the event.
   */
  private async execute(write: PlannedWrite): Promise<WriteOutcome> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.settings.tableName,
          Item: currentJobToItem(write.current),
          ...conditionExpression(write.condition),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'condition-failed';
      throw error;
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
