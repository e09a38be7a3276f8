import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localClientConfig } from '../lambdas/store/document-client.js';

/** What a poller did to DynamoDB, as DynamoDB Local reports it (`ReturnConsumedCapacity: TOTAL`). */
export interface DynamoFigures {
  writeUnits: number;
  readUnits: number;
  /** Items written (a transaction of two puts is two). */
  itemsWritten: number;
  /** Requests by operation name (PutItem, TransactWriteItems, GetItem, Query, ...). */
  readonly requests: Map<string, number>;
  /** Partition keys written, to tell changed jobs from unchanged ones. */
  readonly writtenKeys: Set<string>;
  /** Summed wall time of all calls (they may overlap). */
  busyMs: number;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

export function emptyFigures(): DynamoFigures {
  return {
    writeUnits: 0,
    readUnits: 0,
    itemsWritten: 0,
    requests: new Map(),
    writtenKeys: new Set(),
    busyMs: 0,
  };
}

/**
 * A DynamoDB client for DynamoDB Local with a middleware that asks every read and write for its consumed
 * capacity and adds it to `figures()`; `reset()` starts a new count. The store gets this client as is.
 */
export class MeteredDynamoClient {
  readonly client: DynamoDBClient;
  private current: DynamoFigures = emptyFigures();

  constructor(endpoint: string) {
    this.client = new DynamoDBClient({ ...localClientConfig(endpoint), maxAttempts: 4 });
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = context.commandName?.replace(/Command$/, '') ?? 'unknown';
        const input = args.input as Record<string, unknown>;
        if (WRITES.has(operation) || READS.has(operation)) input.ReturnConsumedCapacity = 'TOTAL';
        const started = performance.now();
        const figures = this.current;
        try {
          const result = await next(args);
          figures.requests.set(operation, (figures.requests.get(operation) ?? 0) + 1);
          const units = capacityOf((result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
          if (WRITES.has(operation)) {
            figures.writeUnits += units;
            for (const key of writtenKeys(operation, input)) {
              figures.itemsWritten += 1;
              figures.writtenKeys.add(key);
            }
          } else if (READS.has(operation)) {
            figures.readUnits += units;
          }
          return result;
        } finally {
          figures.busyMs += performance.now() - started;
        }
      },
      { step: 'initialize', name: 'benchCapacityMeter', priority: 'high' },
    );
  }

  figures(): DynamoFigures {
    return this.current;
  }

  reset(): DynamoFigures {
    const previous = this.current;
    this.current = emptyFigures();
    return previous;
  }

  destroy(): void {
    this.client.destroy();
  }
}

function capacityOf(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce(
    (sum: number, entry) => sum + Number((entry as { CapacityUnits?: number }).CapacityUnits ?? 0),
    0,
  );
}

/** The partition key of each item a write request puts (document or wire form). */
function writtenKeys(operation: string, input: Record<string, unknown>): string[] {
  const keyOf = (item: unknown): string => {
    const pk = (item as Record<string, unknown> | undefined)?.pk;
    if (typeof pk === 'string') return pk;
    const wire = (pk as { S?: string } | undefined)?.S;
    return wire ?? '?';
  };
  switch (operation) {
    case 'PutItem':
      return [keyOf(input.Item)];
    case 'UpdateItem':
    case 'DeleteItem':
      return [keyOf(input.Key)];
    case 'TransactWriteItems':
      return ((input.TransactItems as Record<string, { Item?: unknown; Key?: unknown }>[]) ?? []).flatMap(
        (entry) => {
          // A ConditionCheck writes nothing.
          const action = entry.Put ?? entry.Update ?? entry.Delete;
          return action ? [keyOf(action.Item ?? action.Key)] : [];
        },
      );
    case 'BatchWriteItem':
      return Object.values((input.RequestItems as Record<string, { PutRequest?: { Item: unknown } }[]>) ?? {})
        .flat()
        .map((request) => keyOf(request.PutRequest?.Item));
    default:
      return [];
  }
}

/**
 * The size DynamoDB bills an item at, from a plain (unmarshalled) item: each attribute's name in UTF-8
 * bytes plus its value; a string its UTF-8 bytes, a number about one byte per two significant digits
 * plus one, a boolean or null one byte, a map or list 3 bytes plus one per element plus its elements
 * (aws.amazon.com/dynamodb: "Item sizes and formats").
 */
export function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueBytes(value), 0);
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value))
      .replace(/[.-]|e.*$/g, '')
      .replace(/^0+/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, entry) => sum + 1 + valueBytes(entry), 0);
  if (typeof value === 'object' && value !== null) {
    return (
      3 +
      Object.entries(value).reduce(
        (sum: number, [name, entry]) => sum + 1 + utf8(name) + valueBytes(entry),
        0,
      )
    );
  }
  return 0;
}

function utf8(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}
