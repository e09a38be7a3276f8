import {
  CreateEventBusCommand,
  type EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { DetailType, type PublishableRecord, toEventEntry } from '../../lambdas/events/contract.js';
import { type JobEventSubscriptionOptions, jobEventPattern, toRuleTarget } from '../../lib/subscription.js';
import { type MotoServer, startMotoServer } from '../../local/moto-server.js';
import { jobKey, KEYS, pair, stall, transition } from '../events/fixtures.js';
import { createQueue, drainQueue, eventBridgeClient, TEST_REGION } from '../events/support.js';

/** A CDK event pattern as the EventBridge API takes it (CDK renders `detailType` as `detail-type`). */
function toApiPattern(pattern: events.EventPattern): string {
  const { detailType, ...rest } = pattern;
  return JSON.stringify({ ...rest, ...(detailType && { 'detail-type': detailType }) });
}

describe('jobEventPattern', () => {
  it('matches status changes from the aggregator by default', () => {
    // Act
    const pattern = jobEventPattern({});

    // Assess
    expect(pattern).toEqual({ source: ['job-status-aggregator'], detailType: ['Job Status Changed'] });
  });

  it('narrows on the contract’s detail fields: service, status, terminal', () => {
    // Act
    const pattern = jobEventPattern({
      services: ['healthlake', 'healthlake', 'healthomics'],
      statuses: ['FAILED'],
      terminalOnly: true,
      detailTypes: [DetailType.STATUS_CHANGED],
    });

    // Assess
    expect(pattern).toEqual({
      source: ['job-status-aggregator'],
      detailType: ['Job Status Changed'],
      detail: { service: ['healthlake', 'healthomics'], status: ['FAILED'], terminal: [true] },
    });
  });

  it('refuses values outside the contract, naming what is allowed', () => {
    // Assess
    expect(() => jobEventPattern({ services: ['lake' as never] })).toThrow(
      'subscribe: services has "lake"; allowed: healthlake, healthimaging, healthomics, entityresolution, panorama.',
    );
    expect(() => jobEventPattern({ statuses: ['COMPLETED' as never] })).toThrow(
      /statuses has "COMPLETED"; allowed: QUEUED, RUNNING, SUCCEEDED, SUCCEEDED_WITH_ERRORS, FAILED, CANCELLING, CANCELLED, UNKNOWN/,
    );
    expect(() => jobEventPattern({ detailTypes: ['Job Done' as never] })).toThrow(
      /detailTypes has "Job Done"; allowed: Job Status Changed, Job Stalled/,
    );
    expect(() => jobEventPattern({ statuses: [] })).toThrow(/statuses is empty; leave it out/);
    expect(() => jobEventPattern({ terminalOnly: true, detailTypes: [DetailType.STALLED] })).toThrow(
      /terminalOnly matches only "Job Status Changed" events/,
    );
  });
});

describe('toRuleTarget', () => {
  it('turns a queue, a function and a topic into their EventBridge targets, and keeps any other target', () => {
    // Prepare
    const stack = new Stack(new App(), 'Targets');
    const queue = new sqs.Queue(stack, 'Queue');
    const topic = new sns.Topic(stack, 'Topic');
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => {};'),
    });
    const custom = new targets.SqsQueue(queue);

    // Act
    const made = {
      queue: toRuleTarget(queue, {}),
      fn: toRuleTarget(fn, {}),
      topic: toRuleTarget(topic, {}),
      custom: toRuleTarget(custom, {}),
    };

    // Assess
    expect(made.queue).toBeInstanceOf(targets.SqsQueue);
    expect(made.fn).toBeInstanceOf(targets.LambdaFunction);
    expect(made.topic).toBeInstanceOf(targets.SnsTopic);
    expect(made.custom).toBe(custom);
    expect(() => toRuleTarget(custom, { retryAttempts: 3 })).toThrow(/set them on your IRuleTarget instead/);
  });
});

describe('subscription patterns, through a real EventBridge emulator (moto)', () => {
  const BUS = 'job-events';
  let moto: MotoServer;
  let eventBridge: EventBridgeClient;
  let queueClient: SQSClient;

  // Prepare: events of several services, statuses and both detail-types, exactly as the publisher builds them.
  const lakeFailed = transition(KEYS.healthlake, pair('RUNNING', 'IN_PROGRESS'), pair('FAILED', 'FAILED'), 4);
  const lakeRunning = transition(
    jobKey('healthlake', 'job-2'),
    pair('QUEUED', 'SUBMITTED'),
    pair('RUNNING', 'IN_PROGRESS'),
    2,
  );
  const omicsPartial = transition(
    KEYS.healthomics,
    pair('RUNNING', 'IN_PROGRESS'),
    pair('SUCCEEDED_WITH_ERRORS', 'COMPLETED_WITH_FAILURES'),
    3,
  );
  const mappingDone = transition(
    KEYS.entityresolution,
    pair('RUNNING', 'RUNNING'),
    pair('SUCCEEDED', 'SUCCEEDED'),
    3,
  );
  const lakeStalled = stall(jobKey('healthlake', 'job-3'), 5);
  const all: PublishableRecord[] = [lakeFailed, lakeRunning, omicsPartial, mappingDone, lakeStalled];

  const cases: Record<
    string,
    { options: Omit<JobEventSubscriptionOptions, 'target'>; expected: HistoryRecord[] }
  > = {
    'failures-of-two-services': {
      options: { services: ['healthlake', 'healthomics'], statuses: ['FAILED', 'SUCCEEDED_WITH_ERRORS'] },
      expected: [lakeFailed, omicsPartial],
    },
    'every-final-status': {
      options: { terminalOnly: true },
      expected: [lakeFailed, omicsPartial, mappingDone],
    },
    'stalls-only': { options: { detailTypes: [DetailType.STALLED] }, expected: [lakeStalled] },
    'every-status-change': { options: {}, expected: [lakeFailed, lakeRunning, omicsPartial, mappingDone] },
    'one-service-everything': {
      options: { services: ['healthlake'], detailTypes: [DetailType.STATUS_CHANGED, DetailType.STALLED] },
      expected: [lakeFailed, lakeRunning, lakeStalled],
    },
  };
  const received = new Map<string, string[]>();

  beforeAll(async () => {
    moto = await startMotoServer();
    eventBridge = eventBridgeClient(moto.endpoint, 3);
    queueClient = new SQSClient({ endpoint: moto.endpoint, region: TEST_REGION });
    await eventBridge.send(new CreateEventBusCommand({ Name: BUS }));
    const queues = new Map<string, string>();
    for (const [name, { options }] of Object.entries(cases)) {
      const queueUrl = await createQueue(queueClient, name);
      const attributes = await queueClient.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      await eventBridge.send(
        new PutRuleCommand({
          Name: name,
          EventBusName: BUS,
          EventPattern: toApiPattern(jobEventPattern(options)),
        }),
      );
      await eventBridge.send(
        new PutTargetsCommand({
          Rule: name,
          EventBusName: BUS,
          Targets: [{ Id: 'queue', Arn: attributes.Attributes?.QueueArn }],
        }),
      );
      queues.set(name, queueUrl);
    }

    // Act
    const result = await eventBridge.send(
      new PutEventsCommand({ Entries: all.map((record) => ({ ...toEventEntry(record, BUS) })) }),
    );
    expect(result.FailedEntryCount).toBe(0);
    for (const [name, queueUrl] of queues) {
      const bodies = await drainQueue<{ detail: { transitionId?: string; stallId?: string } }>(
        queueClient,
        queueUrl,
      );
      received.set(
        name,
        bodies.map((body) => body.detail.transitionId ?? body.detail.stallId ?? ''),
      );
    }
  });

  afterAll(async () => {
    eventBridge?.destroy();
    queueClient?.destroy();
    await moto?.stop();
  });

  it.each(Object.keys(cases))('"%s" receives exactly the events it asks for', (name) => {
    // Assess
    expect((received.get(name) ?? []).sort()).toEqual(
      (cases[name]?.expected ?? []).map((record) => record.recordId).sort(),
    );
  });
});
