import { randomUUID } from 'node:crypto';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import type { JobKey } from '../../lambdas/core/job-key.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import type { RecordOutcome } from '../../lambdas/events/publisher.js';
import { publishStreamBatch } from '../../lambdas/events/stream-publisher.js';
import { createDocumentClient, localClientConfig } from '../../lambdas/store/document-client.js';
import { changeOfWrite, DynamoHistoryWriter } from '../../lambdas/store/history-writer.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { createJobsTable } from '../../local/jobs-table.js';
import { StreamRelay } from '../../local/runner/stream-relay.js';

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);

/** Counts write calls and the write capacity DynamoDB reports for them (ReturnConsumedCapacity TOTAL). */
export class WriteCounter {
  calls = 0;
  units = 0;
  commands: string[] = [];
  reset(): void {
    this.calls = 0;
    this.units = 0;
    this.commands = [];
  }
}

export interface TestDb {
  readonly local: DynamoDbLocal;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly writes: WriteCounter;
  readonly tableName: string;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local with a fresh jobs table and a client that counts its writes. With `inlineHistory` (the
 * default, for tests of the read side), every current item the client puts is at once followed by the
 * history items the stream publisher would store for it (`changeOfWrite` and `DynamoHistoryWriter`, on a
 * client of their own, uncounted), so a test reads history right after writing; tests of the write path
 * turn it off and run the stream (`startHistoryPublisher`).
 */
export async function startTestDb(options: { inlineHistory?: boolean } = {}): Promise<TestDb> {
  const local = await startDynamoDbLocal();
  const client = new DynamoDBClient(localClientConfig(local.endpoint));
  const historyClient = new DynamoDBClient(localClientConfig(local.endpoint));
  const writes = new WriteCounter();
  const tableName = `jobs-${randomUUID().slice(0, 8)}`;
  const history = new DynamoHistoryWriter({ client: historyClient, tableName, historyRetentionDays: 90 });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const result = await next(args);
      if (options.inlineHistory !== false && command === 'PutItemCommand') {
        const input = args.input as { TableName?: string; Item?: Record<string, AttributeValue> };
        if (input.TableName === tableName && input.Item?.sk?.S === 'CURRENT') {
          for (const record of changeOfWrite(unmarshall(input.Item), undefined).toStore)
            await history.put(record);
        }
      }
      if (WRITE_COMMANDS.has(command)) {
        writes.calls += 1;
        writes.commands.push(command);
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
        for (const entry of list as { CapacityUnits?: number; WriteCapacityUnits?: number }[]) {
          writes.units += entry.WriteCapacityUnits ?? entry.CapacityUnits ?? 0;
        }
      }
      return result;
    },
    // After the document client's marshalling: the item is in wire form here.
    { step: 'build', name: 'testWriteCounter' },
  );
  try {
    await createJobsTable(client, tableName);
  } catch (error) {
    await local.stop();
    throw error;
  }
  return {
    local,
    client,
    doc: createDocumentClient(client),
    writes,
    tableName,
    async stop() {
      client.destroy();
      historyClient.destroy();
      await local.stop();
    },
  };
}

export const T0 = Date.parse('2025-03-01T10:00:00.000Z');

export function at(offsetSeconds: number): string {
  return new Date(T0 + offsetSeconds * 1000).toISOString();
}

export function jobKey(jobId: string, overrides: Partial<JobKey> = {}): JobKey {
  return {
    service: 'healthlake',
    region: 'us-east-1',
    accountId: '123456789012',
    scope: 'ds-1',
    jobId,
    ...overrides,
  };
}

export function snapshot(
  key: JobKey,
  status: JobStatus,
  rawStatus: string,
  observedAtSeconds: number,
  extra: Partial<JobSnapshot> = {},
): JobSnapshot {
  return {
    key,
    status,
    rawStatus,
    observedAt: at(observedAtSeconds),
    submittedAt: at(-60),
    detail: 'full',
    jobName: `import ${key.jobId}`,
    ...extra,
  };
}

/**
 * An item's size as DynamoDB counts it (attribute names + values, UTF-8; numbers at most 21 bytes; 3 bytes
 * per map/list plus 1 per element), an upper estimate good enough to check the 400 KB limit from afar.
 */
export function itemSizeBytes(item: Record<string, unknown>): number {
  const size = (value: unknown): number => {
    if (value === null || value === undefined || typeof value === 'boolean') return 1;
    if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
    if (typeof value === 'number') return 21;
    if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + 1 + size(element), 0);
    if (typeof value === 'object') {
      return (
        3 +
        Object.entries(value).reduce<number>(
          (sum, [name, element]) => sum + 1 + Buffer.byteLength(name, 'utf8') + size(element),
          0,
        )
      );
    }
    return 0;
  };
  return Object.entries(item).reduce<number>(
    (sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + size(value),
    0,
  );
}

/**
 * The stack's stream publisher on a test table, minus EventBridge: the table's stream relayed the way
 * Lambda's event source mapping does it (`local/runner/stream-relay.ts`) to `publishStreamBatch` with the
 * store's own `changeOfWrite` and `DynamoHistoryWriter`, and a publisher that delivers everything. Start it
 * before the writes it should see; `drain()` stores the history of everything written so far.
 */
export async function startHistoryPublisher(
  db: Pick<TestDb, 'client' | 'tableName'> & { readonly local: { readonly endpoint: string } },
  historyRetentionDays = 90,
): Promise<{ drain(): Promise<void>; stop(): Promise<void>; readonly published: HistoryRecord[] }> {
  const streams = new DynamoDBStreamsClient(localClientConfig(db.local.endpoint));
  // Its own client: the publisher's writes are not the store's, and `db.writes` counts only the store's.
  const client = new DynamoDBClient(localClientConfig(db.local.endpoint));
  const writer = new DynamoHistoryWriter({
    client,
    tableName: db.tableName,
    historyRetentionDays,
  });
  const published: HistoryRecord[] = [];
  const publisher = {
    async publish(records: readonly HistoryRecord[]) {
      published.push(...records);
      const outcomes = new Map(records.map((record) => [record.recordId, delivered(record.recordId)]));
      return { outcomes, delivered: records.length, deadLettered: 0, failed: 0, skipped: 0, calls: 1 };
    },
  };
  const relay = new StreamRelay({
    streams,
    dynamodb: db.client,
    tableName: db.tableName,
    region: 'us-east-1',
    handler: (event) =>
      publishStreamBatch(event, {
        publisher,
        decode: changeOfWrite,
        storeHistory: (record) => writer.put(record),
      }),
    context: () => ({}) as Context,
    pollMs: 50,
    // A corrupt item a test planted fails for good: give it up at once instead of holding its shard.
    maxRetries: 0,
  });
  await relay.start();
  return {
    published,
    drain: () => relay.drain(),
    async stop() {
      await relay.stop();
      streams.destroy();
      client.destroy();
    },
  };
}

function delivered(eventId: string): RecordOutcome {
  return { kind: 'delivered', eventId };
}
