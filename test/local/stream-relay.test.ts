import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../local/runner/lambda-context.js';
import { StreamRelay, toLambdaValue } from '../../local/runner/stream-relay.js';

/**
 * The relay's event source mapping semantics against a scripted DynamoDB Streams API: the records it reads,
 * the event shape it builds, and what it resends after a partial batch response or a handler error.
 */

function record(sequence: number, shard = 'shard-1'): _Record & { shard: string } {
  return {
    shard,
    eventID: `e${sequence}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: new Date('2025-03-01T10:00:00Z'),
      Keys: { pk: { S: `JOB#${sequence}` }, sk: { S: 'H#1' } },
      NewImage: { pk: { S: `JOB#${sequence}` }, n: { N: String(sequence) } },
      SequenceNumber: String(1000 + sequence),
      SizeBytes: 42,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

/** A stream whose shards hand out their records once, from a LATEST position taken at `start`. */
function scriptedStream(shards: { id: string; parent?: string; closed?: boolean }[]) {
  const pending = new Map<string, _Record[]>(shards.map((shard) => [shard.id, []]));
  const streams = {
    async send(command: object): Promise<unknown> {
      const name = command.constructor.name;
      const input = (command as { input: Record<string, string> }).input;
      if (name === 'DescribeStreamCommand') {
        return {
          StreamDescription: {
            Shards: shards.map((shard) => ({
              ShardId: shard.id,
              ...(shard.parent && { ParentShardId: shard.parent }),
              SequenceNumberRange: {
                StartingSequenceNumber: '1',
                ...(shard.closed && { EndingSequenceNumber: '9999' }),
              },
            })),
          },
        };
      }
      if (name === 'GetShardIteratorCommand') return { ShardIterator: `it:${input.ShardId}` };
      if (name === 'GetRecordsCommand') {
        const shardId = String(input.ShardIterator).slice(3);
        const records = pending.get(shardId) ?? [];
        pending.set(shardId, []);
        const shard = shards.find((candidate) => candidate.id === shardId);
        return {
          Records: records,
          ...(!(shard?.closed && records.length === 0) && { NextShardIterator: `it:${shardId}` }),
        };
      }
      throw new Error(`unexpected ${name}`);
    },
  };
  const dynamodb = {
    async send() {
      return { Table: { LatestStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/jobs/stream/1' } };
    },
  };
  return {
    streams,
    dynamodb,
    push(...records: (_Record & { shard: string })[]) {
      for (const { shard, ...rest } of records) pending.get(shard)?.push(rest);
    },
    close(id: string) {
      const shard = shards.find((candidate) => candidate.id === id);
      if (shard) shard.closed = true;
    },
  };
}

type Invocation = DynamoDBStreamEvent['Records'];

function relayWith(
  stream: ReturnType<typeof scriptedStream>,
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
  maxRetries = 10,
) {
  const context = (): Context =>
    lambdaContext({
      functionName: 'publisher',
      region: 'us-east-1',
      accountId: '123456789012',
      timeoutMs: 60_000,
    });
  return new StreamRelay({
    streams: stream.streams as never,
    dynamodb: stream.dynamodb as never,
    tableName: 'jobs',
    region: 'us-east-1',
    handler,
    context,
    pollMs: 5,
    maxRetries,
  });
}

let relay: StreamRelay | undefined;

afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

describe('the stream relay (the event source mapping, locally)', () => {
  it("hands new records over in Lambda's DynamoDBStreamEvent shape", async () => {
    // Prepare
    const stream = scriptedStream([{ id: 'shard-1' }]);
    const seen: Invocation[] = [];
    relay = relayWith(stream, async (event) => {
      seen.push(event.Records);
      return { batchItemFailures: [] };
    });
    await relay.start();

    // Act
    stream.push(record(1), record(2));
    await relay.drain();

    // Assess
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[0]).toEqual({
      eventID: 'e1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/jobs/stream/1',
      dynamodb: {
        ApproximateCreationDateTime: 1740823200,
        Keys: { pk: { S: 'JOB#1' }, sk: { S: 'H#1' } },
        NewImage: { pk: { S: 'JOB#1' }, n: { N: '1' } },
        SequenceNumber: '1001',
        SizeBytes: 42,
        StreamViewType: 'NEW_IMAGE',
      },
    });
  });

  it('resends from the first record a partial batch response names, and only those', async () => {
    // Prepare
    const stream = scriptedStream([{ id: 'shard-1' }]);
    const batches: string[][] = [];
    let failOnce = true;
    relay = relayWith(stream, async (event) => {
      batches.push(event.Records.map((item) => item.eventID ?? ''));
      if (failOnce) {
        failOnce = false;
        return { batchItemFailures: [{ itemIdentifier: '1002' }] };
      }
      return { batchItemFailures: [] };
    });
    await relay.start();

    // Act
    stream.push(record(1), record(2), record(3));
    await relay.drain();

    // Assess
    expect(batches).toEqual([
      ['e1', 'e2', 'e3'],
      ['e2', 'e3'],
    ]);
    expect(relay.stats).toMatchObject({
      records: 3,
      invocations: 2,
      failedInvocations: 1,
      retries: 1,
      givenUp: 0,
    });
  });

  it('retries a whole batch when the handler throws, and gives a record up after the retry limit', async () => {
    // Prepare
    const stream = scriptedStream([{ id: 'shard-1' }]);
    const delivered: string[] = [];
    relay = relayWith(
      stream,
      async (event) => {
        if (event.Records[0]?.eventID === 'e1') throw new Error('poison');
        delivered.push(...event.Records.map((item) => item.eventID ?? ''));
        return { batchItemFailures: [] };
      },
      2,
    );
    await relay.start();

    // Act
    stream.push(record(1), record(2));
    await relay.drain();

    // Assess: three attempts at the batch, then e1 is given up and e2 goes on.
    expect(relay.stats).toMatchObject({ invocations: 4, failedInvocations: 3, givenUp: 1 });
    expect(delivered).toEqual(['e2']);
  });

  it('reads a child shard only after its parent is read to its end', async () => {
    // Prepare
    const stream = scriptedStream([{ id: 'shard-1' }, { id: 'shard-2', parent: 'shard-1' }]);
    const order: string[] = [];
    relay = relayWith(stream, async (event) => {
      order.push(...event.Records.map((item) => item.eventID ?? ''));
      return { batchItemFailures: [] };
    });
    await relay.start();

    // Act
    stream.push(record(5, 'shard-2'), record(1, 'shard-1'));
    await relay.drain();
    const beforeClose = [...order];
    stream.close('shard-1');
    await relay.drain();

    // Assess
    expect(beforeClose).toEqual(['e1']);
    expect(order).toEqual(['e1', 'e5']);
  });

  it('turns every attribute type into the JSON Lambda delivers', () => {
    expect(
      toLambdaValue({
        M: {
          b: { B: new Uint8Array([1, 2, 255]) },
          l: { L: [{ NULL: true }, { BOOL: false }, { NS: ['1', '2'] }, { SS: ['a'] }] },
          bs: { BS: [new Uint8Array([0])] },
        },
      }),
    ).toEqual({
      M: {
        b: { B: 'AQL/' },
        l: { L: [{ NULL: true }, { BOOL: false }, { NS: ['1', '2'] }, { SS: ['a'] }] },
        bs: { BS: ['AA=='] },
      },
    });
  });
});
