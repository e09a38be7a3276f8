import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryRecord, TransitionRecord } from '../../lambdas/core/history.js';
import { DetailType } from '../../lambdas/events/contract.js';
import {
  type DeadLetter,
  type DeadLetterSink,
  EventBridgePublisher,
  type EventBridgePublisherOptions,
  entryFromDeadLetter,
  SqsDeadLetterSink,
} from '../../lambdas/events/publisher.js';
import { FakeEventBridge } from '../../local/fakes/eventbridge.js';
import { type MotoServer, startMotoServer } from '../../local/moto-server.js';
import { jobKey, pair, progress, stall, transition } from './fixtures.js';
import { schemaErrors } from './schema-validator.js';
import { createQueue, drainQueue, eventBridgeClient, eventIdOf, TEST_REGION } from './support.js';

const BUS = 'jobs';

/** `count` finished HealthLake jobs, one transition each. */
function transitions(count: number): TransitionRecord[] {
  return Array.from({ length: count }, (_, i) =>
    transition(
      jobKey('healthlake', `job-${i}`),
      pair('RUNNING', 'IN_PROGRESS'),
      pair('SUCCEEDED', 'COMPLETED'),
      2,
    ),
  );
}

describe('EventBridgePublisher against a PutEvents fake', () => {
  let fake: FakeEventBridge;
  let moto: MotoServer;
  let sqs: SQSClient;
  let dlqUrl: string;
  let delays: number[];

  beforeAll(async () => {
    fake = new FakeEventBridge();
    await fake.start();
    moto = await startMotoServer();
    sqs = new SQSClient({ endpoint: moto.endpoint, region: TEST_REGION });
  });

  afterAll(async () => {
    sqs?.destroy();
    await fake?.stop();
    await moto?.stop();
  });

  beforeEach(async () => {
    fake.reset();
    delays = [];
    dlqUrl = await createQueue(sqs, 'dlq');
  });

  function publisher(options: Partial<EventBridgePublisherOptions> = {}): EventBridgePublisher {
    return new EventBridgePublisher({
      client: eventBridgeClient(fake.endpoint),
      busName: BUS,
      deadLetters: new SqsDeadLetterSink({ client: sqs, queueUrl: dlqUrl }),
      maxAttempts: 4,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
      ...options,
    });
  }

  it('sends 25 records in 3 calls of at most 10 entries, every event valid against its schema', async () => {
    // Prepare
    const records = transitions(25);

    // Act
    const result = await publisher().publish(records);

    // Assess
    expect(result).toMatchObject({ delivered: 25, deadLettered: 0, failed: 0 });
    expect(fake.putEventsCalls.map((call) => call.length)).toEqual([10, 10, 5]);
    expect(fake.accepted.map((event) => eventIdOf(event.entry))).toEqual(records.map((r) => r.recordId));
    for (const { entry } of fake.accepted) {
      expect(entry.Source).toBe('job-status-aggregator');
      expect(entry.EventBusName).toBe(BUS);
      expect(schemaErrors(entry.DetailType ?? '', JSON.parse(entry.Detail ?? '{}'))).toBe('');
    }
    expect(await drainQueue(sqs, dlqUrl)).toEqual([]);
  });

  it('keeps each call under 256 KB of entries, not just under 10 entries', async () => {
    // Prepare: five events of about 100 KB each (50 counters with 2 KB names).
    const big = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}`.padStart(2_000, 'c'), i]));
    const records = Array.from({ length: 5 }, (_, i) =>
      transition(
        jobKey('entityresolution', `job-${i}`),
        pair('RUNNING', 'RUNNING'),
        pair('SUCCEEDED', 'SUCCEEDED'),
        2,
        {
          metrics: big,
        },
      ),
    );

    // Act
    const result = await publisher().publish(records);

    // Assess: the fake rejects a call over 256 KB as a whole, so success proves the split.
    expect(result.delivered).toBe(5);
    expect(fake.putEventsCalls.map((call) => call.length)).toEqual([2, 2, 1]);
  });

  it('resends only the entries that failed with a retryable code, until they are delivered', async () => {
    // Prepare: three of ten entries are throttled twice, one fails once with InternalFailure.
    const records = transitions(10);
    const throttled = new Set([records[1], records[4], records[8]].map((r) => r?.recordId));
    const internal = records[6]?.recordId;
    fake.failMatching((entry) => throttled.has(eventIdOf(entry)), 'ThrottlingException', 2);
    fake.failMatching((entry) => eventIdOf(entry) === internal, 'InternalFailure', 1);

    // Act
    const report = await publisher().publish(records);

    // Assess
    expect(report.delivered).toBe(10);
    expect(report.deadLettered).toBe(0);
    const sent = fake.putEventsCalls.map((call) => call.map(eventIdOf));
    expect(sent[0]).toHaveLength(10);
    expect(new Set(sent[1])).toEqual(new Set([...throttled, internal]));
    expect(new Set(sent[2])).toEqual(throttled);
    expect(sent).toHaveLength(3);
    // Each record delivered exactly once, with its own event id.
    expect(fake.accepted.map((event) => eventIdOf(event.entry)).sort()).toEqual(
      records.map((r) => r.recordId).sort(),
    );
    // Full jitter: half of 200 ms, then half of 400 ms.
    expect(delays).toEqual([100, 200]);
  });

  it('retries a call that failed as a whole with throttling', async () => {
    const records = transitions(3);
    fake.inject('PutEvents', 'throttle', 1);

    const result = await publisher().publish(records);

    expect(result).toMatchObject({ delivered: 3, deadLettered: 0, failed: 0 });
    expect(fake.callsOf('PutEvents').map((call) => call.status)).toEqual([429, 200]);
  });

  it.each(['MalformedDetail', 'AccessDeniedException'])(
    'dead-letters an entry failing with %s at once, with what a replay needs',
    async (code) => {
      // Prepare
      const records = transitions(4);
      const doomed = records[2];
      if (!doomed) throw new Error('fixture');
      fake.failMatching((entry) => eventIdOf(entry) === doomed.recordId, code);

      // Act
      const report = await publisher().publish(records);

      // Assess
      expect(report.delivered).toBe(3);
      expect(report.deadLettered).toBe(1);
      expect(report.outcomes.get(doomed.recordId)).toEqual({ kind: 'dead-lettered', errorCode: code });
      expect(fake.putEventsCalls).toHaveLength(1);
      const letters = await drainQueue<DeadLetter>(sqs, dlqUrl);
      expect(letters).toHaveLength(1);
      const [letter] = letters;
      expect(letter).toMatchObject({
        kind: 'job-status-aggregator.dead-letter',
        recordId: doomed.recordId,
        jobKey: 'healthlake/us-east-1/123456789012/a1b2c3d4e5f60718293a4b5c6d7e8f90/job-2',
        detailType: DetailType.STATUS_CHANGED,
        errorCode: code,
        attempts: 1,
        entry: { Source: 'job-status-aggregator', DetailType: 'Job Status Changed', EventBusName: BUS },
      });
      expect(letter?.entry.Time).toBe(doomed.recordedAt);
      expect(schemaErrors(DetailType.STATUS_CHANGED, JSON.parse(letter?.entry.Detail ?? '{}'))).toBe('');
    },
  );

  it('dead-letters an entry still failing with a retryable code after the last attempt', async () => {
    // Prepare
    const records = transitions(3);
    const doomed = records[0];
    if (!doomed) throw new Error('fixture');
    fake.failMatching((entry) => eventIdOf(entry) === doomed.recordId, 'ThrottlingException');

    // Act
    const result = await publisher({ maxAttempts: 3 }).publish(records);

    // Assess
    expect(result).toMatchObject({ delivered: 2, deadLettered: 1, failed: 0 });
    expect(fake.putEventsCalls.map((call) => call.length)).toEqual([3, 1, 1]);
    const [letter] = await drainQueue<DeadLetter>(sqs, dlqUrl);
    expect(letter).toMatchObject({
      recordId: doomed.recordId,
      errorCode: 'ThrottlingException',
      attempts: 3,
    });

    // A replay of the stored entry delivers the same event, same transition id.
    fake.clearFailures();
    const replayed = await eventBridgeClient(fake.endpoint).send(
      new PutEventsCommand({ Entries: [entryFromDeadLetter(letter ?? ({} as DeadLetter))] }),
    );
    expect(replayed.FailedEntryCount).toBe(0);
    const delivered = fake.accepted.at(-1)?.entry;
    expect(delivered && eventIdOf(delivered)).toBe(doomed.recordId);
    expect(delivered?.Time).toBe(Date.parse(doomed.recordedAt) / 1000);
  });

  it('dead-letters an entry too large even after shrinking, without sending it', async () => {
    const [record] = transitions(1);
    if (!record) throw new Error('fixture');
    // A job name is never cut (ids and names are the event's identity), so this one cannot fit.
    const huge: HistoryRecord = { ...record, snapshot: { ...record.snapshot, jobName: 'n'.repeat(300_000) } };

    const report = await publisher().publish([huge]);

    expect(report.outcomes.get(record.recordId)).toEqual({
      kind: 'dead-lettered',
      errorCode: 'EntryTooLarge',
    });
    expect(fake.putEventsCalls).toHaveLength(0);
    const [letter] = await drainQueue<DeadLetter>(sqs, dlqUrl);
    expect(letter).toMatchObject({ recordId: record.recordId, errorCode: 'EntryTooLarge', attempts: 0 });
  });

  it('publishes transitions and stalls, skips progress records, and sends a repeated record once', async () => {
    const [first, second] = transitions(2);
    if (!first || !second) throw new Error('fixture');
    const stalled = stall(jobKey('healthomics'), 6);

    const report = await publisher().publish([
      first,
      progress(jobKey('healthlake'), 3),
      stalled,
      first,
      second,
    ]);

    expect(report).toMatchObject({ delivered: 3, deadLettered: 0, failed: 0, skipped: 1, calls: 1 });
    expect(fake.accepted.map((event) => event.entry.DetailType)).toEqual([
      'Job Status Changed',
      'Job Stalled',
      'Job Status Changed',
    ]);
  });

  it('reports records it could neither deliver nor dead-letter as failed, for the caller to retry', async () => {
    // Prepare: every entry fails for good, and the dead-letter queue is unreachable.
    const records = transitions(2);
    fake.failMatching(() => true, 'AccessDeniedException');
    const brokenSink: DeadLetterSink = {
      send: async () => {
        throw new Error('SQS is down');
      },
    };

    // Act
    const report = await publisher({ deadLetters: brokenSink }).publish(records);

    // Assess
    expect(report.failed).toBe(2);
    expect([...report.outcomes.values()]).toEqual([
      { kind: 'failed', errorCode: 'AccessDeniedException' },
      { kind: 'failed', errorCode: 'AccessDeniedException' },
    ]);
    expect([...report.outcomes.keys()]).toEqual(records.map((r) => r.recordId));
  });
});
