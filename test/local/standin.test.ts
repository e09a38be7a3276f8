import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeStandIn } from '../../local/eventbridge-standin/standin.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('the EventBridge stand-in, through the real SDK clients', () => {
  const standIn = new EventBridgeStandIn({ region: 'eu-west-1', accountId: '111122223333' });
  let events: EventBridgeClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    await standIn.start();
    events = new EventBridgeClient({
      endpoint: standIn.endpoint,
      region: 'eu-west-1',
      credentials,
      maxAttempts: 1,
    });
    sqs = new SQSClient({ endpoint: standIn.deadLetterEndpoint, region: 'eu-west-1', credentials });
    standIn.subscribe('failures', { source: ['job-status-aggregator'], detail: { status: ['FAILED'] } });
    standIn.subscribe('terminal', '{"detail":{"terminal":[true]}}');
  });

  afterAll(async () => {
    events.destroy();
    sqs.destroy();
    await standIn.stop();
  });

  beforeEach(() => {
    standIn.entryFailureRate = 0;
  });

  it('delivers each entry as the envelope subscribers receive, and routes it by pattern', async () => {
    // Act
    const response = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'job-status-aggregator',
            DetailType: 'Job Status Changed',
            Detail: JSON.stringify({ transitionId: 't1', status: 'FAILED', terminal: true }),
            Resources: ['arn:aws:healthlake:eu-west-1:111122223333:datastore/fhir/abc'],
            Time: new Date('2025-03-01T10:13:00.250Z'),
            EventBusName: 'job-events',
          },
          {
            Source: 'job-status-aggregator',
            DetailType: 'Job Status Changed',
            Detail: JSON.stringify({ transitionId: 't2', status: 'RUNNING', terminal: false }),
          },
        ],
      }),
    );

    // Assess
    expect(response.FailedEntryCount).toBe(0);
    expect(response.Entries?.every((entry) => entry.EventId)).toBe(true);
    const [first, second] = standIn.received;
    expect(first?.event).toMatchObject({
      version: '0',
      'detail-type': 'Job Status Changed',
      source: 'job-status-aggregator',
      account: '111122223333',
      region: 'eu-west-1',
      time: '2025-03-01T10:13:00Z',
      resources: ['arn:aws:healthlake:eu-west-1:111122223333:datastore/fhir/abc'],
      detail: { transitionId: 't1', status: 'FAILED' },
    });
    expect(first?.event.id).toBe(response.Entries?.[0]?.EventId);
    expect(first?.bus).toBe('job-events');
    expect(first?.matched).toEqual(['failures', 'terminal']);
    expect(second?.matched).toEqual([]);
    expect(standIn.subscriptions().map((subscription) => subscription.events.length)).toEqual([1, 1]);
  });

  it('refuses bad entries one by one, as EventBridge does, and the rest still go', async () => {
    const before = standIn.received.length;
    const response = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'job-status-aggregator', DetailType: 'Job Status Changed', Detail: '[1,2]' },
          { Source: 'job-status-aggregator', DetailType: 'Job Status Changed', Detail: '{"ok":true}' },
        ],
      }),
    );
    expect(response.FailedEntryCount).toBe(1);
    expect(response.Entries?.[0]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(standIn.received.length).toBe(before + 1);
  });

  it('throttles the share of entries it is told to, per entry', async () => {
    standIn.entryFailureRate = 0.999;
    const response = await events.send(
      new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }),
    );
    expect(response.Entries?.[0]?.ErrorCode).toBe('ThrottlingException');
    expect(standIn.refused.get('ThrottlingException')).toBe(1);
  });

  it('keeps dead letters sent with SendMessageBatch, with the body checksum the SDK verifies', async () => {
    const response = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: standIn.deadLetterQueueUrl,
        Entries: [
          { Id: 'm0', MessageBody: '{"kind":"job-status-aggregator.dead-letter","recordId":"r1"}' },
          { Id: 'm1', MessageBody: 'ünïcödé' },
        ],
      }),
    );
    expect(response.Successful?.map((entry) => entry.Id)).toEqual(['m0', 'm1']);
    expect(standIn.deadLetters.map((letter) => letter.body)).toEqual([
      '{"kind":"job-status-aggregator.dead-letter","recordId":"r1"}',
      'ünïcödé',
    ]);
    expect(standIn.deadLetters[0]?.queueUrl).toBe(standIn.deadLetterQueueUrl);
  });
});
