import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue as StreamAttributeValue,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  AttributeValue as LambdaAttributeValue,
} from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoredJob } from '../../lambdas/core/ports.js';
import type { DeadLetter, DeadLetterSink } from '../../lambdas/events/publisher.js';
import { EventBridgePublisher } from '../../lambdas/events/publisher.js';
import { publishStreamBatch } from '../../lambdas/events/stream-publisher.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { changeOfWrite, DynamoHistoryWriter } from '../../lambdas/store/history-writer.js';
import { jobPartitionKey } from '../../lambdas/store/item-codec.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { FakeEventBridge } from '../../local/fakes/eventbridge.js';
import { createJobsTable } from '../../local/jobs-table.js';
import { KEYS, snapshot } from './fixtures.js';
import { schemaErrors } from './schema-validator.js';
import { eventBridgeClient, eventIdOf, lambdaContext, TEST_REGION } from './support.js';

/**
 * The outbox end to end: the real store writes the current item to DynamoDB Local, nothing publishes at
 * write time (the poller "dies"), and the table's stream, read with the real Streams API and handed to the
 * real handler as Lambda would, still gets every history item written (once) and every event out.
 */

type Handler = (
  event: DynamoDBStreamEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<DynamoDBBatchResponse>;

const ENV = {
  JOBS_EVENT_BUS_NAME: 'jobs',
  // Never reached in these tests: nothing fails for good on the handler's path.
  JOBS_DLQ_URL: 'http://127.0.0.1:9/000000000000/unused-dlq',
  JOBS_SDK_MAX_ATTEMPTS: '1',
};

describe('history records as the outbox, on DynamoDB Local streams', () => {
  let ddbLocal: DynamoDbLocal;
  let fake: FakeEventBridge;
  let client: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  let handler: Handler;
  let tableName: string;
  let tables = 0;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    [ddbLocal, fake] = await Promise.all([startDynamoDbLocal(), Promise.resolve(new FakeEventBridge())]);
    await fake.start();
    client = new DynamoDBClient({ endpoint: ddbLocal.endpoint, region: TEST_REGION });
    streams = new DynamoDBStreamsClient({ endpoint: ddbLocal.endpoint, region: TEST_REGION });
    // The handler reads its settings once, at load: set them, then load it.
    Object.assign(process.env, ENV, {
      AWS_ENDPOINT_URL_EVENTBRIDGE: fake.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: ddbLocal.endpoint,
      AWS_REGION: TEST_REGION,
    });
    ({ handler } = await import('../../lambdas/handlers/publisher.js'));
  });

  afterAll(async () => {
    process.env = savedEnv;
    client?.destroy();
    streams?.destroy();
    await fake?.stop();
    await ddbLocal?.stop();
  });

  beforeEach(async () => {
    fake.reset();
    tables += 1;
    tableName = `jobs-outbox-${tables}`;
    await createJobsTable(client, tableName);
  });

  const store = (now = new Date('2025-03-01T10:15:00.000Z')) =>
    new DynamoJobStateStore({ client, settings: { tableName }, now: () => now });

  /** Records a first sighting (QUEUED) and then RUNNING, as a poller would; returns both results. */
  async function recordTwoTransitions() {
    const key = KEYS.healthlake;
    const first = await store().record(undefined, snapshot(key, 'QUEUED', 'SUBMITTED'));
    const queued = await store().get(key);
    const second = await store().record(
      queued,
      snapshot(key, 'RUNNING', 'IN_PROGRESS', { observedAt: '2025-03-01T10:12:00.000Z' }),
    );
    if (first.kind !== 'transition' || second.kind !== 'transition')
      throw new Error('expected two transitions');
    return [first.record, second.record] as const;
  }

  it('a poller that dies after its write still gets its history and events out, exactly once per record', async () => {
    // Prepare: the write happens, then the poller dies: nothing is published at write time.
    const [queued, running] = await recordTwoTransitions();
    expect(fake.accepted).toHaveLength(0);
    expect(await historySortKeys()).toEqual([]);

    // Act: the stream delivers the current item's two writes to the publisher, twice (a retried batch).
    const event = await readStream(tableName);
    const response = await handler(event, lambdaContext());
    const accepted = [...fake.accepted];
    await handler(event, lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(event.Records).toHaveLength(2);
    expect(await historySortKeys()).toEqual(['H#0000000001', 'H#0000000002']);
    expect(accepted.map((item) => eventIdOf(item.entry))).toEqual([queued.recordId, running.recordId]);
    for (const { entry } of accepted) {
      expect(entry.EventBusName).toBe('jobs');
      expect(schemaErrors(entry.DetailType ?? '', JSON.parse(entry.Detail ?? '{}'))).toBe('');
    }
    const details = fake.acceptedDetails<{ previousStatus?: string; status: string; version: number }>();
    expect(
      details.slice(0, 2).map(({ previousStatus, status, version }) => ({ previousStatus, status, version })),
    ).toEqual([
      { previousStatus: undefined, status: 'QUEUED', version: 1 },
      { previousStatus: 'QUEUED', status: 'RUNNING', version: 2 },
    ]);
  });

  it('a re-delivered stream batch sends duplicates that carry the same transition ids', async () => {
    // Prepare
    const [queued, running] = await recordTwoTransitions();
    const event = await readStream(tableName);

    // Act: Lambda retries the same batch (after a timeout, say).
    await handler(event, lambdaContext());
    await handler(event, lambdaContext());

    // Assess
    const ids = fake.accepted.map((accepted) => eventIdOf(accepted.entry));
    expect(ids).toEqual([queued.recordId, running.recordId, queued.recordId, running.recordId]);
    expect(await historySortKeys()).toEqual(['H#0000000001', 'H#0000000002']);
    const [first, , again] = fake.accepted;
    expect(again?.entry.Detail).toBe(first?.entry.Detail);
    expect(again?.eventId).not.toBe(first?.eventId);
  });

  it('publishes a stall recorded by the store as Job Stalled', async () => {
    // Prepare
    await recordTwoTransitions();
    const running = (await store().get(KEYS.healthlake)) as StoredJob;
    const stall = await store().recordStall(running, new Date('2025-03-01T12:30:00.000Z'));
    if (!stall) throw new Error('expected a stall record');

    // Act
    const response = await handler(await readStream(tableName), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const last = fake.accepted.at(-1)?.entry;
    expect(last?.DetailType).toBe('Job Stalled');
    expect(last && eventIdOf(last)).toBe(stall.recordId);
    expect(schemaErrors('Job Stalled', JSON.parse(last?.Detail ?? '{}'))).toBe('');
  });

  it('partial PutEvents failures are retried within the invocation and end delivered', async () => {
    // Prepare: the first sighting's entry is throttled twice.
    const [queued, running] = await recordTwoTransitions();
    fake.failMatching((entry) => eventIdOf(entry) === queued.recordId, 'ThrottlingException', 2);

    // Act
    const response = await relay(await readStream(tableName), new MemorySink());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(fake.putEventsCalls.map((call) => call.map(eventIdOf))).toEqual([
      [queued.recordId, running.recordId],
      [queued.recordId],
      [queued.recordId],
    ]);
    expect(new Set(fake.accepted.map((accepted) => eventIdOf(accepted.entry)))).toEqual(
      new Set([queued.recordId, running.recordId]),
    );
  });

  it('a permanent failure reaches the dead-letter path, and the stream batch succeeds', async () => {
    // Prepare
    const [queued, running] = await recordTwoTransitions();
    fake.failMatching((entry) => eventIdOf(entry) === running.recordId, 'AccessDeniedException');
    const sink = new MemorySink();

    // Act
    const response = await relay(await readStream(tableName), sink);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(fake.accepted.map((accepted) => eventIdOf(accepted.entry))).toEqual([queued.recordId]);
    expect(sink.letters.map((letter) => [letter.recordId, letter.errorCode])).toEqual([
      [running.recordId, 'AccessDeniedException'],
    ]);
  });

  it('returns the stream records it could neither deliver nor dead-letter as batch item failures', async () => {
    // Prepare: every entry fails for good and the dead-letter queue is down.
    await recordTwoTransitions();
    fake.failMatching(() => true, 'AccessDeniedException');
    const event = await readStream(tableName);

    // Act
    const response = await relay(event, new MemorySink({ broken: true }));

    // Assess: exactly the two writes that made records, by sequence number.
    const historySequences = event.Records.filter(
      (record) => record.dynamodb?.NewImage?.sk?.S === 'CURRENT',
    ).map((record) => record.dynamodb?.SequenceNumber);
    expect(historySequences).toHaveLength(2);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(historySequences);
  });

  it('fails an undecodable current item instead of dropping it, and still publishes the rest', async () => {
    // Prepare: a good transition, then a current item with no snapshot.
    const [queued, running] = await recordTwoTransitions();
    const documents = DynamoDBDocumentClient.from(client);
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: 'JOB#broken',
          sk: 'CURRENT',
          jobKey: 'healthlake/x/y/z/broken',
          version: 1,
        },
      }),
    );
    const event = await readStream(tableName);

    // Act
    const response = await handler(event, lambdaContext());

    // Assess
    const broken = event.Records.find((record) => record.dynamodb?.Keys?.pk?.S === 'JOB#broken');
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: broken?.dynamodb?.SequenceNumber }]);
    expect(fake.accepted.map((accepted) => eventIdOf(accepted.entry))).toEqual([
      queued.recordId,
      running.recordId,
    ]);
  });

  /** The stream publisher with a chosen dead-letter sink (the handler's own sink is SQS). */
  function relay(event: DynamoDBStreamEvent, sink: DeadLetterSink): Promise<DynamoDBBatchResponse> {
    const publisher = new EventBridgePublisher({
      client: eventBridgeClient(fake.endpoint),
      busName: 'jobs',
      deadLetters: sink,
      maxAttempts: 3,
      sleep: async () => {},
    });
    const history = new DynamoHistoryWriter({ client, tableName, historyRetentionDays: 90 });
    return publishStreamBatch(event, {
      publisher,
      decode: changeOfWrite,
      storeHistory: (record) => history.put(record),
    });
  }

  /** The sort keys of the history items of the test job. */
  async function historySortKeys(): Promise<string[]> {
    const documents = DynamoDBDocumentClient.from(client);
    const { Items } = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
        ExpressionAttributeValues: { ':pk': jobPartitionKey(KEYS.healthlake), ':h': 'H#' },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => String(item.sk));
  }

  /** Everything in the table's stream so far, as the Lambda event Lambda would build from it. */
  async function readStream(table: string): Promise<DynamoDBStreamEvent> {
    const described = await client.send(new DescribeTableCommand({ TableName: table }));
    const streamArn = described.Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`no stream on ${table}`);
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const records: DynamoDBRecord[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      let iterator = ShardIterator;
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        const got = page.Records ?? [];
        records.push(...got.map((record) => toLambdaRecord(record, streamArn)));
        if (got.length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return { Records: records };
  }
});

class MemorySink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  constructor(private readonly options: { broken?: boolean } = {}) {}

  async send(letters: readonly DeadLetter[]): Promise<{ failed: readonly DeadLetter[] }> {
    if (this.options.broken) throw new Error('dead-letter queue unavailable');
    this.letters.push(...letters);
    return { failed: [] };
  }
}

/** A Streams API record in the shape Lambda passes it: dates as epoch seconds, binary as base64. */
function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const image = (value: Record<string, StreamAttributeValue> | undefined) =>
    value &&
    Object.fromEntries(Object.entries(value).map(([name, attribute]) => [name, toLambdaValue(attribute)]));
  const data = record.dynamodb ?? {};
  const newImage = image(data.NewImage);
  const oldImage = image(data.OldImage);
  const keys = image(data.Keys);
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(data.ApproximateCreationDateTime && {
        ApproximateCreationDateTime: data.ApproximateCreationDateTime.getTime() / 1000,
      }),
      ...(keys && { Keys: keys }),
      ...(newImage && { NewImage: newImage }),
      ...(oldImage && { OldImage: oldImage }),
      SequenceNumber: data.SequenceNumber,
      SizeBytes: data.SizeBytes,
      StreamViewType: data.StreamViewType,
    },
  };
}

function toLambdaValue(value: StreamAttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) {
    return {
      M: Object.fromEntries(Object.entries(value.M).map(([name, inner]) => [name, toLambdaValue(inner)])),
    };
  }
  return value as LambdaAttributeValue;
}
