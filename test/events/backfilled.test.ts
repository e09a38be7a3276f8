import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { latestRecordOf } from '../../lambdas/core/recording.js';
import { JobStatus } from '../../lambdas/core/status.js';
import { DetailType, isBackfilled, toEventEntry } from '../../lambdas/events/contract.js';
import type { EventBridgePublisher } from '../../lambdas/events/publisher.js';
import { publishStreamBatch } from '../../lambdas/events/stream-publisher.js';
import { changeOfWrite } from '../../lambdas/store/history-writer.js';
import { currentJobToItem } from '../../lambdas/store/item-codec.js';
import { KEYS, pair, transition } from './fixtures.js';
import { schemaErrors } from './schema-validator.js';

const live = transition(KEYS.healthlake, undefined, pair(JobStatus.QUEUED, 'SUBMITTED'), 1);
const backfilled = transition(KEYS.healthimaging, undefined, pair(JobStatus.FAILED, 'FAILED'), 1, {
  backfilled: true,
  failure: 'Access denied',
});

function streamOf(records: readonly HistoryRecord[]): DynamoDBStreamEvent {
  return {
    Records: records.map((record, index) => ({
      eventName: 'INSERT',
      dynamodb: {
        SequenceNumber: String(index + 1),
        NewImage: marshall(currentItemOf(record), { removeUndefinedValues: true }) as Record<
          string,
          AttributeValue
        > as never,
      },
    })),
  };
}

/** The current item of a first sighting: the record travels in it, as the pollers write it. */
function currentItemOf(record: HistoryRecord) {
  return currentJobToItem({
    snapshot: record.snapshot,
    version: 1,
    lastChangeAt: record.recordedAt,
    writtenAt: record.recordedAt,
    statusSince: record.recordedAt,
    latestRecord: latestRecordOf(record),
  });
}

/** Publishes one stream batch and returns the ids of the records handed to the publisher. */
async function published(publishBackfilled?: boolean): Promise<string[]> {
  const handed: string[] = [];
  const stored: string[] = [];
  const publisher: Pick<EventBridgePublisher, 'publish'> = {
    publish: async (records) => {
      handed.push(...records.map((record) => record.recordId));
      return {
        outcomes: new Map(
          records.map((record) => [record.recordId, { kind: 'delivered', eventId: 'e' } as const]),
        ),
        delivered: records.length,
        deadLettered: 0,
        failed: 0,
        skipped: 0,
        calls: 1,
      } as Awaited<ReturnType<EventBridgePublisher['publish']>>;
    },
  };
  const response = await publishStreamBatch(streamOf([live, backfilled]), {
    publisher,
    decode: changeOfWrite,
    storeHistory: async (record) => {
      stored.push(record.recordId);
    },
    ...(publishBackfilled !== undefined && { publishBackfilled }),
  });
  expect(response.batchItemFailures).toEqual([]);
  // The live job's record becomes a history item; the backfilled final job's stays in its current item.
  expect(stored).toEqual([live.recordId]);
  return handed;
}

describe('backfilled transitions', () => {
  it('are recorded but not published by default', async () => {
    expect(isBackfilled(backfilled)).toBe(true);
    expect(isBackfilled(live)).toBe(false);
    expect(await published()).toEqual([live.recordId]);
  });

  it('are published, saying so, when the publisher is asked to', async () => {
    expect(await published(true)).toEqual([live.recordId, backfilled.recordId]);
    const detail = JSON.parse(toEventEntry(backfilled, 'jobs').Detail) as Record<string, unknown>;
    expect(detail).toMatchObject({ backfilled: true, failure: 'Access denied', status: 'FAILED' });
    expect(schemaErrors(DetailType.STATUS_CHANGED, detail)).toBe('');
  });
});
