import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { toEventEntry } from '../../lambdas/events/contract.js';
import { type DeadLetter, EventBridgePublisher, SqsDeadLetterSink } from '../../lambdas/events/publisher.js';
import { type MotoServer, startMotoServer } from '../../local/moto-server.js';
import { KEYS, pair, stall, transition } from '../events/fixtures.js';
import { schemaErrors } from '../events/schema-validator.js';
import { createQueue, drainQueue, TEST_REGION } from '../events/support.js';
import { type CliRun, runCli } from '../support/cli-run.js';

/** Redrive against moto's SQS (the dead-letter queue) and EventBridge (a bus with a rule to a queue). */

const BUS = 'redrive-jobs';
let moto: MotoServer;
let events: EventBridgeClient;
let sqs: SQSClient;
let dlqUrl: string;
let targetUrl: string;

const failed = transition(KEYS.healthlake, pair('RUNNING', 'IN_PROGRESS'), pair('FAILED', 'FAILED'), 4);
const started = transition(KEYS.entityresolution, pair('QUEUED', 'QUEUED'), pair('RUNNING', 'RUNNING'), 2);
const stalled = stall(KEYS.healthomics, 3);
const records = [failed, started, stalled];

/** Lambda's on-failure record of a stream batch, as the stream mapping writes it to the same queue. */
const STREAM_BATCH = {
  requestContext: { requestId: 'c9b8', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
  version: '1.0',
  timestamp: '2025-03-01T11:00:00.000Z',
  DDBStreamBatchInfo: {
    shardId: 'shardId-00000001',
    startSequenceNumber: '100',
    endSequenceNumber: '140',
    approximateArrivalOfFirstRecord: '2025-03-01T10:40:00Z',
    approximateArrivalOfLastRecord: '2025-03-01T10:45:00Z',
    batchSize: 3,
    streamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/jobs/stream/2025-03-01T00:00:00.000',
  },
};

beforeAll(async () => {
  moto = await startMotoServer();
  events = new EventBridgeClient({ endpoint: moto.endpoint, region: TEST_REGION, maxAttempts: 1 });
  sqs = new SQSClient({ endpoint: moto.endpoint, region: TEST_REGION });
  dlqUrl = await createQueue(sqs, 'dlq');
  targetUrl = await createQueue(sqs, 'subscriber');

  // The outage: the bus does not exist yet, so the real publisher dead-letters every event to the queue.
  const publisher = new EventBridgePublisher({
    client: events,
    busName: BUS,
    deadLetters: new SqsDeadLetterSink({ client: sqs, queueUrl: dlqUrl }),
    sleep: async () => undefined,
  });
  expect(await publisher.publish(records)).toMatchObject({ deadLettered: 3, delivered: 0 });
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify(STREAM_BATCH) }));
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'not json' }));

  // The fix: the bus is back, with a subscriber's rule.
  await events.send(new CreateEventBusCommand({ Name: BUS }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: targetUrl, AttributeNames: ['QueueArn'] }),
  );
  const rule = { Name: 'all', EventBusName: BUS };
  await events.send(
    new PutRuleCommand({ ...rule, EventPattern: JSON.stringify({ source: ['job-status-aggregator'] }) }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'all',
      EventBusName: BUS,
      Targets: [{ Id: 'q', Arn: Attributes?.QueueArn }],
    }),
  );
}, 120_000);

afterAll(async () => {
  events?.destroy();
  sqs?.destroy();
  await moto?.stop();
});

async function cli(...argv: string[]): Promise<CliRun> {
  return runCli([...argv, '--endpoint-url', moto.endpoint], {
    env: { JOBS_DLQ_URL: dlqUrl, AWS_ENDPOINT_URL_EVENTBRIDGE: moto.endpoint },
  });
}

async function messagesIn(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

interface Delivered {
  readonly 'detail-type': string;
  readonly detail: { transitionId?: string; stallId?: string };
}

describe('job-status redrive', () => {
  it('--dry-run reads every message, says what it would send, and leaves the queue as it was', async () => {
    const result = await cli('redrive', '--dry-run', '--output', 'json');

    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out);
    expect(summary).toMatchObject({ DryRun: true, QueueUrl: dlqUrl, Received: 5, Redriven: 0, Failed: 0 });
    const outcomes = summary.Items.map(
      (item: { kind: string; outcome: string }) => `${item.kind}:${item.outcome}`,
    );
    expect(outcomes.sort()).toEqual([
      'dead-letter:would-redrive',
      'dead-letter:would-redrive',
      'dead-letter:would-redrive',
      'stream-batch:kept',
      'unreadable:kept',
    ]);
    expect(await messagesIn(dlqUrl)).toBe(5);
    expect(await drainQueue(sqs, targetUrl)).toEqual([]);
  });

  it('sends each dead letter to the bus as it was first sent, and deletes only those', async () => {
    // Act
    const result = await cli('redrive', '--output', 'json');

    // Assess
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out);
    expect(summary).toMatchObject({ DryRun: false, Received: 5, Redriven: 3, Failed: 0, Kept: 2 });
    const delivered = await drainQueue<Delivered>(sqs, targetUrl);
    expect(delivered.map((event) => event.detail.transitionId ?? event.detail.stallId).sort()).toEqual(
      records.map((record) => record.recordId).sort(),
    );
    for (const event of delivered) {
      const record = records.find((r) => r.recordId === (event.detail.transitionId ?? event.detail.stallId));
      if (!record) throw new Error('unexpected event');
      expect(event.detail).toEqual(JSON.parse(toEventEntry(record, BUS).Detail));
      expect(schemaErrors(event['detail-type'], event.detail)).toBe('');
    }
    // What is not a dead letter stays, visible again at once, with the way to recover a stream batch.
    expect(await messagesIn(dlqUrl)).toBe(2);
    const batch = summary.Items.find((item: { kind: string }) => item.kind === 'stream-batch');
    expect(batch.replay).toBe(
      'job-status replay --since 2025-03-01T10:39:00.000Z --until 2025-03-01T10:46:00.000Z',
    );
  });

  it('is safe to run twice: nothing is sent again once the letters are gone', async () => {
    const again = await cli('redrive', '--output', 'json');

    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ Received: 2, Redriven: 0, Failed: 0, Kept: 2 });
    expect(await drainQueue(sqs, targetUrl)).toEqual([]);
  });

  it('keeps a letter the bus refuses again (exit 254), and sends it with --bus once the cause is fixed', async () => {
    // Prepare: the two kept messages out of the way, one letter for a bus that does not exist.
    await sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }));
    const entry = toEventEntry(failed, 'arn:aws:events:us-east-1:123456789012:event-bus/deleted');
    const letter: DeadLetter = {
      kind: 'job-status-aggregator.dead-letter',
      letterVersion: 1,
      recordId: failed.recordId,
      jobKey: 'healthlake/x',
      detailType: entry.DetailType,
      errorCode: 'ResourceNotFoundException',
      attempts: 1,
      failedAt: '2025-03-01T11:00:00.000Z',
      entry: { ...entry, Time: entry.Time.toISOString() },
    };
    await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify(letter) }));

    // Act
    const refused = await cli('redrive', '--output', 'json');
    const redirected = await cli('redrive', '--bus', BUS);

    // Assess
    expect(refused.code).toBe(254);
    const summary = JSON.parse(refused.out);
    expect(summary).toMatchObject({ Received: 1, Redriven: 0, Failed: 1, Kept: 1 });
    expect(summary.Items[0]).toMatchObject({
      outcome: 'failed',
      deadLetteredFor: 'ResourceNotFoundException',
    });
    expect(redirected.code).toBe(0);
    expect(redirected.out).toMatch(/Redrove 1 of 1 messages/);
    expect(await messagesIn(dlqUrl)).toBe(0);
    const delivered = await drainQueue<Delivered>(sqs, targetUrl);
    expect(delivered.map((event) => event.detail.transitionId)).toEqual([failed.recordId]);
  });

  it('takes at most --max-items messages, and says which queue to name when none is given', async () => {
    for (const body of ['a', 'b', 'c'])
      await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body }));
    const some = await cli('redrive', '--max-items', '2', '--output', 'json');
    expect(JSON.parse(some.out)).toMatchObject({ Received: 2, Kept: 2 });
    expect(await messagesIn(dlqUrl)).toBe(3);

    let err = '';
    const code = await main(['redrive'], {
      stdout: () => undefined,
      stderr: (text) => {
        err += text;
      },
      env: {},
    });
    expect(code).toBe(253);
    expect(err).toMatch(/Which dead-letter queue\? Pass --queue-url or --stack NAME, or set JOBS_DLQ_URL/);
  });
});
