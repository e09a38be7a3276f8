import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { latestRecordOf } from '../../lambdas/core/recording.js';
import { currentJobToItem } from '../../lambdas/store/item-codec.js';
import { startMotoServer } from '../../local/moto-server.js';
import { KEYS, pair, transition } from './fixtures.js';

describe('the publisher handler', () => {
  const savedEnv = { ...process.env };

  afterEach(() => {
    process.env = { ...savedEnv };
    vi.resetModules();
  });

  it.each(['JOBS_EVENT_BUS_NAME', 'JOBS_DLQ_URL'])(
    'fails its cold start when %s is missing',
    async (name) => {
      // Prepare
      process.env.JOBS_EVENT_BUS_NAME = 'jobs';
      process.env.JOBS_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs-dlq';
      delete process.env[name];
      vi.resetModules();

      // Act / Assess
      await expect(import('../../lambdas/handlers/publisher.js')).rejects.toThrow(name);
    },
  );

  it('loads with both settings present', async () => {
    process.env.JOBS_EVENT_BUS_NAME = 'jobs';
    process.env.JOBS_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs-dlq';
    vi.resetModules();

    const module = await import('../../lambdas/handlers/publisher.js');

    expect(typeof module.handler).toBe('function');
  });

  it("puts the scope ARN in its function's partition, taken from the invocation", async () => {
    // Prepare: an EventBridge endpoint that keeps what PutEvents sent.
    const sent: { Resources?: string[] }[] = [];
    const eventBridge = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const entries = (JSON.parse(body) as { Entries: { Resources?: string[] }[] }).Entries;
        sent.push(...entries);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({ FailedEntryCount: 0, Entries: entries.map((_, n) => ({ EventId: `e-${n}` })) }),
        );
      });
    });
    await new Promise<void>((resolve) => eventBridge.listen(0, '127.0.0.1', resolve));
    try {
      process.env.JOBS_EVENT_BUS_NAME = 'jobs';
      process.env.JOBS_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs-dlq';
      process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = `http://127.0.0.1:${(eventBridge.address() as AddressInfo).port}`;
      vi.resetModules();
      const { handler } = await import('../../lambdas/handlers/publisher.js');
      const key = { ...KEYS.healthlake, region: 'eu-isoe-west-1' };
      // A first sighting as a final job: its record is the current item, so nothing to store, one event.
      const record = transition(key, undefined, pair('SUCCEEDED', 'COMPLETED'), 1);
      const item = currentJobToItem({
        snapshot: record.snapshot,
        version: 1,
        lastChangeAt: record.recordedAt,
        writtenAt: record.recordedAt,
        statusSince: record.recordedAt,
        latestRecord: latestRecordOf(record),
      });
      const event: DynamoDBStreamEvent = {
        Records: [
          {
            eventName: 'INSERT',
            dynamodb: {
              SequenceNumber: '1',
              NewImage: marshall(item, { removeUndefinedValues: true }) as Record<
                string,
                AttributeValue
              > as never,
            },
          },
        ],
      };
      const context = {
        invokedFunctionArn: 'arn:aws-iso-e:lambda:eu-isoe-west-1:123456789012:function:job-status-publisher',
      } as Context;

      // Act
      const response = await handler(event, context);

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(sent.map((entry) => entry.Resources)).toEqual([
        [`arn:aws-iso-e:healthlake:eu-isoe-west-1:123456789012:datastore/fhir/${KEYS.healthlake.scope}`],
      ]);
    } finally {
      await new Promise<void>((resolve) => eventBridge.close(() => resolve()));
    }
  });

  it('emits its cold start once and, per invocation, the events delivered, retried and dead-lettered', async () => {
    // Prepare: an EventBridge endpoint that refuses the entries of one job for good, and moto's SQS.
    const eventBridge = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const entries = (JSON.parse(body) as { Entries: { Detail: string }[] }).Entries;
        const results = entries.map((entry, n) =>
          entry.Detail.includes('refused-job')
            ? { ErrorCode: 'MalformedDetail', ErrorMessage: 'refused' }
            : { EventId: `e-${n}` },
        );
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({ FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results }),
        );
      });
    });
    await new Promise<void>((resolve) => eventBridge.listen(0, '127.0.0.1', resolve));
    const moto = await startMotoServer();
    try {
      const sqs = new SQSClient({ endpoint: moto.endpoint, region: 'us-east-1' });
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'publisher-metrics-dlq' }));
      Object.assign(process.env, {
        JOBS_EVENT_BUS_NAME: 'jobs',
        JOBS_DLQ_URL: QueueUrl,
        AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${(eventBridge.address() as AddressInfo).port}`,
        AWS_ENDPOINT_URL_SQS: moto.endpoint,
        POWERTOOLS_METRICS_DISABLED: 'false',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      });
      vi.resetModules();
      const { handler } = await import('../../lambdas/handlers/publisher.js');
      // First sightings as final jobs: each record stays in its current item, so the publisher stores nothing.
      const record = (sequence: string, jobId: string) => {
        const made = transition({ ...KEYS.healthlake, jobId }, undefined, pair('SUCCEEDED', 'COMPLETED'), 1);
        const item = currentJobToItem({
          snapshot: made.snapshot,
          version: 1,
          lastChangeAt: made.recordedAt,
          writtenAt: made.recordedAt,
          statusSince: made.recordedAt,
          latestRecord: latestRecordOf(made),
        });
        return {
          eventName: 'INSERT' as const,
          dynamodb: {
            SequenceNumber: sequence,
            NewImage: marshall(item, { removeUndefinedValues: true }) as Record<
              string,
              AttributeValue
            > as never,
          },
        };
      };
      const context = {
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:job-status-publisher',
      } as Context;

      // Act: a delivered and a refused event; then a stream record the publisher cannot read.
      const first = await emfOf(() =>
        handler({ Records: [record('1', 'good-job'), record('2', 'refused-job')] }, context),
      );
      const second = await emfOf(() =>
        handler({ Records: [{ eventName: 'INSERT', dynamodb: { SequenceNumber: '3' } }] }, context),
      );

      // Assess
      const stack = { service: 'job-status-aggregator' };
      expect(first).toEqual([
        ['ColdStart', 1, stack],
        ['EventsDelivered', 1, stack],
        ['EventsRetried', 0, stack],
        ['EventsDeadLettered', 1, stack],
      ]);
      expect(second).toEqual([
        ['EventsDelivered', 0, stack],
        ['EventsRetried', 1, stack],
        ['EventsDeadLettered', 0, stack],
      ]);
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
    } finally {
      await new Promise<void>((resolve) => eventBridge.close(() => resolve()));
      await moto.stop();
    }
  });
});

/** `[metric, value, dimensions]` of every embedded-metric line the invocation wrote to stdout. */
async function emfOf(
  invocation: () => Promise<unknown>,
): Promise<[string, unknown, Record<string, unknown>][]> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await invocation();
  } finally {
    spy.mockRestore();
  }
  type Emf = {
    _aws?: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  } & Record<string, unknown>;
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .flatMap((line) => {
      const emf = JSON.parse(line) as Emf;
      const [directive] = emf._aws?.CloudWatchMetrics ?? [];
      const dimensions = Object.fromEntries(
        (directive?.Dimensions[0] ?? []).map((name) => [name, emf[name]]),
      );
      return (directive?.Metrics ?? []).map(
        (metric) => [metric.Name, emf[metric.Name], dimensions] as [string, unknown, Record<string, unknown>],
      );
    });
}
