import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobKey } from '../../lambdas/core/job-key.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import { createDocumentClient, localClientConfig } from '../../lambdas/store/document-client.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { createJobsTable } from '../../local/jobs-table.js';

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

/** DynamoDB Local with a fresh jobs table and a client that counts its writes. */
export async function startTestDb(): Promise<TestDb> {
  const local = await startDynamoDbLocal();
  const client = new DynamoDBClient(localClientConfig(local.endpoint));
  const writes = new WriteCounter();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const result = await next(args);
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
    { step: 'initialize', name: 'testWriteCounter' },
  );
  const tableName = `jobs-${randomUUID().slice(0, 8)}`;
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
