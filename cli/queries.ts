import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  JobsTableAttributes as A,
  ACTIVE_JOBS_PARTITION,
  JobsTableIndexes,
} from '../lambdas/contract/table-schema.js';
import type { HistoryRecord } from '../lambdas/core/history.js';
import { formatJobKey, type JobKey } from '../lambdas/core/job-key.js';
import type { CurrentJob } from '../lambdas/core/recording.js';
import type { ServiceId } from '../lambdas/core/service-id.js';
import { isTerminal, type JobStatus } from '../lambdas/core/status.js';
import { createDocumentClient } from '../lambdas/store/document-client.js';
import {
  currentItemKey,
  currentJobFromItem,
  type Item,
  jobPartitionKey,
  recordFromItem,
  serviceKeyPrefix,
} from '../lambdas/store/item-codec.js';

/**
 * The read side users call: one function per access pattern, each a single GetItem or Query. Results come
 * in pages; pass `cursor` from one page to get the next, or use `allPages` to walk them.
 */

export interface PageOptions {
  /** At most this many items per page (default 100). */
  readonly limit?: number;
  /** The `cursor` of the previous page. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: T[];
  /** Present when there may be more; pass it back as `cursor`. */
  readonly cursor?: string;
}

export interface OrderOptions {
  /** Newest first (default oldest first). */
  readonly newestFirst?: boolean;
}

export interface HistoryOptions extends PageOptions, OrderOptions {}

/**
 * Which accounts and regions to read: the ones in the jobs' keys, not where the table is. Absent: all of
 * them. No index key starts with account or region, so these are filters on the Query (`snapshot.key`).
 */
export interface TargetFilter {
  /** Any of these accounts. */
  readonly accountIds?: readonly string[];
  readonly region?: string;
}

export interface RunningOptions extends PageOptions, OrderOptions, TargetFilter {
  /** One service (a single Query); all services when absent. */
  readonly service?: ServiceId;
}

export interface ChangesOptions extends PageOptions, OrderOptions, TargetFilter {
  /** Start of the window, inclusive. */
  readonly since: Date | string;
  /** End of the window, inclusive (default: no end). */
  readonly until?: Date | string;
  readonly service?: ServiceId;
  /** The normalized status after the change (`FAILED`: "which imports failed"). */
  readonly status?: JobStatus;
  /** Which records (default `transition`): status changes, stall reports or progress records. */
  readonly kind?: HistoryRecord['kind'];
}

export interface ByStatusOptions extends PageOptions, OrderOptions, TargetFilter {
  readonly service?: ServiceId;
}

export interface JobQueriesOptions {
  readonly client: DynamoDBClient | DynamoDBDocumentClient;
  readonly tableName: string;
  /** Strongly consistent reads of the base table (`job`, `history`); indexes are always eventual. */
  readonly consistentRead?: boolean;
}

const DEFAULT_LIMIT = 100;

export class JobQueries {
  readonly tableName: string;
  private readonly ddb: DynamoDBDocumentClient;
  private readonly consistentRead: boolean;

  constructor(options: JobQueriesOptions) {
    this.ddb =
      options.client instanceof DynamoDBDocumentClient
        ? options.client
        : createDocumentClient(options.client);
    this.tableName = options.tableName;
    this.consistentRead = options.consistentRead ?? false;
  }

  /** The table these queries read and its client, for the one command that writes it (`migrate`). */
  get table(): { readonly doc: DynamoDBDocumentClient; readonly tableName: string } {
    return { doc: this.ddb, tableName: this.tableName };
  }

  /** 1. The current snapshot of one job (GetItem). */
  async job(key: JobKey | string): Promise<CurrentJob | undefined> {
    const response = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: currentItemKey(key),
        ConsistentRead: this.consistentRead,
      }),
    );
    return response.Item ? currentJobFromItem(response.Item) : undefined;
  }

  /**
   * 2. The history of one job by version, oldest first unless `newestFirst`: one Query of the job's items.
   * A final job's last record is its current item (no history item is written for it), so the Query reads
   * the whole item collection (a handful of items) and orders the records by version; the cursor is the
   * last version returned.
   */
  async history(key: JobKey | string, options: HistoryOptions = {}): Promise<Page<HistoryRecord>> {
    const limit = normalizeLimit(options.limit);
    const state = options.cursor ? decodeCursor(options.cursor) : undefined;
    const after = typeof state?.version === 'number' ? state.version : undefined;
    const pages = paginateQuery(
      { client: this.ddb },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': A.PARTITION_KEY },
        ExpressionAttributeValues: {
          ':pk': jobPartitionKey(typeof key === 'string' ? key : formatJobKey(key)),
        },
        ConsistentRead: this.consistentRead,
      },
    );
    const byVersion = new Map<number, HistoryRecord>();
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const record = recordFromItem(item);
        // An item of the earlier layout may hold the same version as the current item: keep the first.
        if (record && !byVersion.has(record.version)) byVersion.set(record.version, record);
      }
    }
    const sign = options.newestFirst ? -1 : 1;
    const records = [...byVersion.values()]
      .sort((a, b) => sign * (a.version - b.version))
      .filter((record) => after === undefined || sign * (record.version - after) > 0);
    const items = records.slice(0, limit);
    const last = items.at(-1);
    return records.length > limit && last
      ? { items, cursor: encodeCursor({ version: last.version }) }
      : { items };
  }

  /**
   * 3. Jobs not in a final state, by job key, so by service, region and account first (one Query of the
   * sparse `ActiveByJobKey` index; a service is a key prefix).
   */
  running(options: RunningOptions = {}): Promise<Page<CurrentJob>> {
    return this.active(options, []);
  }

  /** Jobs of the `ActiveByJobKey` index, of one service or all, with `extra` filter conditions. */
  private active(options: RunningOptions, extra: readonly Condition[]): Promise<Page<CurrentJob>> {
    const filter = filterInput([...extra, ...targetConditions(options)]);
    const { service } = options;
    return this.page(
      {
        TableName: this.tableName,
        IndexName: JobsTableIndexes.ACTIVE_BY_JOB_KEY,
        KeyConditionExpression:
          service === undefined ? '#active = :active' : '#active = :active AND begins_with(#key, :prefix)',
        ...filter,
        ExpressionAttributeNames: {
          '#active': A.ACTIVE_JOB,
          ...(service !== undefined && { '#key': A.JOB_KEY }),
          ...filter.ExpressionAttributeNames,
        },
        ExpressionAttributeValues: {
          ':active': ACTIVE_JOBS_PARTITION,
          ...(service !== undefined && { ':prefix': serviceKeyPrefix(service) }),
          ...filter.ExpressionAttributeValues,
        },
        ScanIndexForward: !options.newestFirst,
      },
      [A.ACTIVE_JOB, A.JOB_KEY],
      options,
      currentJobFromItem,
    );
  }

  /**
   * 4. History records in a time window, across all services or for one, optionally by the status they led
   * to (Query on `ChangesByTime`; service and status are filters on that one Query).
   */
  changes(options: ChangesOptions): Promise<Page<HistoryRecord>> {
    const since = toIso(options.since);
    const until = options.until === undefined ? undefined : toIso(options.until);
    const filter = filterInput([
      ...snapshotCondition('service', options.service),
      ...snapshotCondition('status', options.status),
      ...targetConditions(options),
    ]);
    return this.page(
      {
        TableName: this.tableName,
        IndexName: JobsTableIndexes.CHANGES_BY_TIME,
        KeyConditionExpression:
          until === undefined
            ? '#kind = :kind AND #at >= :since'
            : '#kind = :kind AND #at BETWEEN :since AND :until',
        ...filter,
        ExpressionAttributeNames: {
          '#kind': A.CHANGE_KIND,
          '#at': A.CHANGED_AT,
          ...filter.ExpressionAttributeNames,
        },
        ExpressionAttributeValues: {
          ':kind': options.kind ?? 'transition',
          ':since': since,
          ...(until !== undefined && { ':until': until }),
          ...filter.ExpressionAttributeValues,
        },
        ScanIndexForward: !options.newestFirst,
      },
      [A.CHANGE_KIND, A.CHANGED_AT],
      options,
      recordFromItem,
    );
  }

  /**
   * 5. Jobs currently in one normalized status. A final status: by the time they entered it, one Query of
   * the sparse `ByStatus` index. Any other: one Query of `ActiveByJobKey`, like `running`, filtered on the
   * status.
   */
  byStatus(status: JobStatus, options: ByStatusOptions = {}): Promise<Page<CurrentJob>> {
    if (!isTerminal(status)) return this.active(options, snapshotCondition('status', status));
    const filter = filterInput([
      ...snapshotCondition('service', options.service),
      ...targetConditions(options),
    ]);
    return this.page(
      {
        TableName: this.tableName,
        IndexName: JobsTableIndexes.BY_STATUS,
        KeyConditionExpression: '#current = :current',
        ...filter,
        ExpressionAttributeNames: { '#current': A.CURRENT_STATUS, ...filter.ExpressionAttributeNames },
        ExpressionAttributeValues: { ':current': status, ...filter.ExpressionAttributeValues },
        ScanIndexForward: !options.newestFirst,
      },
      [A.CURRENT_STATUS, A.STATUS_SINCE],
      options,
      currentJobFromItem,
    );
  }

  /**
   * One page of a Query: reads on until `limit` items passed the filter or the partition ends. The cursor
   * is built from the last item returned (its table and index keys), so items a filter kept beyond the
   * limit are not skipped.
   */
  private async page<T>(
    input: QueryCommandInput,
    indexKeys: readonly string[],
    options: PageOptions,
    decode: (item: Item) => T | undefined,
  ): Promise<Page<T>> {
    const limit = normalizeLimit(options.limit);
    const keyAttributes = [A.PARTITION_KEY, A.SORT_KEY, ...indexKeys];
    const state = options.cursor ? decodeCursor(options.cursor) : undefined;
    const startKey = isItem(state?.key) ? state.key : undefined;
    const responses = paginateQuery(
      {
        client: this.ddb,
        // A filter may drop most of what a request reads: read at least 100 items per request then.
        pageSize: input.FilterExpression ? Math.max(limit, 100) : limit,
        ...(startKey && { startingToken: startKey }),
      },
      { ...input },
    );
    const items: T[] = [];
    for await (const response of responses) {
      for (const item of response.Items ?? []) {
        const decoded = decode(item);
        if (decoded === undefined) continue;
        items.push(decoded);
        if (items.length === limit) {
          const cursorKey = Object.fromEntries(keyAttributes.map((name) => [name, item[name]]));
          const isLastOfQuery = item === response.Items?.at(-1) && !response.LastEvaluatedKey;
          return isLastOfQuery ? { items } : { items, cursor: encodeCursor({ key: cursorKey }) };
        }
      }
    }
    return { items };
  }
}

/** One condition of a FilterExpression, with the names and values it uses. */
interface Condition {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/**
 * The job's service (`snapshot.key.service`) or status (`snapshot.status`) equal to `value`, or nothing
 * when there is no value. Every record and current item, of either layout, carries the snapshot.
 */
function snapshotCondition(field: 'service' | 'status', value: string | undefined): Condition[] {
  if (value === undefined) return [];
  const path = field === 'service' ? '#snapshot.#key.#service' : '#snapshot.#status';
  return [
    {
      expression: `${path} = :${field}`,
      names: {
        '#snapshot': 'snapshot',
        ...(field === 'service' ? { '#key': 'key', '#service': 'service' } : { '#status': 'status' }),
      },
      values: { [`:${field}`]: value },
    },
  ];
}

/** The account and region of the job's key (`snapshot.key`, on current and history items alike). */
function targetConditions(target: TargetFilter): Condition[] {
  const key = { '#snapshot': 'snapshot', '#key': 'key' };
  const conditions: Condition[] = [];
  const accounts = [...new Set(target.accountIds ?? [])];
  if (accounts.length > 0) {
    const placeholders = accounts.map((_, index) => `:account${index}`);
    conditions.push({
      expression: `#snapshot.#key.#account IN (${placeholders.join(', ')})`,
      names: { ...key, '#account': 'accountId' },
      values: Object.fromEntries(accounts.map((account, index) => [placeholders[index], account])),
    });
  }
  if (target.region !== undefined) {
    conditions.push({
      expression: '#snapshot.#key.#region = :region',
      names: { ...key, '#region': 'region' },
      values: { ':region': target.region },
    });
  }
  return conditions;
}

/** The conditions as a Query's FilterExpression, or nothing to add when there are none. */
function filterInput(conditions: readonly Condition[]): {
  FilterExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  return {
    ...(conditions.length > 0 && {
      FilterExpression: conditions.map((condition) => condition.expression).join(' AND '),
    }),
    ExpressionAttributeNames: Object.assign({}, ...conditions.map((condition) => condition.names)),
    ExpressionAttributeValues: Object.assign({}, ...conditions.map((condition) => condition.values)),
  };
}

/** Every item of a paged query: `for await (const job of allPages((o) => queries.running(o))) ...`. */
export async function* allPages<T>(
  fetchPage: (options: { cursor?: string }) => Promise<Page<T>>,
): AsyncIterable<T> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor === undefined ? {} : { cursor });
    yield* page.items;
    cursor = page.cursor;
  } while (cursor !== undefined);
}

export class InvalidCursorError extends Error {
  constructor() {
    super('Invalid cursor: pass the cursor of the previous page unchanged');
    this.name = 'InvalidCursorError';
  }
}

/** What a cursor holds: a query's start key, or for `running` the service position and its inner cursor. */
interface CursorState {
  readonly key?: unknown;
  /** `history`: the last version returned. */
  readonly version?: unknown;
  readonly service?: unknown;
  readonly inner?: unknown;
}

function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeCursor(cursor: string): CursorState {
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!isItem(state)) throw new InvalidCursorError();
  return state;
}

function isItem(value: unknown): value is Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalizeLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a whole number ≥ 1: ${limit}`);
  return limit;
}

function toIso(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a time: ${String(value)}`);
  return date.toISOString();
}
