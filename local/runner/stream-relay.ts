import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  AttributeValue as LambdaAttributeValue,
} from 'aws-lambda';

/**
 * What Lambda's event source mapping does for the jobs table's stream in the stack, on this machine: read
 * the stream (DynamoDB Local's, through the DynamoDB Streams API), hand the new records to the publisher
 * handler in batches shaped exactly like Lambda's `DynamoDBStreamEvent`, and honour its partial batch
 * response: records from the first reported failure on are sent again, with back-off, up to `maxRetries`
 * times (then they are given up, as the mapping's retry limit does). Shards are read in order, a child only
 * after its parent.
 */

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamRelayOptions {
  readonly streams: Pick<DynamoDBStreamsClient, 'send'>;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  readonly region: string;
  readonly handler: StreamHandler;
  readonly context: () => Context;
  /** Records per invocation (the stack's mapping uses 100). */
  readonly batchSize?: number;
  /** Pause between reads of the stream when it had nothing new. */
  readonly pollMs?: number;
  readonly maxRetries?: number;
  /** A failure of the relay itself (reading the stream), never of the handler. */
  readonly onError?: (error: unknown) => void;
  readonly onInvoke?: (outcome: InvokeOutcome) => void;
}

export interface InvokeOutcome {
  readonly records: number;
  /** Records reported in `batchItemFailures`, or the whole batch when the handler threw. */
  readonly failed: number;
  readonly error?: string;
}

export interface RelayStats {
  records: number;
  invocations: number;
  /** Invocations that reported failures or threw. */
  failedInvocations: number;
  retries: number;
  /** Records dropped after `maxRetries`, as the mapping's on-failure destination would receive them. */
  givenUp: number;
}

interface ShardState {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  iterator: string | undefined;
  /** No more records will come: the shard is closed and read to its end. */
  exhausted: boolean;
  readonly pending: _Record[];
  attempts: number;
  retryAt: number;
}

export class StreamRelay {
  readonly stats: RelayStats = { records: 0, invocations: 0, failedInvocations: 0, retries: 0, givenUp: 0 };
  private readonly shards = new Map<string, ShardState>();
  private streamArn: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private passes = 0;

  constructor(private readonly options: StreamRelayOptions) {}

  /** Finds the table's stream and positions every open shard at its end: only new records are relayed. */
  async start(): Promise<void> {
    const table = await this.options.dynamodb.send(
      new DescribeTableCommand({ TableName: this.options.tableName }),
    );
    const arn = table.Table?.LatestStreamArn;
    if (!arn) throw new Error(`Table ${this.options.tableName} has no stream: the publisher needs one`);
    this.streamArn = arn;
    for (const shard of await this.describeShards()) {
      const state = this.track(shard);
      if (shard.SequenceNumberRange?.EndingSequenceNumber) state.exhausted = true;
      else state.iterator = await this.iterator(state.shardId, 'LATEST');
    }
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.chain.catch(() => undefined);
  }

  /** True when nothing read is waiting to be handed over (or retried). */
  get idle(): boolean {
    return [...this.shards.values()].every((shard) => shard.pending.length === 0);
  }

  /** Reads and relays until a pass finds nothing new and nothing waits for a retry. */
  async drain(maxPasses = 200): Promise<void> {
    for (let pass = 0; pass < maxPasses; pass += 1) {
      const read = await this.enqueue(() => this.pass(true));
      if (read === 0 && this.idle) return;
      if (!this.idle) await sleep(this.options.pollMs ?? 250);
    }
    throw new Error('stream relay did not drain');
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.enqueue(() => this.pass(false))
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => this.schedule());
    }, this.options.pollMs ?? 250);
  }

  /** Runs one step at a time: the background loop and `drain` never read a shard concurrently. */
  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step, step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** One pass over the shards: read what is new, then relay what is pending. Returns records read. */
  private async pass(ignoreBackoff: boolean): Promise<number> {
    this.passes += 1;
    // New shards appear when DynamoDB rolls the stream over; look for them now and then.
    if (this.passes % 8 === 0 || [...this.shards.values()].some((shard) => shard.exhausted)) {
      for (const shard of await this.describeShards()) {
        if (!this.shards.has(shard.ShardId ?? '')) this.track(shard);
      }
    }
    let read = 0;
    for (const shard of this.shards.values()) {
      if (shard.exhausted && shard.pending.length === 0) continue;
      const parent = shard.parentShardId ? this.shards.get(shard.parentShardId) : undefined;
      if (parent && !(parent.exhausted && parent.pending.length === 0)) continue;
      if (!shard.exhausted && shard.pending.length === 0) read += await this.read(shard);
      await this.relay(shard, ignoreBackoff);
    }
    return read;
  }

  private async read(shard: ShardState): Promise<number> {
    shard.iterator ??= await this.iterator(shard.shardId, 'TRIM_HORIZON');
    const page = await this.options.streams.send(
      new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }),
    );
    const records = page.Records ?? [];
    shard.pending.push(...records);
    this.stats.records += records.length;
    shard.iterator = page.NextShardIterator;
    if (!page.NextShardIterator) shard.exhausted = true;
    return records.length;
  }

  private async relay(shard: ShardState, ignoreBackoff: boolean): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    while (shard.pending.length > 0) {
      if (!ignoreBackoff && Date.now() < shard.retryAt) return;
      const batch = shard.pending.slice(0, batchSize);
      const event: DynamoDBStreamEvent = { Records: batch.map((record) => this.toLambdaRecord(record)) };
      this.stats.invocations += 1;
      let failedFrom: number | undefined;
      let outcome: InvokeOutcome;
      try {
        const response = await this.options.handler(event, this.options.context());
        const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
        const index = batch.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ''));
        if (index >= 0) failedFrom = index;
        outcome = { records: batch.length, failed: failed.size };
      } catch (error) {
        failedFrom = 0;
        outcome = { records: batch.length, failed: batch.length, error: errorText(error) };
      }
      this.options.onInvoke?.(outcome);
      if (failedFrom === undefined) {
        shard.pending.splice(0, batch.length);
        shard.attempts = 0;
        continue;
      }
      // As the mapping does: everything before the first failure is done; the rest comes back later.
      this.stats.failedInvocations += 1;
      shard.pending.splice(0, failedFrom);
      shard.attempts += 1;
      if (shard.attempts > (this.options.maxRetries ?? 10)) {
        shard.pending.splice(0, 1);
        this.stats.givenUp += 1;
        shard.attempts = 0;
        continue;
      }
      this.stats.retries += 1;
      shard.retryAt = Date.now() + Math.min(5_000, 200 * 2 ** (shard.attempts - 1));
      if (ignoreBackoff) await sleep(Math.min(1_000, shard.retryAt - Date.now()));
      else return;
    }
  }

  private toLambdaRecord(record: _Record): DynamoDBRecord {
    const data = record.dynamodb;
    return {
      ...(record.eventID !== undefined && { eventID: record.eventID }),
      ...(record.eventName !== undefined && { eventName: record.eventName }),
      eventVersion: record.eventVersion ?? '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.options.region,
      eventSourceARN: this.streamArn ?? '',
      ...(data && {
        dynamodb: {
          ...(data.ApproximateCreationDateTime && {
            ApproximateCreationDateTime: Math.floor(data.ApproximateCreationDateTime.getTime() / 1000),
          }),
          ...(data.Keys && { Keys: toLambdaImage(data.Keys) }),
          ...(data.NewImage && { NewImage: toLambdaImage(data.NewImage) }),
          ...(data.OldImage && { OldImage: toLambdaImage(data.OldImage) }),
          ...(data.SequenceNumber !== undefined && { SequenceNumber: data.SequenceNumber }),
          ...(data.SizeBytes !== undefined && { SizeBytes: data.SizeBytes }),
          ...(data.StreamViewType !== undefined && { StreamViewType: data.StreamViewType }),
        },
      }),
    };
  }

  private track(shard: Shard): ShardState {
    const state: ShardState = {
      shardId: shard.ShardId ?? '',
      parentShardId: shard.ParentShardId,
      iterator: undefined,
      exhausted: false,
      pending: [],
      attempts: 0,
      retryAt: 0,
    };
    this.shards.set(state.shardId, state);
    return state;
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const page = await this.options.streams.send(
        new DescribeStreamCommand({
          StreamArn: this.streamArn,
          ...(start && { ExclusiveStartShardId: start }),
        }),
      );
      shards.push(...(page.StreamDescription?.Shards ?? []));
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  private async iterator(shardId: string, type: 'LATEST' | 'TRIM_HORIZON'): Promise<string | undefined> {
    const response = await this.options.streams.send(
      new GetShardIteratorCommand({ StreamArn: this.streamArn, ShardId: shardId, ShardIteratorType: type }),
    );
    return response.ShardIterator;
  }
}

/** An SDK attribute value in the JSON shape Lambda delivers (binary as base64 text). */
export function toLambdaValue(value: AttributeValue): LambdaAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  throw new Error(`Unknown attribute value type: ${Object.keys(value).join(', ')}`);
}

function toLambdaImage(image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
