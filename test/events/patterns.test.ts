import { readFileSync } from 'node:fs';
import {
  CreateEventBusCommand,
  type EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { formatJobKey } from '../../lambdas/core/job-key.js';
import { EventBridgePublisher, SqsDeadLetterSink } from '../../lambdas/events/publisher.js';
import { type MotoServer, startMotoServer } from '../../local/moto-server.js';
import { jobKey, KEYS, pair, stall, transition } from './fixtures.js';
import { schemaErrors } from './schema-validator.js';
import { createQueue, drainQueue, eventBridgeClient, TEST_REGION } from './support.js';

/** The patterns exactly as docs/events.md shows them: a `<!-- pattern: name -->` line, one line of text, the block. */
function documentedPatterns(): Map<string, string> {
  const doc = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
  const patterns = new Map<string, string>();
  for (const match of doc.matchAll(/<!-- pattern: ([a-z-]+) -->\n[^\n]*\n\n```json\n([\s\S]*?)```/g)) {
    const [, name, json] = match;
    if (name && json) patterns.set(name, json);
  }
  return patterns;
}

interface DeliveredEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly resources: string[];
  readonly detail: { readonly transitionId?: string; readonly stallId?: string };
}

describe('the documented event patterns, through a real EventBridge emulator (moto)', () => {
  const BUS = 'job-events';
  let moto: MotoServer;
  let eventBridge: EventBridgeClient;
  let sqs: SQSClient;

  // Prepare: one HealthLake job through its life (first sighting, running, stalled, failed) and one event
  // of each other kind the patterns tell apart.
  const job1 = KEYS.healthlake;
  const firstSighting = transition(job1, undefined, pair('QUEUED', 'SUBMITTED'), 1);
  const running = transition(job1, pair('QUEUED', 'SUBMITTED'), pair('RUNNING', 'IN_PROGRESS'), 2);
  const job1Stalled = stall(job1, 3);
  const job1Failed = transition(job1, pair('RUNNING', 'IN_PROGRESS'), pair('FAILED', 'FAILED'), 4);
  const healthlakePartial = transition(
    jobKey('healthlake', 'job-2'),
    pair('RUNNING', 'IN_PROGRESS'),
    pair('SUCCEEDED_WITH_ERRORS', 'COMPLETED_WITH_ERRORS'),
    3,
  );
  const omicsPartial = transition(
    KEYS.healthomics,
    pair('RUNNING', 'IN_PROGRESS'),
    pair('SUCCEEDED_WITH_ERRORS', 'COMPLETED_WITH_FAILURES'),
    3,
  );
  const mappingRunning = transition(
    KEYS.entityresolution,
    pair('QUEUED', 'QUEUED'),
    pair('RUNNING', 'RUNNING'),
    2,
  );
  const imagingSucceeded = transition(
    KEYS.healthimaging,
    pair('RUNNING', 'IN_PROGRESS'),
    pair('SUCCEEDED', 'COMPLETED'),
    3,
  );
  const panoramaFailed = transition(KEYS.panorama, pair('QUEUED', 'PENDING'), pair('FAILED', 'FAILED'), 2);
  const otherOmicsStalled = stall(jobKey('healthomics', '5555555555'), 4);
  const all: HistoryRecord[] = [
    firstSighting,
    running,
    job1Stalled,
    job1Failed,
    healthlakePartial,
    omicsPartial,
    mappingRunning,
    imagingSucceeded,
    panoramaFailed,
    otherOmicsStalled,
  ];

  const expected: Record<string, readonly HistoryRecord[]> = {
    'any-failure': [job1Failed, panoramaFailed],
    'partial-success-one-service': [healthlakePartial],
    'any-terminal': [job1Failed, healthlakePartial, omicsPartial, imagingSucceeded, panoramaFailed],
    'one-job': [firstSighting, running, job1Stalled, job1Failed],
    'one-job-by-fields': [omicsPartial],
    stalls: [job1Stalled, otherOmicsStalled],
  };
  const queues = new Map<string, string>();
  const received = new Map<string, DeliveredEvent[]>();

  beforeAll(async () => {
    moto = await startMotoServer();
    eventBridge = eventBridgeClient(moto.endpoint, 3);
    sqs = new SQSClient({ endpoint: moto.endpoint, region: TEST_REGION });
    await eventBridge.send(new CreateEventBusCommand({ Name: BUS }));
    for (const [name, pattern] of documentedPatterns()) {
      const queueUrl = await createQueue(sqs, name);
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      await eventBridge.send(new PutRuleCommand({ Name: name, EventBusName: BUS, EventPattern: pattern }));
      await eventBridge.send(
        new PutTargetsCommand({
          Rule: name,
          EventBusName: BUS,
          Targets: [{ Id: 'queue', Arn: attributes.Attributes?.QueueArn }],
        }),
      );
      queues.set(name, queueUrl);
    }

    // Act: publish every event once, through the real publisher.
    const dlqUrl = await createQueue(sqs, 'dlq');
    const publisher = new EventBridgePublisher({
      client: eventBridge,
      busName: BUS,
      deadLetters: new SqsDeadLetterSink({ client: sqs, queueUrl: dlqUrl }),
    });
    const result = await publisher.publish(all);
    expect(result).toMatchObject({ delivered: all.length, deadLettered: 0, failed: 0 });
    for (const [name, queueUrl] of queues)
      received.set(name, await drainQueue<DeliveredEvent>(sqs, queueUrl));
  });

  afterAll(async () => {
    eventBridge?.destroy();
    sqs?.destroy();
    await moto?.stop();
  });

  it('documents every pattern the README promises', () => {
    expect([...documentedPatterns().keys()].sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))('pattern "%s" receives exactly the events it should', (name) => {
    const ids = (received.get(name) ?? []).map((event) => event.detail.transitionId ?? event.detail.stallId);
    expect(ids.sort()).toEqual((expected[name] ?? []).map((record) => record.recordId).sort());
  });

  it('delivers envelopes with the source, the detail-type, the scope ARN and a valid detail', () => {
    const events = [...received.values()].flat();
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.source).toBe('job-status-aggregator');
      expect(schemaErrors(event['detail-type'], event.detail)).toBe('');
    }
    const failed = received
      .get('one-job')
      ?.find((event) => event.detail.transitionId === job1Failed.recordId);
    expect(failed?.resources).toEqual([
      `arn:aws:healthlake:us-east-1:123456789012:datastore/fhir/${job1.scope}`,
    ]);
    const panorama = received
      .get('any-failure')
      ?.find((e) => e.detail.transitionId === panoramaFailed.recordId);
    expect(panorama?.resources).toEqual([]);
  });

  it('every pattern the README shows is one of the tested ones', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const tested = new Set(
      [...documentedPatterns().values()].map((json) => JSON.stringify(JSON.parse(json))),
    );
    const shown = [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
      .map(([, json]) => json ?? '')
      .filter((json) => json.includes('"job-status-aggregator"'));
    for (const json of shown) expect(tested).toContain(JSON.stringify(JSON.parse(json)));
  });

  it('uses the job key format the one-job pattern shows', () => {
    expect(documentedPatterns().get('one-job')).toContain(formatJobKey(job1));
  });
});
