import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { latestRecordOf } from '../../lambdas/core/recording.js';
import { currentJobToItem } from '../../lambdas/store/item-codec.js';
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
});
